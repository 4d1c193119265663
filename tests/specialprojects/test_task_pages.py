"""Each step of a special project shows, on its own page, what the person decides or does."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from specialprojects import services
from specialprojects.models import Project, ProjectLine
from tests.conftest import make_user
from tests.specialprojects import proposal_post
from workflows import rounds
from workflows import services as tasks
from workflows.models import AuditEvent, Process, Task
from workflows.roles import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def day(offset):
    return TODAY + datetime.timedelta(days=offset)


def dmy(value):
    return value.strftime("%d/%m/%Y")


@pytest.fixture
def lead(db):
    return make_user("esp_lider", Role.SPECIALIST, first_name="Laura", last_name="Martínez")


@pytest.fixture
def colleague(db):
    return make_user("esp_equipo", Role.SPECIALIST, first_name="Carlos", last_name="Mendoza")


@pytest.fixture
def member_municipality(municipality_a):
    municipality_a.is_member = True
    municipality_a.save(update_fields=["is_member"])
    return municipality_a


def proposal_data(municipalities=(), milestones=1, indicators=1, **overrides):
    """A proposal as the form cleans it, with ``milestones`` rows and ``indicators`` (a
    number of rows, or the rows)."""
    from decimal import Decimal

    data = {
        "objectives": "Publicar los datos fiscales de los municipios miembros.",
        "expected_results": "Cuarenta municipios con datos publicados.",
        "indicators": indicators
        if not isinstance(indicators, int)
        else [
            (
                f"Municipios con datos publicados {n}" if n else "Municipios con datos publicados",
                "municipios",
                Decimal(0),
                Decimal(40 + n),
            )
            for n in range(indicators)
        ],
        "milestones": [
            (day(0), day(10 + 10 * n), f"Hito número {n + 1}", f"Producto {n + 1}")
            for n in range(milestones)
        ],
        "municipalities": list(municipalities),
        "budget": Decimal("150000.00"),
        "risks": "Conectividad de las alcaldías.",
    }
    data.update(overrides)
    return data


def define(coordinator, lead, title="Finanzas municipales"):
    line, _created = ProjectLine.objects.get_or_create(name="Finanzas")
    return services.define_project(coordinator, line, title, lead)


def open_task(project, name):
    (task,) = [
        t for t in tasks.open_human_tasks(Process.for_subject(project)) if t.flow_task.name == name
    ]
    return task


def do(project, name, user, data):
    tasks.take_and_complete(open_task(project, name), user, data)


def page(client, user, task):
    client.force_login(user)
    response = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return response


def text(response):
    """The page's text as a person reads it: tags dropped, entities decoded, spaces joined."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(content).split())


def to_approval(project, coordinator, lead, members, municipalities=(), **overrides):
    do(project, "draft_proposal", lead, proposal_data(municipalities, **overrides))
    do(project, "form_team", coordinator, {"members": [(m, "specialist", "") for m in members]})
    for task in tasks.open_human_tasks(Process.for_subject(project)):
        if task.flow_task.name == "confirm_participation":
            tasks.take_and_complete(task, task.owner, {"accept": "yes"})
    return open_task(project, "approve_project")


def test_approval_page_shows_the_whole_proposal(
    client, coordinator, lead, colleague, member_municipality
):
    project = define(coordinator, lead)
    approval = to_approval(project, coordinator, lead, [colleague], [member_municipality])
    shown = text(page(client, coordinator, approval))
    milestone = project.milestones.get()
    for expected in (
        "La propuesta por decidir",
        "Publicar los datos fiscales de los municipios miembros.",
        "Cuarenta municipios con datos publicados.",
        "Municipios con datos publicados municipios 0 40",  # name, unit, baseline, target
        f"Hito número 1 Producto 1 {dmy(milestone.starts_on)} {dmy(milestone.due_on)}"
        " Laura Martínez",
        "Carlos Mendoza · Especialista Confirmó su participación",
        member_municipality.name,
        "Bs. 150.000,00",
        "Conectividad de las alcaldías.",
    ):
        assert expected in shown, expected
    assert "None" not in shown and milestone.due_on.isoformat() not in shown


