"""A special project walked by each role: a return, team confirmations, a late milestone."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from notifications import reminders
from specialprojects import services
from specialprojects.models import Project, ProjectLine
from tests.conftest import make_user
from tests.specialprojects import proposal_post
from workflows import permissions
from workflows import services as tasks
from workflows.models import AuditEvent, Process, Task
from workflows.roles import Role


def open_tasks(project):
    return list(
        Task.objects.filter(
            process=Process.for_subject(project),
            flow_task_type="HUMAN",
            status__in=["NEW", "ASSIGNED"],
        ).order_by("pk")
    )


def post_task(client, user, task, data):
    client.force_login(user)
    if task.owner_id is None:
        client.post(reverse("workflows:task_claim", args=[task.pk]))
    return client.post(reverse("workflows:task_detail", args=[task.pk]), data)


@pytest.fixture
def lead(db):
    return make_user("esp_lider", Role.SPECIALIST)


@pytest.fixture
def colleague(db):
    return make_user("esp_equipo", Role.SPECIALIST)


def proposal(today, indicators=None, milestones=None, **overrides):
    first_due = today + datetime.timedelta(days=10)
    fields = {
        "objectives": "Publicar los datos fiscales de los municipios miembros.",
        "expected_results": "Cuarenta municipios con datos publicados.",
        "budget": "150.000,00",
        "risks": "Conectividad",
        **overrides,
    }
    return proposal_post.proposal(
        indicators=indicators or [("Municipios con datos publicados", "municipios", "0", "40")],
        milestones=milestones or [("Plantilla publicada", "Plantilla XLSX", today, first_due)],
        spare=2,
        **fields,
    )


def define(client, coordinator, lead, title="Finanzas municipales"):
    client.force_login(coordinator)
    client.post(
        reverse("specialprojects:define"),
        {"line": "", "new_line": "Finanzas", "title": title, "lead": lead.pk},
    )
    return Project.objects.get(title=title)


def test_project_walked_by_each_role_with_a_return_and_a_late_milestone(
    client, coordinator, lead, colleague, facilitator_a
):
    project = define(client, coordinator, lead)
    (draft,) = open_tasks(project)
    assert draft.flow_task.name == "draft_proposal" and draft.owner == lead
    today = timezone.localdate()
    post_task(client, lead, draft, proposal(today))
    project.refresh_from_db()
    assert project.state == Project.State.IN_REVIEW and project.milestones.count() == 1

    (team,) = open_tasks(project)
    post_task(
        client,
        coordinator,
        team,
        {"specialists": [colleague.pk], "facilitators": [facilitator_a.pk], "comment": ""},
    )
    confirmations = open_tasks(project)
    assert {t.owner for t in confirmations} == {colleague, facilitator_a}
    for task in confirmations:
        answer = "yes" if task.owner == colleague else "no"
        post_task(client, task.owner, task, {"accept": answer, "comment": ""})
    members = {m.user: m for m in project.team.all()}
    assert members[colleague].confirmed_at and members[facilitator_a].declined
    assert not facilitator_a.has_perm(services.WORK, project)  # declining removes the permission

    (approval,) = open_tasks(project)
    post_task(client, coordinator, approval, {"decision": "return", "comment": "Más municipios"})
    project.refresh_from_db()
    assert project.state == Project.State.RETURNED
    (draft,) = open_tasks(project)
    assert draft.flow_task.name == "draft_proposal" and draft.owner == lead
    post_task(
        client,
        lead,
        draft,
        proposal(today, indicators=[("Municipios con datos publicados", "municipios", "0", "80")]),
    )
    (team,) = open_tasks(project)
    post_task(client, coordinator, team, {"specialists": [colleague.pk], "comment": ""})
    (approval,) = open_tasks(project)  # nobody new to ask: straight to approval
    post_task(client, coordinator, approval, {"decision": "approve", "comment": ""})
    project.refresh_from_db()
    assert project.state == Project.State.IN_EXECUTION and project.launched_on == today

    (milestone,) = open_tasks(project)
    assert milestone.flow_task.name == "deliver_milestone" and milestone.owner == lead
    due = timezone.localtime(milestone.due_at)
    assert due.date() == today + datetime.timedelta(days=10)

    # Late: the reminder sweep tells the lead, then escalates to the coordination.
    with time_machine.travel(milestone.due_at + datetime.timedelta(days=6), tick=False):
        sent = {(r.kind, r.recipient) for r in reminders.sweep() if r.task.pk == milestone.pk}
        assert ("overdue", lead) in sent and ("escalation", coordinator) in sent
        client.force_login(coordinator)
        page = client.get(reverse("specialprojects:portfolio"))
        assert 'class="badge late">1<' in page.content.decode()
        indicator = project.indicators.get()
        response = post_task(
            client,
            lead,
            milestone,
            {
                "deliverable_file": SimpleUploadedFile("plantilla.pdf", b"%PDF-1.4 plantilla"),
                "report": "Publicada con retraso",
                f"indicator_{indicator.pk}": "12",
                "comment": "",
            },
        )
        assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.current == 12
    event = AuditEvent.objects.get(action="project.indicator_updated")
    assert event.before["current"] == "0.00" and event.after["current"] == "12"
    assert AuditEvent.objects.get(action="project.milestone_completed").after["late"] is True

    (closure,) = open_tasks(project)
    post_task(
        client,
        lead,
        closure,
        {
            "results_summary": "12 de 80 municipios.",
            "lessons": "Empezar por la plantilla.",
            "suggest_case": "on",
            "comment": "",
        },
    )
    (close,) = open_tasks(project)
    post_task(client, coordinator, close, {"decision": "approve", "comment": ""})
    project.refresh_from_db()
    assert project.state == Project.State.CLOSED and project.closed_on
    page = client.get(project.get_absolute_url()).content.decode()
    assert "12 de 80 municipios." in page and "Registrarlo como caso de innovación" in page


def test_a_team_member_of_one_project_cannot_act_on_anothers_tasks(
    client, coordinator, lead, colleague
):
    mine = define(client, coordinator, lead, title="Proyecto A")
    other = define(client, coordinator, colleague, title="Proyecto B")
    (task_a,) = open_tasks(mine)
    (task_b,) = open_tasks(other)
    assert permissions.can_take(lead, task_a) and not permissions.can_take(lead, task_b)
    tasks.release(task_b, colleague)
    with pytest.raises(PermissionDenied):
        tasks.claim(task_b, lead)
    client.force_login(lead)
    queue = client.get(reverse("workflows:queue")).content.decode()
    assert "Proyecto B" not in queue
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("specialprojects:one_pager", args=[other.pk])).status_code == 404


def test_one_pager_and_portfolio(client, coordinator, lead):
    import io

    from pypdf import PdfReader

    project = define(client, coordinator, lead)
    (draft,) = open_tasks(project)
    post_task(client, lead, draft, proposal(timezone.localdate()))
    client.force_login(coordinator)
    pdf = client.get(reverse("specialprojects:one_pager", args=[project.pk]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Finanzas municipales",
        "Municipios con datos publicados",
        "Plantilla publicada",
        "150.000,00",
    ):
        assert expected in text, expected
    page = client.get(reverse("specialprojects:portfolio"), {"line": ProjectLine.objects.get().pk})
    assert "Finanzas municipales" in page.content.decode()


def test_coordination_cancels_a_project_with_a_reason_and_its_tasks_go(client, coordinator, lead):
    project = define(client, coordinator, lead)
    client.force_login(lead)
    url = reverse("specialprojects:change_state", args=[project.pk, "cancel"])
    assert client.post(url, {"comment": "x"}).status_code == 403
    client.force_login(coordinator)
    client.post(url, {"comment": ""})
    project.refresh_from_db()
    assert project.state == Project.State.DRAFT  # a reason is required
    client.post(url, {"comment": "Sin financiamiento"})
    project.refresh_from_db()
    assert project.state == Project.State.CANCELLED
    assert open_tasks(project) == []
    assert Process.for_subject(project).status == "CANCELED"
    assert "Proyecto: Cancelado." in messages_of(client.get(project.get_absolute_url()))
    # Resuming a cancelled project is refused in words, naming its state, not a code.
    page = client.post(
        reverse("specialprojects:change_state", args=[project.pk, "resume"]),
        {"comment": "Retomar"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    (refusal,) = messages_of(page)
    assert "Eso no puede hacerse con" in refusal
    assert "mientras su estado sea «Cancelado»" in refusal
    assert "resume" not in refusal
    project.refresh_from_db()
    assert project.state == Project.State.CANCELLED


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_programme_report_lists_projects_with_late_milestones_in_scope(
    client, coordinator, lead, facilitator_a, facilitator_b, municipality_a
):
    import io

    from pypdf import PdfReader

    municipality_a.is_member = True
    municipality_a.save(update_fields=["is_member"])
    project = define(client, coordinator, lead)
    (draft,) = open_tasks(project)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    start = yesterday - datetime.timedelta(days=30)
    post_task(
        client,
        lead,
        draft,
        proposal(
            timezone.localdate(),
            milestones=[("Atrasado", "Informe", start, yesterday)],
            municipalities=[municipality_a.pk],
        ),
    )
    dates = {"start": "2000-01-01", "end": "2099-12-31"}
    client.force_login(facilitator_a)
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.projects == [(project, 1, 1)]
    pdf = client.get(reverse("reports:dashboard_pdf"), dates)
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert "Proyectos especiales" in text and "Finanzas municipales" in text
    client.force_login(facilitator_b)
    assert client.get(reverse("reports:dashboard"), dates).context["report"].projects == []
