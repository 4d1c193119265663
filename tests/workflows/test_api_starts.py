"""Every process a person starts on a page starts through the API too: the page's form,
its permission check and its service, answering the process, the subject and the first
tasks; the form's errors leave nothing behind."""

import pytest

from agreements.models import Municipality
from finance.models import FiscalPeriod, Submission
from knowledge.models import Case
from networks.models import Network, Theme
from specialprojects.models import Project, ProjectLine
from staffing.models import Position
from tests.conftest import make_user
from workflows.models import AuditEvent, Process, Task
from workflows.roles import Role
from workflows.selectors import processes_about

from .test_api_facilitator_day import basic_client, post_json

pytestmark = pytest.mark.django_db


def started(api, kind, body):
    response = post_json(api, f"/api/processes/{kind}/", body)
    assert response.status_code == 201, response.content
    return response.json()


def refused_with_nothing_stored(api, kind, body, model):
    count, events = model.objects.count(), AuditEvent.objects.count()
    response = post_json(api, f"/api/processes/{kind}/", body)
    assert response.status_code == 400, response.content
    assert model.objects.count() == count and AuditEvent.objects.count() == events
    return response.json()


def first_task(answer, subject, *, shown=True):
    """The answer names the subject's one process; its first task, if the caller sees it."""
    (process,) = processes_about(subject)
    assert answer["process"] == process.pk and answer["processes"] == [process.pk]
    assert answer["subject"] == subject.pk
    (task,) = Task.objects.filter(
        process=process, flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"]
    )
    assert [row["id"] for row in answer["tasks"]] == ([task.pk] if shown else [])
    return process, task


def test_hiring_starts_with_a_position(coordinator):
    api = basic_client("coord")
    described = {f["name"]: f for f in api.get("/api/processes/hiring/").json()["fields"]}
    assert described["term_months"]["type"] == "integer"
    assert described["title"]["required"] and described["theme"]["type"] == "choice"
    body = {
        "title": "Especialista en finanzas municipales",
        "profile": "Acompañar a los municipios en la gestión de su hacienda.",
        "expertise": "Presupuesto público.",
        "theme": Theme.objects.get(slug="finanzas-municipales").pk,
        "project_name": "Finanzas municipales",
        "term_months": 12,
    }
    errors = refused_with_nothing_stored(api, "hiring", {**body, "term_months": "doce"}, Position)
    assert list(errors) == ["term_months"]
    answer = started(api, "hiring", body)
    position = Position.objects.get()
    assert position.term_months == 12 and position.title == body["title"]
    process, task = first_task(answer, position)
    assert process.started_by == coordinator and task.role == "assistant"
    assert basic_client("aud").get("/api/processes/hiring/").status_code == 403


def test_a_specialist_proposes_a_network(region_a):
    make_user("esp", Role.SPECIALIST)
    targets = list(Municipality.objects.filter(region=region_a).order_by("code")[:2])
    Municipality.objects.filter(pk__in=[m.pk for m in targets]).update(is_member=True)
    api = basic_client("esp")
    body = {
        "theme": Theme.objects.get(slug="finanzas-municipales").pk,
        "name": "Red de finanzas municipales",
        "sector": "Hacienda",
        "objectives": "Compartir prácticas de recaudación.",
        "visibility": "public",
        "target_municipalities": [m.pk for m in targets],
    }
    errors = refused_with_nothing_stored(
        api, "networks", {**body, "target_municipalities": []}, Network
    )
    assert list(errors) == ["target_municipalities"]
    answer = started(api, "networks", body)
    network = Network.objects.get()
    assert set(network.target_municipalities.all()) == set(targets)
    # The coordination's review: not the specialist's to see.
    _process, task = first_task(answer, network, shown=False)
    assert task.role == "coordinator"


def test_the_coordination_defines_a_project_in_a_new_line(coordinator):
    lead = make_user("lider", Role.SPECIALIST)
    api = basic_client("coord")
    body = {"new_line": "Finanzas municipales", "title": "Presupuesto participativo"}
    errors = refused_with_nothing_stored(api, "projects", body, Project)
    assert list(errors) == ["lead"]
    assert not ProjectLine.objects.filter(name="Finanzas municipales").exists()
    answer = started(api, "projects", {**body, "lead": lead.pk})
    project = Project.objects.get()
    assert project.lead == lead and project.line.name == "Finanzas municipales"
    _process, task = first_task(answer, project)
    assert task.owner == lead


