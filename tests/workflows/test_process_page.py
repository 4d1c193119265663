"""Where a process stands: the diagram, the timeline, the state, the list of processes."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Municipality
from tests.networks.test_network_walk import propose
from workflows import services
from workflows.chart import node_title, process_chart
from workflows.models import Process, Task
from workflows.registry import flows
from workflows.roles import Role

from ..conftest import draft_post, make_user, open_task, signed_pdf, start

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def page(client, process):
    response = client.get(reverse("workflows:process_detail", args=[process.pk]))
    assert response.status_code == 200
    return response.content.decode()


def diagram(html):
    """The process page's diagram, parsed: it must be well-formed SVG."""
    start_at = html.index("<svg", html.index('class="flowchart-box"'))
    end_at = html.index("</svg>", start_at) + len("</svg>")
    return ET.fromstring(html[start_at:end_at])


def nodes(svg):
    return [g for g in svg.iter(f"{SVG}g") if "node" in g.get("class", "").split()]


def node_titled(svg, title):
    """The node whose first line of text starts ``title``."""
    for g in nodes(svg):
        texts = [t.text for t in g.iter(f"{SVG}text")]
        if texts and title.startswith(texts[0]):
            return g
    raise AssertionError(f"no node titled {title!r}")


def state_of(g):
    return set(g.get("class").split()) & {"done", "current", "todo", "cancelled", "error"}


def said(g):
    """What the node says: its text and its tooltip / accessible label."""
    return " ".join([g.find(f"{SVG}title").text] + [t.text for t in g.iter(f"{SVG}text")])


