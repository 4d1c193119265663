"""Every figure of the programme report, on the page and in the PDF, equals the database.

One of each process type is made through the services and flows, some before the
report's dates, some closed inside them and one after; the expected figures are then
counted here with plain ORM queries, for the coordinator (the whole programme, work
without a municipality included) and for a facilitator (what touches their
municipalities), and read back from the page's tables and from the PDF's text.
"""

import datetime
import io
import re
import zoneinfo
from collections import Counter, defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string
from pypdf import PdfReader

from agreements import scope
from agreements import services as onboarding
from agreements.models import Agreement, Municipality, Region
from finance import services as finance
from finance.models import FiscalPeriod, Submission
from knowledge import services as knowledge
from knowledge.models import Case
from networks import services as networks
from networks.models import Invitation, Membership, Network, Theme
from reports import pdf
from specialprojects import services as projects
from specialprojects.models import Project, ProjectLine
from staffing import services as staffing
from tests.conftest import AUTHORITIES, draft_post, make_user, signed_pdf
from tests.finance.conftest import quarter_file
from workflows import services as tasks
from workflows.models import Process, Task
from workflows.roles import Role

pytestmark = pytest.mark.django_db

CARACAS = zoneinfo.ZoneInfo("America/Caracas")
BEFORE = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=CARACAS)
DURING = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=CARACAS)
AFTER = datetime.datetime(2026, 4, 15, 10, 0, tzinfo=CARACAS)
NOW = datetime.datetime(2026, 4, 20, 10, 0, tzinfo=CARACAS)
START, END = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
DATES = {"start": START.isoformat(), "end": END.isoformat()}
OPEN = ("NEW", "ASSIGNED", "STARTED")


def at(moment):
    return time_machine.travel(moment, tick=False)


def done(process, user, data):
    """Complete the one open human task of ``process`` as ``user``."""
    (task,) = tasks.open_human_tasks(process)
    tasks.take_and_complete(task, task.owner or user, data)


# The world ---------------------------------------------------------------------