def test_a_returned_proposal_opens_filled_in_and_goes_back_unchanged(
    client, coordinator, lead, colleague, member_municipality
):
    project = define(coordinator, lead)
    approval = to_approval(
        project, coordinator, lead, [colleague], [member_municipality], milestones=2
    )
    tasks.take_and_complete(
        approval, coordinator, {"decision": "return", "comment": "Subir la meta a 80."}
    )
    draft = open_task(project, "draft_proposal")
    assert draft.owner == lead
    response = page(client, lead, draft)
    shown = text(response)
    assert "Devuelto con observaciones" in shown and "Subir la meta a 80." in shown
    form = response.context["form"]
    first, second = project.milestones.order_by("due_on")
    assert form["objectives"].value() == "Publicar los datos fiscales de los municipios miembros."
    assert [row.initial for row in form.indicator_rows.forms[:1]] == [
        {
            "name": "Municipios con datos publicados",
            "unit": "municipios",
            "baseline": 0,
            "target": 40,
        }
    ]
    assert [row.initial for row in form.milestone_rows.forms[:2]] == [
        {
            "title": "Hito número 1",
            "deliverable": "Producto 1",
            "starts_on": first.starts_on,
            "due_on": first.due_on,
        },
        {
            "title": "Hito número 2",
            "deliverable": "Producto 2",
            "starts_on": second.starts_on,
            "due_on": second.due_on,
        },
    ]
    assert form["municipalities"].value() == [member_municipality.pk]
    assert form["risks"].value() == "Conectividad de las alcaldías."
    content = response.content.decode()
    assert "placeholder=" not in content.split('id="form-title"')[1]  # no grey example data
    # Each row's fields filled in as people write them; the budget with its separators.
    for field, value in (
        ("indicators-0-name", "Municipios con datos publicados"),
        ("indicators-0-baseline", "0"),
        ("indicators-0-target", "40"),
        ("milestones-1-title", "Hito número 2"),
        ("milestones-1-due_on", second.due_on.isoformat()),  # the date picker's own format
        ("budget", "150.000,00"),
    ):
        assert re.search(rf'name="{field}" value="{re.escape(value)}"', content), field

    # Sent back as it opened, the proposal is the same, and the team that stands is not
    # named again: the rework goes straight to the decision.
    client.post(reverse("workflows:task_detail", args=[draft.pk]), proposal_post.as_opened(form))
    project.refresh_from_db()
    assert project.state == Project.State.IN_REVIEW
    assert [m.title for m in project.milestones.order_by("due_on")] == [
        "Hito número 1",
        "Hito número 2",
    ]
    assert [(m.starts_on, m.due_on) for m in project.milestones.order_by("due_on")] == [
        (first.starts_on, first.due_on),
        (second.starts_on, second.due_on),
    ]
    indicator = project.indicators.get()
    assert (indicator.baseline, indicator.target) == (0, 40)
    assert project.budget == Decimal("150000.00")
    (decision,) = tasks.open_human_tasks(Process.for_subject(project))
    assert decision.flow_task.name == "approve_project" and decision.owner == coordinator


def test_a_team_short_of_a_member_is_named_again_filled_in(
    client, coordinator, lead, colleague, facilitator_a
):
    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data())
    members = [(colleague, "specialist", ""), (facilitator_a, "facilitator", "")]
    do(project, "form_team", coordinator, {"members": members})
    for task in tasks.open_human_tasks(Process.for_subject(project)):
        tasks.take_and_complete(
            task, task.owner, {"accept": "yes" if task.owner == colleague else "no"}
        )
    tasks.take_and_complete(
        open_task(project, "approve_project"), coordinator, {"decision": "return", "comment": "x"}
    )
    do(project, "draft_proposal", lead, proposal_data())
    team = open_task(project, "form_team")  # the facilitator declined: the team is short
    assert team.owner == coordinator  # returned work goes back to whoever did it
    response = page(client, coordinator, team)
    assert response.context["form"]["specialists"].value() == [colleague.pk]
    assert response.context["form"]["facilitators"].value() == []  # who declined is not kept
    assert re.search(rf'value="{colleague.pk}"[^>]*checked', response.content.decode())
    assert "Carlos Mendoza" in text(response) and "esp_equipo" not in text(response)
    assert "fac_a · Facilitador No puede participar" in text(response)

    # Leaving a member out takes them off the team and its tasks.
    client.post(reverse("workflows:task_detail", args=[team.pk]), {"comment": ""})
    assert not project.team.filter(user=colleague).exists()
    assert not colleague.has_perm(services.WORK, project)
    (decision,) = tasks.open_human_tasks(Process.for_subject(project))
    assert decision.flow_task.name == "approve_project"