def test_a_facilitator_registers_a_case(facilitator_a, municipality_a, municipality_b):
    api = basic_client("fac_a")
    theme = Theme.objects.get(slug="servicios-publicos")
    body = {
        "title": "Rutas de aseo concertadas",
        "municipality": municipality_a.pk,
        "theme": theme.pk,
        "summary": "Recolección planificada con los consejos comunales.",
        "contact_name": "Dirección de Servicios Públicos",
        "contact_email": "servicios@example.org",
        "started_on": "2025-01-15",
    }
    errors = refused_with_nothing_stored(
        api, "cases", {**body, "municipality": municipality_b.pk}, Case
    )
    assert list(errors) == ["municipality"]  # another territory's is no choice
    answer = started(api, "cases", body)
    case = Case.objects.get()
    assert case.municipality == municipality_a and case.registered_by == facilitator_a
    assert str(case.started_on) == "2025-01-15"
    _process, task = first_task(answer, case)
    assert task.role == "specialist"


def test_the_coordination_opens_a_period_for_every_member(coordinator, region_a):
    members = list(Municipality.objects.filter(region=region_a).order_by("code")[:2])
    Municipality.objects.filter(pk__in=[m.pk for m in members]).update(is_member=True)
    api = basic_client("coord")
    errors = refused_with_nothing_stored(api, "finance", {"year": 2026}, FiscalPeriod)
    assert list(errors) == ["quarter"]
    answer = started(api, "finance", {"year": 2026, "quarter": 2})
    period = FiscalPeriod.objects.get()
    assert answer["subject"] == period.pk
    submissions = Submission.objects.filter(period=period).order_by("pk")
    assert [s.municipality for s in submissions] == members
    processes = [p for s in submissions for p in processes_about(s)]
    assert answer["processes"] == [p.pk for p in processes]
    assert answer["process"] == processes[0].pk
    assert len(answer["tasks"]) == len(members)
    again = post_json(api, "/api/processes/finance/", {"year": 2026, "quarter": 2})
    assert again.status_code == 400 and again.json()["non_field_errors"]
    assert Process.objects.filter(pk__in=answer["processes"]).count() == len(members)


def test_a_proposal_with_rows_and_amounts_completes_from_json(coordinator):
    """The lead drafts the proposal through the API: its tables as lists of objects,
    the budget as a JSON number, read exactly; a number where a date goes is refused."""
    lead = make_user("lider", Role.SPECIALIST)
    answer = started(
        basic_client("coord"),
        "projects",
        {"new_line": "Finanzas", "title": "Datos abiertos", "lead": lead.pk},
    )
    api = basic_client("lider")
    task = answer["tasks"][0]["id"]
    form = api.get(f"/api/tasks/{task}/form/").json()
    assert {rows["name"] for rows in form["rows"]} == {"indicators", "milestones"}
    milestone_fields = next(r for r in form["rows"] if r["name"] == "milestones")["fields"]
    assert [f["name"] for f in milestone_fields] == ["title", "deliverable", "starts_on", "due_on"]
    budget = next(f for f in form["fields"] if f["name"] == "budget")
    assert budget["type"] == "number" and budget["required"]

    body = {
        "objectives": "Publicar los datos fiscales.",
        "expected_results": "Cuarenta municipios con datos publicados.",
        "budget": 180000.5,
        "risks": "Conectividad",
        "indicators": [{"name": "Municipios", "unit": "municipios", "baseline": 0, "target": 40}],
        "milestones": [
            {"title": "Plantilla", "deliverable": "XLSX", "starts_on": 20260201, "due_on": None}
        ],
    }
    events = AuditEvent.objects.count()
    refused = post_json(api, f"/api/tasks/{task}/complete/", body)
    assert refused.status_code == 400, refused.content
    assert "Hito 1" in " ".join(refused.json()["non_field_errors"])
    assert AuditEvent.objects.count() == events

    body["milestones"][0].update(starts_on="2026-02-01", due_on="2026-03-31")
    done = post_json(api, f"/api/tasks/{task}/complete/", body)
    assert done.status_code == 200, done.content
    project = Project.objects.get()
    assert str(project.budget) == "180000.50"
    assert [(i.name, i.target) for i in project.indicators.all()] == [("Municipios", 40)]
    (milestone,) = project.milestones.all()
    assert milestone.title == "Plantilla" and str(milestone.due_on) == "2026-03-31"