@pytest.fixture
def world(coordinator, facilitator_a, facilitator_b, municipality_a, municipality_b, region_a):
    """One process of each type, and the processes that touch facilitator A's municipalities."""
    lead = make_user("lider", Role.SPECIALIST)
    officer = make_user("enlace_a", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer, municipality_a, by=coordinator)
    elsewhere = Municipality.objects.exclude(region__in=[region_a, municipality_b.region]).first()
    other_a = Municipality.objects.filter(region=region_a).exclude(pk=municipality_a.pk).first()
    theme = Theme.objects.get(slug="finanzas-municipales")
    made = {}

    with at(BEFORE):  # opened before the report's dates, still open
        made["onboarding_b"] = onboarding.start_onboarding(
            facilitator_b, municipality_b, AUTHORITIES
        )

    with at(DURING):
        # An agreement signed and active inside the dates, ending within 90 days.
        made["onboarding_a"] = onboarding.start_onboarding(facilitator_a, other_a, AUTHORITIES)
        draft = {
            **draft_post(),
            "start_date": datetime.date(2026, 3, 1),
            "end_date": datetime.date(2026, 6, 30),
        }
        done(made["onboarding_a"], facilitator_a, draft)
        done(made["onboarding_a"], coordinator, {"decision": "approve", "comment": ""})
        signed = {"signed_document": signed_pdf(), "signed_on": DURING.date()}
        done(made["onboarding_a"], facilitator_a, signed)
        done(made["onboarding_a"], coordinator, {"confirm": True})
        _contact, made["follow_up"] = onboarding.record_contact(
            facilitator_a,
            municipality_a,
            {
                "date": DURING.date(),
                "kind": "visit",
                "participants": "Alcaldesa",
                "agreed": "Enviar la ejecución",
                "follow_up": "Recordar el envío",
                "follow_up_role": Role.FACILITATOR,
                "follow_up_due": DURING.date() + datetime.timedelta(days=5),
                "follow_up_assignee": facilitator_a,
            },
        )
        Municipality.objects.filter(
            pk__in=[municipality_a.pk, municipality_b.pk, elsewhere.pk]
        ).update(is_member=True)
        period = finance.open_period(
            2026,
            1,
            by=coordinator,
            opens_on=datetime.date(2026, 3, 1),
            deadline=datetime.date(2026, 3, 25),
        )
        submission = finance.current_submission(municipality_a, period)
        finance.receive_upload(submission, officer, "datos.csv", quarter_file())
        finance.submit_for_review(finance.current_submission(municipality_a, period), officer, "")

        case = knowledge.register_case(
            facilitator_b,
            {
                "title": "Catastro con censistas comunitarios",
                "municipality": municipality_b,
                "theme": theme,
                "summary": "Vecinos formados como censistas.",
                "contact_name": "Dirección de Catastro",
                "started_on": datetime.date(2025, 1, 15),
            },
        )
        made["case_b"] = Process.for_subject(case)

        # A network across both facilitators' states, launched inside the dates ...
        launched = networks.propose(
            lead,
            {
                "theme": theme,
                "name": "Red de hacienda municipal",
                "objectives": "Recaudar más.",
                "target_municipalities": [municipality_a, municipality_b],
            },
        )
        made["network_ab"] = Process.for_subject(launched)
        done(made["network_ab"], coordinator, {"decision": "approve", "comment": ""})
        done(
            made["network_ab"],
            lead,
            {
                "concept": "Pares.",
                "work_plan": "Encuentros.",
                "activities": "Talleres.",
                "calendar": [(datetime.date(2026, 6, 1), "Primer encuentro")],
                "invitation_deadline": datetime.date(2026, 3, 30),
            },
        )
        for task in tasks.open_human_tasks(made["network_ab"]):
            answers = {pk: ("accepted", "") for pk in task.data["municipalities"]}
            tasks.take_and_complete(task, task.owner, {"answers": answers})
        # ... and one proposed for a third state only.
        made["network_elsewhere"] = Process.for_subject(
            networks.propose(
                lead,
                {
                    "theme": theme,
                    "name": "Red de otra entidad",
                    "objectives": "Otra cosa.",
                    "target_municipalities": [elsewhere],
                },
            )
        )

        line = ProjectLine.objects.create(name="Catastro")
        with_a = projects.define_project(coordinator, line, "Catastro de Miranda", lead)
        made["project_a"] = Process.for_subject(with_a)
        done(
            made["project_a"],
            lead,
            {
                "objectives": "Actualizar el catastro.",
                "expected_results": "Catastro en uso.",
                "indicators": [("Inmuebles", "inmuebles", Decimal(0), Decimal(100))],
                "milestones": [
                    (
                        datetime.date(2026, 3, 1),
                        datetime.date(2026, 4, 1),
                        "Levantamiento",
                        "Base de datos",
                    ),
                    (
                        datetime.date(2026, 3, 1),
                        datetime.date(2026, 6, 1),
                        "Valoración",
                        "Tabla de valores",
                    ),
                ],
                "municipalities": [municipality_a],
                "budget": Decimal("1000.00"),
                "risks": "Ninguno",
            },
        )
        made["project_none"] = Process.for_subject(
            projects.define_project(coordinator, line, "Compras abiertas", lead)
        )

        position_data = {
            "title": "Especialista en hacienda",
            "profile": "Acompañar.",
            "expertise": "Tributos.",
            "theme": theme,
            "term_months": 12,
        }
        _position, made["hiring_network"] = staffing.open_position(
            coordinator, {**position_data, "network": launched}
        )
        cancelled, made["hiring_none"] = staffing.open_position(coordinator, position_data)
        staffing.cancel_position(cancelled, coordinator, "Sin presupuesto")

    with at(AFTER):  # closed after the report's dates: neither closed in them nor open now
        done(made["follow_up"], facilitator_a, {"outcome": "Enviado.", "comment": ""})

    # The agreement activated above made other_a a member: the period opened for it too.
    for name, town in (("finance_a", municipality_a), ("finance_other_a", other_a)):
        made[name] = Process.for_subject(finance.current_submission(town, period))
    for name, process in made.items():
        made[name] = Process.objects.get(pk=process.pk)
    touching_a = [
        made[name]
        for name in (
            "onboarding_a",
            "follow_up",
            "finance_a",
            "finance_other_a",
            "network_ab",
            "project_a",
            "hiring_network",
        )
    ]
    return {"made": made, "touching_a": touching_a, "period": period}