def test_a_team_stands_once_every_member_named_has_confirmed(
    coordinator, lead, colleague, facilitator_a
):
    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data())
    do(
        project,
        "form_team",
        coordinator,
        {"members": [(colleague, "specialist", ""), (facilitator_a, "facilitator", "")]},
    )
    assert not project.team_stands()  # nobody has answered
    confirmations = {t.owner: t for t in tasks.open_human_tasks(Process.for_subject(project))}
    tasks.take_and_complete(confirmations[colleague], colleague, {"accept": "yes"})
    assert not project.team_stands()  # one still to answer
    tasks.take_and_complete(confirmations[facilitator_a], facilitator_a, {"accept": "no"})
    assert not project.team_stands()  # one to replace
    project.team.filter(user=facilitator_a).delete()
    assert project.team_stands()


def test_confirmations_say_whose_they_are_and_what_the_project_is(
    client, coordinator, lead, colleague, facilitator_a
):
    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data())
    do(
        project,
        "form_team",
        coordinator,
        {
            "members": [
                (colleague, "specialist", "Revisar los datos"),
                (facilitator_a, "facilitator", ""),
            ]
        },
    )
    confirmations = tasks.open_human_tasks(Process.for_subject(project))
    titles = {task.owner: task.title for task in confirmations}
    assert titles[colleague].endswith(": Carlos Mendoza")
    assert titles[facilitator_a].endswith(": fac_a")  # no full name: the user name
    task = next(t for t in confirmations if t.owner == colleague)
    shown = text(page(client, colleague, task))
    for expected in (
        "Confirmar su participación en el proyecto: Carlos Mendoza",
        "Se invita a Carlos Mendoza a participar como Especialista.",
        "Rol Equipo del proyecto",
        "Responsabilidad: Revisar los datos.",
        "Publicar los datos fiscales de los municipios miembros.",
        "Hito número 1",
        "Laura Martínez",
    ):
        assert expected in shown, expected


def test_the_second_round_of_approval_lists_what_changed(
    client, coordinator, lead, colleague, facilitator_a, member_municipality
):
    from django.utils import translation

    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data())
    do(
        project,
        "form_team",
        coordinator,
        {"members": [(colleague, "specialist", ""), (facilitator_a, "facilitator", "")]},
    )
    for task in tasks.open_human_tasks(Process.for_subject(project)):
        tasks.take_and_complete(
            task, task.owner, {"accept": "yes" if task.owner == colleague else "no"}
        )
    first = open_task(project, "approve_project")
    tasks.take_and_complete(first, coordinator, {"decision": "return", "comment": "Más."})
    before_due = project.milestones.get().due_on
    do(
        project,
        "draft_proposal",
        lead,
        proposal_data(
            [member_municipality],
            milestones=2,
            objectives="Publicar y usar los datos fiscales.",
            indicators=[
                ("Municipios con datos publicados", "municipios", Decimal(0), Decimal("80.5"))
            ],
            budget=Decimal("200000"),
            risks="Conectividad; rotación del personal.",
        ),
    )
    newcomer = make_user("esp_nueva", Role.SPECIALIST, first_name="Ana", last_name="Rojas")
    do(
        project,
        "form_team",
        coordinator,
        {"members": [(colleague, "specialist", ""), (newcomer, "specialist", "")]},
    )
    (confirmation,) = tasks.open_human_tasks(Process.for_subject(project))
    tasks.take_and_complete(confirmation, newcomer, {"accept": "yes"})
    second = open_task(project, "approve_project")
    assert second.owner == coordinator

    changes = {c.label: c for c in rounds.changes_since_previous_round(second)["changes"]}
    assert set(changes) == {
        "Objetivos",
        "Indicadores",
        "Hitos",
        "Municipios participantes",
        "Presupuesto",
        "Riesgos",
        "Equipo",
    }
    assert changes["Indicadores"].before == "Municipios con datos publicados — municipios — 0 — 40"
    assert changes["Indicadores"].after == "Municipios con datos publicados — municipios — 0 — 80,5"
    assert changes["Presupuesto"].before == "150.000,00"
    assert changes["Presupuesto"].after == "200.000,00"
    assert (
        changes["Hitos"].before == f"Hito número 1 — Producto 1 — {dmy(TODAY)} — {dmy(before_due)}"
    )
    assert "\nHito número 2 — Producto 2 — " in changes["Hitos"].after  # a row a line
    assert changes["Municipios participantes"].after == str(member_municipality)
    assert changes["Equipo"].before == (
        "Carlos Mendoza — Especialista — Confirmó su participación\n"
        "fac_a — Facilitador — No puede participar"
    )
    assert changes["Equipo"].after == (
        "Carlos Mendoza — Especialista — Confirmó su participación\n"
        "Ana Rojas — Especialista — Confirmó su participación"
    )

    shown = text(page(client, coordinator, second))
    assert "Qué cambió desde la ronda anterior" in shown
    assert "Municipios con datos publicados — municipios — 0 — 80,5" in shown

    # The trail holds values, not Spanish text: whoever reads in English reads English.
    with translation.override("en"):
        changes = {c.key: c for c in rounds.changes_since_previous_round(second)["changes"]}
    assert changes["budget"].after == "200,000.00"
    assert changes["indicators"].after.endswith("— 0 — 80.5")
    assert changes["milestones"].before.endswith(before_due.strftime("%m/%d/%Y"))
    assert "Ana Rojas — Specialist — Confirmed their participation" in changes["team"].after
    event = AuditEvent.objects.filter(action="project.proposal_saved").latest("pk")
    assert event.after["municipalities"] == [member_municipality.pk]
    assert event.after["indicators"] == [
        ["Municipios con datos publicados", "municipios", "0.00", "80.50"]
    ]
    assert event.after["milestones"][0][2:] == [TODAY.isoformat(), before_due.isoformat()]
    team = AuditEvent.objects.filter(action="project.member_confirmed").latest("pk")
    assert team.after["team"][-1] == [newcomer.pk, "specialist", "confirmed"]


