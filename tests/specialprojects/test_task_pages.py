"""Each step of a special project shows, on its own page, what the person decides or does."""

import datetime
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from specialprojects import services
from specialprojects.flows import process_of
from specialprojects.models import Project, ProjectLine
from tests.conftest import make_user
from workflows import rounds
from workflows import services as tasks
from workflows.models import AuditEvent, Task
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
    (task,) = [t for t in tasks.open_human_tasks(process_of(project)) if t.flow_task.name == name]
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
    for task in tasks.open_human_tasks(process_of(project)):
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
        "Carlos Mendoza · Especialista confirmado",
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
    assert form["indicators"].value() == "Municipios con datos publicados | municipios | 0 | 40"
    assert form["milestones"].value() == (
        f"{dmy(first.starts_on)} | {dmy(first.due_on)} | Hito número 1 | Producto 1\n"
        f"{dmy(second.starts_on)} | {dmy(second.due_on)} | Hito número 2 | Producto 2"
    )
    assert form["municipalities"].value() == [member_municipality.pk]
    assert form["risks"].value() == "Conectividad de las alcaldías."
    content = response.content.decode()
    assert "placeholder=" not in content.split('id="form-title"')[1]  # no grey example data
    assert "Municipios con datos publicados | municipios | 0 | 40</textarea>" in content

    # Sent back as it opened, the proposal is the same.
    data = {name: form[name].value() for name in form.fields}
    data["budget"] = str(data["budget"])
    data["comment"] = ""
    client.post(reverse("workflows:task_detail", args=[draft.pk]), data)
    project.refresh_from_db()
    assert project.state == Project.State.IN_REVIEW
    assert [(m.starts_on, m.due_on, m.title) for m in project.milestones.order_by("due_on")] == [
        (first.starts_on, first.due_on, "Hito número 1"),
        (second.starts_on, second.due_on, "Hito número 2"),
    ]
    indicator = project.indicators.get()
    assert (indicator.baseline, indicator.target) == (0, 40)


def test_the_team_form_comes_round_again_filled_in(client, coordinator, lead, colleague):
    project = define(coordinator, lead)
    to_approval(project, coordinator, lead, [colleague])
    tasks.take_and_complete(
        open_task(project, "approve_project"), coordinator, {"decision": "return", "comment": "x"}
    )
    do(project, "draft_proposal", lead, proposal_data())
    team = open_task(project, "form_team")
    assert team.owner == coordinator  # returned work goes back to whoever did it
    response = page(client, coordinator, team)
    assert response.context["form"]["specialists"].value() == [colleague.pk]
    assert re.search(rf'value="{colleague.pk}"[^>]*checked', response.content.decode())
    assert "Carlos Mendoza" in text(response) and "esp_equipo" not in text(response)

    # Leaving a member out takes them off the team and its tasks.
    client.post(reverse("workflows:task_detail", args=[team.pk]), {"comment": ""})
    assert not project.team.filter(user=colleague).exists()
    assert not colleague.has_perm(services.WORK, project)


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
    confirmations = tasks.open_human_tasks(process_of(project))
    titles = {task.owner: task.title for task in confirmations}
    assert titles[colleague].endswith(": Carlos Mendoza")
    assert titles[facilitator_a].endswith(": fac_a")  # no full name: the user name
    task = next(t for t in confirmations if t.owner == colleague)
    shown = text(page(client, colleague, task))
    for expected in (
        "Confirmar su participación en el proyecto: Carlos Mendoza",
        "Se invita a Carlos Mendoza a participar como Especialista.",
        "Responsabilidad: Revisar los datos.",
        "Publicar los datos fiscales de los municipios miembros.",
        "Hito número 1",
        "Laura Martínez",
    ):
        assert expected in shown, expected