# The expected figures, counted here -------------------------------------------------


def expected(towns, processes):
    """Every figure of the report, from plain queries.

    ``towns``: the reader's municipalities and ``processes`` the processes that touch
    them, both None when the reader sees the whole programme.
    """
    since = datetime.datetime.combine(START, datetime.time.min, tzinfo=CARACAS)
    until = datetime.datetime.combine(END, datetime.time.max, tzinfo=CARACAS)
    whole = processes is None
    towns = Municipality.objects.all() if towns is None else towns
    town_ids = set(towns.values_list("pk", flat=True))
    figures = {"municipalities": len(town_ids)}

    in_scope = (
        Process.objects.all() if whole else Process.objects.filter(pk__in=[p.pk for p in processes])
    )
    figures["processes"] = {}
    for path in settings.WORKFLOWS_FLOWS:
        flow = import_string(path)
        of_type = in_scope.filter(flow_class=flow)
        figures["processes"][str(flow.process_title)] = [
            of_type.filter(created__gte=since, created__lte=until).count(),
            of_type.filter(finished__gte=since, finished__lte=until).count(),
            of_type.filter(finished__isnull=True).exclude(status="CANCELED").count(),
        ]
    figures["process_total"] = [
        sum(row[i] for row in figures["processes"].values()) for i in range(3)
    ]

    latest = {}
    for municipality, state in Agreement.objects.order_by("created", "pk").values_list(
        "municipality", "state"
    ):
        latest[municipality] = state
    stages = [None, *Agreement.State.values]
    per_region = defaultdict(Counter)
    for pk, region in towns.values_list("pk", "region__name"):
        per_region[region][latest.get(pk)] += 1
    figures["onboarding"] = {
        region: [counts[s] for s in stages] + [sum(counts.values())]
        for region, counts in per_region.items()
    }
    agreements = Agreement.objects.filter(municipality__in=town_ids)
    figures["active"] = agreements.filter(state="active").count()
    figures["expiring"] = agreements.filter(
        state="active", end_date__lte=NOW.date() + datetime.timedelta(days=90)
    ).count()

    overdue = Task.objects.filter(status__in=OPEN, due_at__lt=NOW)
    if not whole:
        overdue = overdue.filter(
            Q(municipality__in=town_ids)
            | Q(municipality__isnull=True, process__in=[p.pk for p in processes])
        )
    figures["overdue"] = Counter(
        (str(Role(role).label), region or "Sin municipio")
        for role, region in overdue.values_list("role", "municipality__region__name")
    )

    members = Municipality.objects.filter(pk__in=town_ids, is_member=True).count()
    figures["finance"] = {}
    for period in FiscalPeriod.objects.filter(deadline__gte=START, deadline__lte=END):
        submissions = Submission.objects.filter(period=period, municipality__in=town_ids)
        sent = (
            submissions.filter(state__in=["in_review", "approved", "published", "superseded"])
            .values("municipality")
            .distinct()
            .count()
        )
        approved = (
            submissions.filter(state__in=["approved", "published", "superseded"])
            .values("municipality")
            .distinct()
            .count()
        )
        figures["finance"][str(period)] = [members, sent, approved, max(members - sent, 0)]

    cases = Case.objects.filter(municipality__in=town_ids)
    figures["cases"] = [
        cases.filter(created__gte=since, created__lte=until, revises__isnull=True).count(),
        cases.filter(published_at__gte=since, published_at__lte=until).count(),
        cases.filter(state="published").count(),
    ]

    live = Network.objects.filter(state__in=["active", "paused"])
    if not whole:
        live = live.filter(target_municipalities__in=town_ids).distinct()
    figures["networks"] = {
        n.name: [
            Membership.objects.filter(network=n).count(),
            Invitation.objects.filter(network=n, answer="accepted").count(),
        ]
        for n in live
    }
    running = Project.objects.exclude(state__in=["closed", "cancelled"])
    if not whole:
        running = running.filter(municipalities__in=town_ids).distinct()
    figures["projects"] = {
        p.title: [
            p.milestones.count(),
            p.milestones.filter(completed_at__isnull=True, due_on__lt=NOW.date()).count(),
        ]
        for p in running
    }
    return figures