def test_events_recorded_before_values_were_structured_still_read(coordinator, lead):
    """Older events kept their lines as text: they read as they were written."""
    from workflows import audit

    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data())
    do(project, "form_team", coordinator, {"members": []})
    first = open_task(project, "approve_project")
    tasks.take_and_complete(first, coordinator, {"decision": "return", "comment": "Más."})
    old_line = "Municipios con datos publicados: 0 → 40 municipios"
    audit.record(
        "project.proposal_saved",
        actor=lead,
        subject=project,
        before={"indicators": [old_line]},
        after={"indicators": ["Municipios con datos publicados: 0 → 80 municipios"]},
    )
    do(project, "draft_proposal", lead, proposal_data())
    second = open_task(project, "approve_project")
    changes = {c.key: c for c in rounds.changes_since_previous_round(second)["changes"]}
    assert changes["indicators"].before == old_line


def deliver(client, project, task, user, indicator_values):
    client.force_login(user)
    data = {
        "deliverable_file": SimpleUploadedFile("informe.pdf", b"%PDF-1.4 informe"),
        "report": "Entregado.",
        "comment": "",
    }
    data.update({f"indicator_{pk}": value for pk, value in indicator_values.items()})
    return client.post(reverse("workflows:task_detail", args=[task.pk]), data)


def launched(coordinator, lead, **proposal):
    project = define(coordinator, lead)
    do(project, "draft_proposal", lead, proposal_data(**proposal))
    do(project, "form_team", coordinator, {"members": []})
    do(project, "approve_project", coordinator, {"decision": "approve", "comment": ""})
    return project


def test_milestone_tasks_read_apart_and_show_their_milestone(client, coordinator, lead):
    project = launched(coordinator, lead, milestones=3)
    milestone_tasks = tasks.open_human_tasks(Process.for_subject(project))
    titles = [task.title for task in milestone_tasks]
    assert sorted(titles) == [
        "Entregar el hito: Hito número 1",
        "Entregar el hito: Hito número 2",
        "Entregar el hito: Hito número 3",
    ]
    second = next(t for t in milestone_tasks if t.title.endswith("2"))
    milestone = project.milestones.get(title="Hito número 2")
    shown = text(page(client, lead, second))
    for expected in (
        "El hito: Hito número 2",
        "Producto esperado Producto 2",
        f"Fecha de entrega {dmy(milestone.due_on)}",
        "Responsable Laura Martínez",
        "Indicadores que esta entrega puede actualizar",
        "Municipios con datos publicados municipios 0 0 40",  # baseline, current, target
    ):
        assert expected in shown, expected
    assert "Hito número 1" not in shown.split("Indicadores que")[0].split("El hito:")[1]