def test_the_second_round_of_approval_lists_what_changed(
    client, coordinator, lead, colleague, facilitator_a, member_municipality
):
    from decimal import Decimal

    project = define(coordinator, lead)
    first = to_approval(project, coordinator, lead, [colleague])
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
            indicators=[("Municipios con datos publicados", "municipios", Decimal(0), Decimal(80))],
            budget=Decimal("200000"),
            risks="Conectividad; rotación del personal.",
        ),
    )
    do(
        project,
        "form_team",
        coordinator,
        {"members": [(colleague, "specialist", ""), (facilitator_a, "facilitator", "")]},
    )
    (confirmation,) = tasks.open_human_tasks(process_of(project))
    tasks.take_and_complete(confirmation, facilitator_a, {"accept": "yes"})
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
    assert changes["Indicadores"].before == "Municipios con datos publicados: 0 → 40 municipios"
    assert changes["Indicadores"].after == "Municipios con datos publicados: 0 → 80 municipios"
    assert changes["Presupuesto"].before == "150.000,00"
    assert changes["Presupuesto"].after == "200.000,00"
    assert (
        changes["Hitos"].before == f"Hito número 1: Producto 1 ({dmy(TODAY)} – {dmy(before_due)})"
    )
    assert "Hito número 2: Producto 2" in changes["Hitos"].after
    assert changes["Municipios participantes"].after == str(member_municipality)
    assert changes["Equipo"].before == "Carlos Mendoza (Especialista, confirmado)"
    assert changes["Equipo"].after == (
        "Carlos Mendoza (Especialista, confirmado), fac_a (Facilitador, confirmado)"
    )

    shown = text(page(client, coordinator, second))
    assert "Qué cambió desde la ronda anterior" in shown
    assert "Municipios con datos publicados: 0 → 80 municipios" in shown
    # The proposal's events hold ids and readable lines, never municipality codes.
    event = AuditEvent.objects.filter(action="project.proposal_saved").latest("pk")
    assert event.after["municipalities"] == [member_municipality.pk]


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
    milestone_tasks = tasks.open_human_tasks(process_of(project))
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
    first = min(tasks.open_human_tasks(process_of(project)), key=lambda task: task.due_at)
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
    first, second = sorted(tasks.open_human_tasks(process_of(project)), key=lambda t: t.pk)
    deliver(client, project, first, lead, {indicator.pk: "12"})
    deliver(client, project, second, lead, {indicator.pk: "30"})
    closure_round = open_task(project, "closure_report")
    shown = text(page(client, lead, closure_round))
    assert "Municipios con datos publicados municipios 0 30 40" in shown  # current vs target
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
    client, coordinator, lead, colleague, facilitator_a, member_municipality
):
    small = define(coordinator, lead, title="Pequeño")
    big = define(coordinator, lead, title="Grande")
    others = [make_user(f"esp_{n}", Role.SPECIALIST) for n in range(4)]
    small_approval = to_approval(small, coordinator, lead, [colleague], [member_municipality])
    big_approval = to_approval(
        big,
        coordinator,
        lead,
        [colleague, *others],
        list(type(member_municipality).objects.filter(region=member_municipality.region)[:5]),
        milestones=5,
        indicators=5,
    )
    assert queries(client, coordinator, small_approval) == queries(
        client, coordinator, big_approval
    )
    for project in (small, big):
        tasks.take_and_complete(
            open_task(project, "approve_project"),
            coordinator,
            {"decision": "approve", "comment": ""},
        )
    small_milestone = tasks.open_human_tasks(process_of(small))[0]
    big_milestone = tasks.open_human_tasks(process_of(big))[0]
    assert queries(client, lead, small_milestone) == queries(client, lead, big_milestone)


def test_proposal_form_reads_day_month_year_and_iso_dates(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    client.force_login(lead)
    response = client.post(
        reverse("workflows:task_detail", args=[draft.pk]),
        {
            "objectives": "Objetivo.",
            "expected_results": "Resultado.",
            "indicators": "Indicador | % | 12,5 | 40",
            "milestones": "01/02/2027 | 31/03/2027 | Primero | Informe\n"
            "2027-04-01 | 2027-06-30 | Segundo | Informe",
            "budget": "1000",
            "comment": "",
        },
    )
    assert response.status_code == 302
    assert [m.due_on for m in project.milestones.order_by("due_on")] == [
        datetime.date(2027, 3, 31),
        datetime.date(2027, 6, 30),
    ]
    assert str(project.indicators.get().baseline) == "12.50"


def test_a_wrong_milestone_line_says_which_and_how(client, coordinator, lead):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    client.force_login(lead)
    response = client.post(
        reverse("workflows:task_detail", args=[draft.pk]),
        {
            "objectives": "Objetivo.",
            "expected_results": "Resultado.",
            "indicators": "Indicador | % | 0 | 40",
            "milestones": "01/02/2027 | 31/02/2027 | Primero | Informe",
            "budget": "1000",
            "comment": "",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["milestones"])
    assert errors.startswith("Renglón 1:") and "dd/mm/aaaa" in errors
    assert Task.objects.get(pk=draft.pk).is_open