# Reading the page and the PDF -------------------------------------------------------


class Tables(HTMLParser):
    """The text of every cell of every table with an id, row by row."""

    def __init__(self):
        super().__init__()
        self.tables, self.stats, self.scope = {}, {}, ""
        self._table = self._row = self._cell = self._stat = None
        self._in_scope = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif attrs.get("class") == "stat" and attrs.get("id"):
            self._stat = attrs["id"]
        elif attrs.get("id") == "report-scope":
            self._in_scope = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "div":
            self._stat = None
        elif tag == "p":
            self._in_scope = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._stat:
            self.stats[self._stat] = self.stats.get(self._stat, "") + data.strip()
        if self._in_scope:
            self.scope += data


def count(text):
    return int(text.replace(".", ""))


def page_figures(html):
    page = Tables()
    page.feed(html)
    t = page.tables
    body = {name: rows[1:] for name, rows in t.items()}
    processes = {row[0]: [count(c) for c in row[1:]] for row in body["report-processes"]}
    total = processes.pop("Total")
    onboarding = {row[0]: [count(c) for c in row[1:]] for row in body["onboarding"]}
    onboarding.pop("Total", None)
    overdue = Counter()
    for role, region, n in (r for r in body["report-overdue"] if len(r) == 3):
        overdue[(role, region)] += count(n)
    return {
        "municipalities": count(re.search(r"([\d.]+) municipios? en el ámbito", page.scope)[1]),
        "active": count(page.stats["active-agreements"]),
        "expiring": count(page.stats["expiring-agreements"]),
        "processes": processes,
        "process_total": total,
        "onboarding": onboarding,
        "overdue": overdue,
        "finance": {
            row[0]: [count(c) for c in row[1:]] for row in body["finance-coverage"] if len(row) == 5
        },
        "cases": [count(row[1]) for row in t["innovation-cases"]],
        "networks": {
            row[0]: [count(c) for c in row[2:]] for row in body["report-networks"] if len(row) == 4
        },
        "projects": {
            row[0]: [count(c) for c in row[2:]] for row in body["report-projects"] if len(row) == 4
        },
    }


def pdf_text(content, mode="layout"):
    return "\n".join(
        page.extract_text(extraction_mode=mode) for page in PdfReader(io.BytesIO(content)).pages
    )


def rows_between(text, first, last):
    """Lines of a PDF table between two headings: {label cells: [counts]}."""
    start = text.index(first) + len(first)
    section = text[start : text.index(last, start)] if last else text[start:]
    rows = {}
    for line in section.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        numbers = []
        while cells and re.fullmatch(r"\d{1,3}(\.\d{3})*", cells[-1]):
            numbers.insert(0, count(cells.pop()))
        if cells and numbers:
            rows[" | ".join(cells)] = numbers
    return rows


def pdf_figures(content):
    text = pdf_text(content)
    processes = rows_between(text, "Procesos en el período", "Procesos por tipo:")
    onboarding = rows_between(
        text,
        "Municipios por etapa de incorporación y entidad federal",
        "Municipios por etapa de incorporación, una barra",
    )
    overdue = rows_between(
        text, "Tareas vencidas por rol y entidad federal", "Cobertura de envíos financieros"
    )
    cases = rows_between(text, "Casos de innovación", "Redes temáticas")
    flat = " ".join(text.split())
    return {
        "municipalities": count(re.search(r"municipios en el ámbito: ([\d.]+)", flat)[1]),
        "active": count(re.search(r"Convenios activos: ([\d.]+)", flat)[1]),
        "expiring": count(re.search(r"próximos 90 días: ([\d.]+)", flat)[1]),
        "processes": {k: v for k, v in processes.items() if k != "Total"},
        "process_total": processes["Total"],
        "onboarding": {k: v for k, v in onboarding.items() if k != "Total"},
        "overdue": Counter({tuple(label.split(" | ")): n for label, (n,) in overdue.items()}),
        "finance": rows_between(text, "Cobertura de envíos financieros", "Casos de innovación"),
        "cases": [
            cases["Registrados en el período"][0],
            cases["Publicados en el período"][0],
            cases["En la biblioteca pública"][0],
        ],
        "networks": {
            label.split(" | ")[0]: n
            for label, n in rows_between(text, "Redes temáticas", "Proyectos especiales").items()
        },
        "projects": {
            label.split(" | ")[0]: n
            for label, n in rows_between(text, "Proyectos especiales", None).items()
        },
    }