def ddmmyyyy(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def post_task(client, task, data):
    response = client.post(reverse("workflows:task_detail", args=[task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def review(client, coordinator, process, decision, comment=""):
    task = open_task(process)
    client.force_login(coordinator)
    client.post(reverse("workflows:task_claim", args=[task.pk]))
    post_task(client, task, {"decision": decision, "comment": comment})


def test_the_diagram_marks_the_current_step_with_its_holder_and_due_date(
    client, facilitator_a, coordinator, onboarding_a
):
    named(facilitator_a, "Ana", "Pérez")
    draft = open_task(onboarding_a)
    client.force_login(coordinator)
    svg = diagram(page(client, onboarding_a))

    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    current = [g for g in nodes(svg) if state_of(g) == {"current"}]
    assert len(current) == 1
    (node,) = current
    assert node is node_titled(svg, "Redactar el convenio de cooperación")
    assert "Ana Pérez" in said(node) and f"Vence el {ddmmyyyy(draft.due_at)}" in said(node)
    assert "en curso" in node.find(f"{SVG}title").text
    # The diagram's accessible name says where the process stands, too.
    name = svg.find(f"{SVG}title").text
    assert "Paso actual: Redactar el convenio de cooperación" in name and "Ana Pérez" in name
    # Steps ahead are not reached; the start it came through is done.
    assert state_of(node_titled(svg, "Revisar el convenio")) == {"todo"}
    begins = [g for g in nodes(svg) if "begin" in g.get("class").split()]
    assert sorted(state_of(g).pop() for g in begins) == ["done", "todo"]  # start, renewal


def test_a_queued_step_names_its_role_and_an_overdue_one_says_so(
    client, facilitator_a, coordinator, onboarding_a
):
    post_task_as(client, facilitator_a, open_task(onboarding_a), draft_post())
    queued = open_task(onboarding_a)
    queued.due_at = timezone.now() - datetime.timedelta(days=3)
    queued.save(update_fields=["due_at"])
    client.force_login(coordinator)
    node = node_titled(diagram(page(client, onboarding_a)), "Revisar el convenio")

    assert state_of(node) == {"current"}
    assert "Sin asignar (Coordinación)" in said(node)
    late = [t for t in node.iter(f"{SVG}text") if "late" in t.get("class", "").split()]
    assert late and late[0].text == f"Vencida desde el {ddmmyyyy(queued.due_at)}"


def post_task_as(client, user, task, data):
    client.force_login(user)
    post_task(client, task, data)


def test_done_steps_are_marked_done_and_a_return_is_drawn_as_taken(
    client, facilitator_a, coordinator, onboarding_a
):
    post_task_as(client, facilitator_a, open_task(onboarding_a), draft_post())
    review(client, coordinator, onboarding_a, "return", "Precisar compromisos")
    html = page(client, onboarding_a)
    svg = diagram(html)

    draft, checked = (
        node_titled(svg, "Redactar el convenio de cooperación"),
        node_titled(svg, "Revisar el convenio"),
    )
    assert state_of(draft) == {"current"}  # back with the facilitator
    assert state_of(checked) == {"done"}
    assert any(t.text.startswith("✓ Completado el") for t in checked.iter(f"{SVG}text"))
    edges = [p.get("class").split() for p in svg.iter(f"{SVG}path") if "edge" in p.get("class", "")]
    assert ["edge", "taken", "back"] in edges  # the return to the draft, dashed and dark
    assert ["edge", "back"] not in [e for e in edges if "taken" in e]
    # The timeline beside it: each task in order, who did it, the open one's due date.
    steps = html[html.index('id="flowchart-steps"') :]
    titles = re.findall(r'<li class="(\w+)">\s*<a href="/tasks/\d+/">([^<]+)</a>', steps)
    assert titles == [
        ("done", "Redactar el convenio de cooperación"),
        ("done", "Revisar el convenio"),
        ("current", "Redactar el convenio de cooperación"),
    ]
    assert "Pasos aún no alcanzados" in steps and "Cargar el convenio firmado" in steps


def test_a_finished_process_reads_completed_everywhere(
    client, facilitator_a, coordinator, onboarding_a
):
    post_task_as(client, facilitator_a, open_task(onboarding_a), draft_post())
    review(client, coordinator, onboarding_a, "approve")
    post_task_as(
        client,
        facilitator_a,
        open_task(onboarding_a),
        {"signed_document": signed_pdf(), "signed_on": "2026-11-20", "comment": ""},
    )
    review_task = open_task(onboarding_a)
    client.force_login(coordinator)
    client.post(reverse("workflows:task_claim", args=[review_task.pk]))
    post_task(client, review_task, {"confirm": "on", "comment": ""})
    onboarding_a.refresh_from_db()
    assert onboarding_a.status == "DONE"

    html = page(client, onboarding_a)
    svg = diagram(html)
    assert "El proceso está completado" in svg.find(f"{SVG}title").text
    assert not [g for g in nodes(svg) if state_of(g) == {"current"}]
    finish = [g for g in nodes(svg) if "finish" in g.get("class").split()]
    assert len(finish) == 1 and state_of(finish[0]) == {"done"}
    assert state_of(node_titled(svg, "Activar la membresía")) == {"done"}
    assert re.search(r'id="process-state">Completado<', html)
    assert "Pasos aún no alcanzados" not in html


@pytest.mark.parametrize("flow_class", flows(), ids=lambda flow: flow.__name__)
def test_no_code_name_shows_in_any_flow_diagram(flow_class):
    """Every node of every flow is drawn with translated words only."""
    with translation.override("es-ve"):
        chart = process_chart(Process(flow_class=flow_class), [])
        markup = render_to_string("workflows/includes/process_chart.svg", {"chart": chart})
    svg = ET.fromstring(markup)
    shown = [text for text in svg.itertext() if text.strip()]
    shown += [value for element in svg.iter() for value in element.attrib.values()]
    for node in flow_class.instance.nodes():
        for code in {node.name, node.name.replace("_", " ")}:
            pattern = re.compile(rf"(?<![\w-]){re.escape(code)}(?![\w-])", re.IGNORECASE)
            assert not [text for text in shown if pattern.search(text)], (flow_class, code)
    # Every box, human or automatic, has its translated title.
    boxes = [g for g in nodes(svg) if {"step", "auto"} & set(g.get("class").split())]
    assert boxes and all(list(g.iter(f"{SVG}text")) for g in boxes)


def test_every_step_and_function_node_has_a_title():
    untitled = [
        (flow.__name__, node.name)
        for flow in flows()
        for node in flow.instance.nodes()
        if node.task_type in ("HUMAN", "FUNCTION") and node_title(node) is None
    ]
    assert untitled == []


def test_the_process_page_reads_the_subjects_state_not_viewflows(
    client, facilitator_a, coordinator, onboarding_a
):
    named(facilitator_a, "Ana", "Pérez")
    client.force_login(coordinator)
    html = page(client, onboarding_a)
    assert re.search(r'id="process-state">Borrador<', html)
    assert "Nuevo" not in html and ">New<" not in html
    identity = html[html.index('class="facts') : html.index("</dl>")]
    assert len(re.findall(r"<dt>Estado</dt>", identity)) == 1
    assert "Incorporación municipal" in identity and "Ana Pérez" in identity
    assert onboarding_a.municipality.name in identity
    assert facilitator_a.username not in identity


def test_every_table_has_headers(client, facilitator_a, coordinator, onboarding_a):
    client.force_login(coordinator)
    for url in (
        reverse("workflows:process_detail", args=[onboarding_a.pk]),
        reverse("workflows:process_list"),
        reverse("workflows:home"),
    ):
        html = client.get(url).content.decode()
        tables = re.findall(r"<table.*?</table>", html, re.S)
        assert tables, url
        for table in tables:
            assert "<thead>" in table and "<th" in table, url
    tasks = re.search(r'<table id="process-tasks".*?</thead>', page(client, onboarding_a), re.S)
    assert [h for h in re.findall(r">([^<>]+)</th>", tasks.group(0))] == [
        "Tarea",
        "Responsable",
        "Estado",
        "Fecha / Vence",
    ]


def test_the_list_shows_each_current_step_its_holder_and_due_date(
    client, facilitator_a, coordinator, onboarding_a, region_a
):
    named(facilitator_a, "Ana", "Pérez")
    others = Municipality.objects.filter(region=region_a).exclude(pk=onboarding_a.municipality_id)
    second = start(facilitator_a, others.order_by("code")[0])
    post_task_as(client, facilitator_a, open_task(second), draft_post())
    client.force_login(coordinator)
    html = client.get(reverse("workflows:process_list")).content.decode()

    def row(process):
        return re.search(rf'<tr id="process-{process.pk}">.*?</tr>', html, re.S).group(0)

    drafting, reviewing = row(onboarding_a), row(second)
    assert "Redactar el convenio de cooperación" in drafting and "Ana Pérez" in drafting
    assert ddmmyyyy(open_task(onboarding_a).due_at) in drafting
    assert ">Borrador<" in drafting
    assert "Revisar el convenio" in reviewing and "Sin asignar (Coordinación)" in reviewing
    assert ddmmyyyy(open_task(second).due_at) in reviewing
    assert ">En revisión<" in reviewing
    assert "Nuevo" not in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_process_page_costs_the_same_with_more_tasks(
    client, facilitator_a, coordinator, onboarding_a, region_a
):
    client.force_login(coordinator)
    url = reverse("workflows:process_detail", args=[onboarding_a.pk])
    one_task = _queries(client, url)
    for _round in range(2):
        post_task_as(client, facilitator_a, open_task(onboarding_a), draft_post())
        review(client, coordinator, onboarding_a, "return", "Otra vuelta")
    assert Task.objects.filter(process=onboarding_a, flow_task_type="HUMAN").count() == 5
    assert _queries(client, url) == one_task


def test_the_list_costs_the_same_with_more_processes(
    client, facilitator_a, coordinator, onboarding_a, region_a
):
    client.force_login(coordinator)
    url = reverse("workflows:process_list")
    one_process = _queries(client, url)
    others = Municipality.objects.filter(region=region_a).exclude(pk=onboarding_a.municipality_id)
    for number, municipality in enumerate(others.order_by("code")[:6]):
        process = start(facilitator_a, municipality)
        if number % 2:
            services.complete(open_task(process), facilitator_a, draft_post())
    reviewer = get_user_model().objects.get(pk=coordinator.pk)
    services.claim(open_task(process), reviewer)
    assert _queries(client, url) == one_process
    assert Process.objects.count() == 7


def test_parallel_tasks_show_on_one_node_and_each_on_the_timeline(
    client, coordinator, facilitator_a, facilitator_b, municipality_a, municipality_b, region_a
):
    """Network setup opens one invitation task per facilitator, side by side."""
    lead = named(make_user("esp_red", Role.SPECIALIST), "Luis", "Rivas")
    named(facilitator_a, "Ana", "Pérez")
    named(facilitator_b, "Beto", "Urdaneta")
    targets = [municipality_a, municipality_b]
    Municipality.objects.filter(pk__in=[m.pk for m in targets]).update(is_member=True)
    process = Process.for_subject(propose(client, lead, targets))
    review(client, coordinator, process, "approve")
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    post_task_as(
        client,
        lead,
        open_task(process),
        {
            "concept": "Red de aprendizaje entre pares.",
            "work_plan": "Tres encuentros.",
            "activities": "Talleres",
            "calendar": "2027-02-15: Primer encuentro",
            "invitation_deadline": deadline.isoformat(),
            "comment": "",
        },
    )
    invites = Task.objects.filter(process=process, flow_task_type="HUMAN", status="ASSIGNED")
    assert invites.count() == 2

    client.force_login(coordinator)
    html = page(client, process)
    node = node_titled(diagram(html), "Invitar a los municipios a la red")
    assert state_of(node) == {"current"}
    assert "2 tareas abiertas" in said(node)
    assert f"Vence el {deadline.strftime('%d/%m/%Y')}" in said(node)
    steps = html[html.index('id="flowchart-steps"') :]
    assert "Ana Pérez" in steps and "Beto Urdaneta" in steps
    assert len(re.findall(r'<li class="current">', steps)) == 2