def test_a_milestones_reminder_names_its_milestone(
    coordinator, lead, django_capture_on_commit_callbacks
):
    import time_machine

    from notifications import reminders
    from notifications.models import Kind, Notification

    project = launched(coordinator, lead, milestones=2)
    first = min(tasks.open_human_tasks(Process.for_subject(project)), key=lambda task: task.due_at)
    with (
        time_machine.travel(first.due_at - datetime.timedelta(hours=20), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders.sweep()
    reminded = Notification.objects.get(task=first, kind=Kind.DUE_SOON)
    assert first.data["about"] in reminded.title and first.data["about"] != ""
    assert first.title in reminded.title


def test_closure_report_returned_opens_filled_in_and_the_close_page_shows_it(
    client, coordinator, lead
):
    project = launched(coordinator, lead, milestones=2)
    indicator = project.indicators.get()
    first, second = sorted(tasks.open_human_tasks(Process.for_subject(project)), key=lambda t: t.pk)
    deliver(client, project, first, lead, {indicator.pk: "12"})
    deliver(client, project, second, lead, {indicator.pk: "30"})
    closure_round = open_task(project, "closure_report")
    shown = text(page(client, lead, closure_round))
    assert "Municipios con datos publicados municipios 0 30 40" in shown  # current vs target
    # The bar says how far it is in words too, for whoever does not see it.
    assert "30 40 75 % de la meta" in shown
    assert 'aria-hidden="true"' in page(client, lead, closure_round).content.decode()
    assert "2 de 2 hitos entregados" in shown

    client.post(
        reverse("workflows:task_detail", args=[closure_round.pk]),
        {
            "results_summary": "30 de 40 municipios publicaron.",
            "lessons": "Empezar por la plantilla.",
            "suggest_case": "on",
            "comment": "",
        },
    )
    close = open_task(project, "close_project")
    shown = text(page(client, coordinator, close))
    for expected in (
        "El informe de cierre por decidir",
        "30 de 40 municipios publicaron.",
        "Empezar por la plantilla.",
        "El informe de cierre sugiere registrarlo como caso de innovación.",
        "Municipios con datos publicados municipios 0 30 40",
        "2 de 2 hitos entregados",
    ):
        assert expected in shown, expected
    tasks.take_and_complete(close, coordinator, {"decision": "return", "comment": "Cifras."})

    rework = open_task(project, "closure_report")
    response = page(client, lead, rework)
    assert "Cifras." in text(response)
    form = response.context["form"]
    assert form["results_summary"].value() == "30 de 40 municipios publicaron."
    assert form["suggest_case"].value() is True
    client.post(
        reverse("workflows:task_detail", args=[rework.pk]),
        {
            "results_summary": "30 de 40 municipios publicaron; 5 más en 2027.",
            "lessons": "Empezar por la plantilla.",
            "comment": "",
        },
    )
    again = open_task(project, "close_project")
    changes = {c.label: c for c in rounds.changes_since_previous_round(again)["changes"]}
    assert set(changes) == {
        "Resultados frente a las metas",
        "Registrar un caso de innovación a partir de él",
    }
    assert changes["Resultados frente a las metas"].after.endswith("5 más en 2027.")


def queries(client, user, task):
    client.force_login(user)
    url = reverse("workflows:task_detail", args=[task.pk])
    client.get(url)  # sessions, permissions and content types read once
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_task_pages_read_as_many_rows_for_a_big_project_as_for_a_small_one(
    client, coordinator, lead, colleague, member_municipality
):
    """Every step's page of a project with five of everything reads what one with one does."""
    small = define(coordinator, lead, title="Pequeño")
    big = define(coordinator, lead, title="Grande")
    others = [make_user(f"esp_{n}", Role.SPECIALIST) for n in range(4)]
    municipalities = type(member_municipality).objects.filter(region=member_municipality.region)
    sizes = {
        small: {"members": [colleague], "municipalities": [member_municipality]},
        big: {
            "members": [colleague, *others],
            "municipalities": list(municipalities[:5]),
            "milestones": 5,
            "indicators": 5,
        },
    }

    def same(step, user, **data):
        """The query counts of ``step``'s page in both projects, then the step done."""
        counts = []
        for project in (small, big):
            task = next(
                t
                for t in tasks.open_human_tasks(Process.for_subject(project))
                if t.flow_task.name == step and t.owner_id in (None, user.pk)
            )
            if task.owner_id is None:
                tasks.claim(task, user)
                task.refresh_from_db()
            counts.append(queries(client, user, task))
            if data:
                tasks.take_and_complete(task, user, data)
        assert counts[0] == counts[1], (step, counts)

    for project, size in sizes.items():
        proposal = {k: v for k, v in size.items() if k != "members"}
        do(project, "draft_proposal", lead, proposal_data(**proposal))
    same("form_team", coordinator)
    for project, size in sizes.items():
        do(
            project,
            "form_team",
            coordinator,
            {"members": [(m, "specialist", "") for m in size["members"]]},
        )
    same("confirm_participation", colleague, accept="yes")
    for project in (small, big):
        for task in tasks.open_human_tasks(Process.for_subject(project)):
            if task.flow_task.name == "confirm_participation":
                tasks.take_and_complete(task, task.owner, {"accept": "yes"})
    same("approve_project", coordinator, decision="return", comment="Subir las metas.")
    same("draft_proposal", lead)  # opened with its rows filled in
    for project, size in sizes.items():
        proposal = {k: v for k, v in size.items() if k != "members"}
        do(project, "draft_proposal", lead, proposal_data(**proposal, risks="Otros."))
    same("approve_project", coordinator, decision="approve", comment="")  # with what changed
    same("deliver_milestone", lead)
    for project in (small, big):
        indicators = {f"indicator_{i.pk}": i.target for i in project.indicators.all()}
        for task in tasks.open_human_tasks(Process.for_subject(project)):
            tasks.take_and_complete(
                task,
                lead,
                {
                    "deliverable_file": SimpleUploadedFile("informe.pdf", b"%PDF-1.4 informe"),
                    "report": "",
                    **indicators,
                },
            )
    closure = {"results_summary": "Metas cumplidas.", "lessons": "Ninguna.", "comment": ""}
    same("closure_report", lead, **closure)
    same("close_project", coordinator)


def post_proposal(client, lead, draft, indicators, milestones, **fields):
    client.force_login(lead)
    data = {"objectives": "Objetivo.", "expected_results": "Resultado.", "budget": "1000"}
    data.update(fields)
    return client.post(
        reverse("workflows:task_detail", args=[draft.pk]),
        proposal_post.proposal(indicators=indicators, milestones=milestones, spare=2, **data),
    )


def test_proposal_rows_read_figures_and_dates_as_people_write_them(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    response = post_proposal(
        client,
        lead,
        draft,
        [("Recaudación", "%", "12,5", "40"), ("Inmuebles", "inmuebles", "1.200", "5.000")],
        [
            ("Primero", "Informe", "01/02/2027", "31/03/2027"),  # typed, without a picker
            ("Segundo", "Informe", "2027-04-01", "2027-06-30"),  # a date picker's
        ],
        budget="1.500",  # one thousand five hundred, as written here
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert [m.due_on for m in project.milestones.order_by("due_on")] == [
        datetime.date(2027, 3, 31),
        datetime.date(2027, 6, 30),
    ]
    assert [(i.baseline, i.target) for i in project.indicators.order_by("pk")] == [
        (Decimal("12.5"), 40),
        (1200, 5000),
    ]
    assert project.budget == 1500


def test_the_budget_reads_and_shows_with_separators(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    post_proposal(
        client,
        lead,
        draft,
        [("Recaudación", "%", "0", "40")],
        [("Primero", "Informe", "2027-02-01", "2027-03-31")],
        budget="180.000,50",
    )
    project.refresh_from_db()
    assert project.budget == Decimal("180000.50")
    tasks.take_and_complete(
        open_task(project, "form_team"), coordinator, {"members": [], "comment": ""}
    )
    tasks.take_and_complete(
        open_task(project, "approve_project"), coordinator, {"decision": "return", "comment": "x"}
    )
    content = page(client, lead, open_task(project, "draft_proposal")).content.decode()
    assert 'name="budget" value="180.000,50"' in content
    assert "180000" not in content


def test_only_currencies_in_use_are_offered(client, coordinator, lead):
    from finance.models import Currency

    project = define(coordinator, lead)
    response = page(client, lead, open_task(project, "draft_proposal"))
    offered = [str(c) for c in response.context["form"].fields["currency"].queryset]
    assert offered == [str(Currency.in_force_on(TODAY))]
    shown = text(response)
    for old in ("VES", "VEF", "VEB"):
        assert f"({old})" not in shown, old


def test_rows_are_offered_with_room_to_add_more(client, coordinator, lead):
    """Blank rows to fill without JavaScript, and a button that adds more with it."""
    project = define(coordinator, lead)
    response = page(client, lead, open_task(project, "draft_proposal"))
    form = response.context["form"]
    assert len(form.indicator_rows.forms) == 2 and len(form.milestone_rows.forms) == 2
    content = response.content.decode()
    for prefix in ("indicators", "milestones"):
        assert f'<template id="{prefix}-template">' in content
        assert f'data-add-row="{prefix}"' in content
    assert "specialprojects/rows.js" in content
    shown = text(response)
    for expected in ("Indicador 1", "Indicador 2", "Hito 1", "Línea de base", "Producto"):
        assert expected in shown, expected
    assert "| unidad |" not in shown and "| hito |" not in shown  # no pipe-separated lines


def test_a_wrong_row_says_which_row_and_which_field(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    response = post_proposal(
        client,
        lead,
        draft,
        [("Recaudación", "%", "0", "40"), ("", "inmuebles", "1200", "")],
        [
            ("Primero", "Informe", "2027-02-01", "2027-03-31"),
            ("Segundo", "Informe", "2027-06-30", "2027-04-01"),
        ],
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.indicator_rows.forms[1].errors["name"] == ["Este campo es requerido."]
    assert form.indicator_rows.forms[1].errors["target"] == ["Este campo es requerido."]
    assert form.milestone_rows.forms[1].errors["due_on"] == [
        "La fecha de entrega no puede ser anterior al inicio."
    ]
    summary = " ".join(form.non_field_errors())
    assert "Indicador 2, Nombre: Este campo es requerido." in summary
    assert "Hito 2, Fecha de entrega: La fecha de entrega no puede ser anterior" in summary
    shown = text(response)
    assert "Hito 2, Fecha de entrega" in shown
    # What was typed stays on the page, to be corrected rather than written again.
    assert 'name="indicators-1-baseline" value="1200"' in response.content.decode()
    assert Task.objects.get(pk=draft.pk).is_open
    assert not project.milestones.exists()


def test_a_proposal_needs_a_milestone_and_an_indicator(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    response = post_proposal(client, lead, draft, [], [])
    form = response.context["form"]
    assert form.indicator_rows.non_form_errors() == ["Proponga al menos un indicador."]
    assert form.milestone_rows.non_form_errors() == ["Un proyecto necesita al menos un hito."]
    assert Task.objects.get(pk=draft.pk).is_open


def test_a_row_marked_to_remove_goes(client, coordinator, lead, colleague):
    project = define(coordinator, lead)
    approval = to_approval(project, coordinator, lead, [colleague], milestones=2)
    tasks.take_and_complete(approval, coordinator, {"decision": "return", "comment": "x"})
    draft = open_task(project, "draft_proposal")
    form = page(client, lead, draft).context["form"]
    data = proposal_post.as_opened(form)
    data["milestones-0-DELETE"] = "on"
    client.post(reverse("workflows:task_detail", args=[draft.pk]), data)
    assert [m.title for m in project.milestones.all()] == ["Hito número 2"]


def test_a_deliverable_is_served_to_its_project_only(client, coordinator, lead, colleague):
    project = launched(coordinator, lead, milestones=2)
    first = sorted(tasks.open_human_tasks(Process.for_subject(project)), key=lambda t: t.pk)[0]
    assert (
        deliver(client, project, first, lead, {project.indicators.get().pk: "5"}).status_code == 302
    )
    milestone = project.milestones.get(pk=first.data["milestone"])
    url = reverse("specialprojects:milestone_file", args=[milestone.pk])
    delivered_page = page(client, lead, first).content.decode()  # the step, once done
    assert f'href="{url}"' in delivered_page and "/media/" not in delivered_page
    assert f'href="{url}"' in client.get(project.get_absolute_url()).content.decode()

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4 informe")
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="informe' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"

    # Another project's lead, and anyone off the team, find nothing there.
    other = define(coordinator, colleague, title="Catastro")
    assert other.team.filter(user=colleague).exists()
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    undelivered = project.milestones.exclude(pk=milestone.pk).get()
    client.force_login(lead)
    assert (
        client.get(reverse("specialprojects:milestone_file", args=[undelivered.pk])).status_code
        == 404
    )