def report_of(client, user):
    client.force_login(user)
    with at(NOW):
        html = client.get(reverse("reports:dashboard"), DATES).content.decode()
        content = client.get(reverse("reports:dashboard_pdf"), DATES).content
    return html, content


# The tests ------------------------------------------------------------------------


def test_every_figure_of_page_and_pdf_equals_the_database_for_the_coordination(
    client, world, coordinator
):
    with at(NOW):
        want = expected(None, None)
    html, content = report_of(client, coordinator)

    # The processes without a municipality count, of every type.
    assert want["processes"]["Conformación de la red"] == [2, 1, 1]
    assert want["processes"]["Proyecto especial"] == [2, 0, 2]
    assert want["processes"]["Contratación de especialistas"] == [2, 1, 1]
    assert want["processes"]["Seguimiento de contacto"] == [1, 0, 0]
    assert want["processes"]["Incorporación municipal"] == [1, 1, 1]
    assert (want["active"], want["expiring"]) == (1, 1)
    assert ("Coordinación", "Sin municipio") in want["overdue"]
    assert set(want["processes"]) == {
        str(import_string(path).process_title) for path in settings.WORKFLOWS_FLOWS
    }

    for source, got in (("page", page_figures(html)), ("pdf", pdf_figures(content))):
        for key, value in want.items():
            assert got[key] == value, f"{source}: {key}"


def test_every_figure_of_page_and_pdf_equals_the_database_for_a_facilitator(
    client, world, facilitator_a, region_a
):
    with at(NOW):
        want = expected(Municipality.objects.filter(region=region_a), world["touching_a"])
    html, content = report_of(client, facilitator_a)

    # What reaches Miranda counts (the network and its hiring, the project with a
    # municipality there); the other states' work does not.
    assert want["processes"]["Conformación de la red"] == [1, 1, 0]
    assert want["processes"]["Proyecto especial"] == [1, 0, 1]
    assert want["processes"]["Contratación de especialistas"] == [1, 0, 1]
    assert want["processes"]["Caso de innovación"] == [0, 0, 0]
    assert list(want["onboarding"]) == [region_a.name]
    assert want["networks"] == {"Red de hacienda municipal": [4, 2]}
    assert want["projects"] == {"Catastro de Miranda": [2, 1]}
    assert want["finance"] == {"1.er trimestre de 2026": [2, 1, 0, 1]}
    assert want["processes"]["Incorporación municipal"] == [1, 1, 0]
    assert (want["active"], want["expiring"]) == (1, 1)

    for source, got in (("page", page_figures(html)), ("pdf", pdf_figures(content))):
        for key, value in want.items():
            assert got[key] == value, f"{source}: {key}"


def test_a_state_filter_counts_what_touches_that_state(client, world, coordinator, region_b):
    client.force_login(coordinator)
    with at(NOW):
        html = client.get(reverse("reports:dashboard"), {**DATES, "region": region_b.pk})
    got = page_figures(html.content.decode())
    assert list(got["onboarding"]) == [region_b.name]
    assert got["processes"]["Conformación de la red"] == [1, 1, 0]  # the one reaching Zulia
    assert got["processes"]["Caso de innovación"] == [1, 0, 1]
    assert got["processes"]["Contratación de especialistas"] == [1, 0, 1]
    assert got["processes"]["Proyecto especial"] == [0, 0, 0]


def test_a_facilitator_chooses_among_their_own_states_only(client, facilitator_a, region_a):
    client.force_login(facilitator_a)
    page = client.get(reverse("reports:dashboard")).content.decode()
    choices = re.findall(r'<option value="(\d+)"', page)
    assert choices == [str(region_a.pk)]
    other = Region.objects.exclude(pk=region_a.pk).first()
    response = client.get(reverse("reports:dashboard"), {"region": other.pk})
    assert "region" in response.context["form"].errors


# The PDF's charts ----------------------------------------------------------------


def drawn(item):
    """Every shape a reportlab drawing draws, widgets expanded."""
    from reportlab.graphics.shapes import Group
    from reportlab.graphics.widgetbase import Widget

    if isinstance(item, Widget):
        yield from drawn(item.draw())
    elif isinstance(item, Group):
        for child in item.contents:
            yield from drawn(child)
    else:
        yield item


def test_a_bar_of_one_beside_a_large_one_is_seen_and_labelled():
    from reportlab.graphics.shapes import Rect, String
    from reportlab.lib import colors

    chart = pdf.bar_chart(
        title="Título del gráfico",
        categories=["Redes", "Datos financieros"],
        series=[[1, 1500], [0, 3]],
        names=["Iniciados", "Concluidos"],
        colours=pdf.SERIES[:2],
        value_label="Número de procesos",
        category_label="Tipo de proceso",
        width=500,
    )
    shapes = list(drawn(chart))
    texts = [s.text for s in shapes if isinstance(s, String)]
    for words in ("Título del gráfico", "Iniciados", "Concluidos", "Número de procesos"):
        assert words in texts
    assert "Tipo de proceso" in texts and "Redes" in texts
    assert {"1", "1.500", "3", "0"} <= set(texts)  # each bar says its number, es-VE style
    first = colors.HexColor(pdf.SERIES[0])
    swatch = [s for s in shapes if isinstance(s, Rect) and s.width == s.height]  # the legend's
    bars = sorted(
        s.width for s in shapes if isinstance(s, Rect) and s.fillColor == first and s not in swatch
    )
    assert len(bars) == 2 and bars[0] >= 3  # the 1 is a few points long, not a hairline


def test_the_onboarding_chart_has_one_bar_per_state(client, world, facilitator_a, region_a):
    _html, content = report_of(client, facilitator_a)
    text = pdf_text(content, mode="plain")
    start = text.index("una barra por entidad federal")
    chart = text[start : text.index("Tareas vencidas", start)]
    assert region_a.name in chart and "Número de municipios" in chart
    assert "Entidad federal" in chart and "Sin convenio" in chart
    regions = set(Region.objects.values_list("name", flat=True))
    names = (
        set(Municipality.objects.filter(region=region_a).values_list("name", flat=True)) - regions
    )
    assert not [name for name in names if name in text]
    assert "Procesos por tipo: iniciados y concluidos en el período, en curso hoy" in text
    assert "Iniciados en el período" in text and "Número de procesos" in text


# Queries -------------------------------------------------------------------------


def test_the_report_reads_in_as_many_queries_however_many_rows(client, coordinator):
    lead = make_user("lider", Role.SPECIALIST)
    line = ProjectLine.objects.create(name="Líneas")
    theme = Theme.objects.get(slug="finanzas-municipales")
    client.force_login(coordinator)

    def add(n):
        for i in range(n):
            projects.define_project(coordinator, line, f"Proyecto {i}-{n}", lead)
            networks.propose(
                lead,
                {
                    "theme": theme,
                    "name": f"Red {i}-{n}",
                    "objectives": "Algo.",
                    "target_municipalities": [],
                },
            )
        Network.objects.update(state=Network.State.ACTIVE)

    def queries():
        with CaptureQueriesContext(connection) as page:
            client.get(reverse("reports:dashboard"), DATES)
        with CaptureQueriesContext(connection) as document:
            client.get(reverse("reports:dashboard_pdf"), DATES)
        return len(page), len(document)

    add(1)
    one = queries()
    add(4)
    assert Project.objects.count() == 5 and Network.objects.count() == 5
    assert queries() == one
