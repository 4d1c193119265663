"""A position walked through the hiring flow by each role, over HTTP."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from staffing.models import Contract, Evaluation, Position
from staffing.selectors import eligible_specialists
from tests.conftest import make_user, open_task
from workflows import selectors
from workflows.models import AuditEvent, Process, Task
from workflows.roles import Role

from .conftest import (
    CANDIDATES,
    claim,
    complete,
    decide,
    evaluate_all,
    open_position,
    record_contract,
    register_all,
    to_decision,
)

pytestmark = pytest.mark.django_db


def personal_strings():
    values = []
    for data in CANDIDATES:
        values += [data["full_name"], data["email"], data["phone"], data["national_id"]]
        values += data["full_name"].split()
    return values


def test_walk_open_register_evaluate_decide_contract_onboard(
    client, people, theme, mailoutbox, django_capture_on_commit_callbacks
):
    coordinator, deputy, assistant = people["coordinator"], people["deputy"], people["assistant"]
    position = open_position(client, coordinator, theme)
    assert position.state == Position.State.OPEN
    assert position.opened_by == coordinator
    process = Process.for_subject(position)
    assert position.title in process.title

    # The assistant registers the candidates; the task cannot close without them.
    task = open_task(process)
    assert (task.flow_task.name, task.role) == ("register_candidates", Role.ASSISTANT)
    client.force_login(assistant)
    claim(client, task)
    response = complete(client, task, {"confirm": "on", "comment": ""})
    assert response.context["form"].non_field_errors()
    position.refresh_from_db()
    assert position.state == Position.State.OPEN
    register_all(client, position, assistant)
    assert position.state == Position.State.EVALUATING
    assert [c.number for c in position.candidates.all()] == [1, 2]

    # The deputy coordinator scores every candidate against the profile.
    task = open_task(process)
    assert (task.flow_task.name, task.role) == ("evaluate_candidates", Role.DEPUTY_COORDINATOR)
    client.force_login(deputy)
    page = client.get(reverse("workflows:task_detail", args=[task.pk])).content.decode()
    assert "Ana Beatriz Salcedo" in page  # the evaluator sees whom they evaluate
    evaluate_all(client, position, deputy, scores={1: (5, 4, 5), 2: (3, 3, 2)})
    first, second = position.candidates.order_by("number")
    assert (first.evaluation.total, second.evaluation.total) == (14, 8)
    assert first.evaluation.evaluator == deputy
    assert first.evaluation.notes == "Notas sobre Ana Beatriz Salcedo"
    assert Evaluation.objects.filter(candidate__position=position).count() == 2
    assert position.state == Position.State.EVALUATED  # what the decision step shows

    # The coordinator hires the first.
    decide(
        client, position, coordinator, decision="hire", candidate=first.pk, comment="Mejor perfil"
    )
    assert position.state == Position.State.DECIDED
    assert position.hired == first

    # The assistant records the contract: the onboarding follows by itself.
    response = record_contract(client, position, assistant, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert position.state == Position.State.FILLED
    process.refresh_from_db()
    assert process.status == "DONE" and process.finished is not None
    contract = Contract.objects.get(position=position)
    assert contract.candidate == first and contract.signed_contract.name.endswith(".pdf")
    assert "Salcedo" not in contract.signed_contract.name

    # The new specialist: one account, the role, the theme, eligible for the project.
    User = get_user_model()
    specialist = User.objects.get(email="ana.salcedo@correo.example")
    assert contract.specialist == specialist
    assert specialist.is_active and not specialist.has_usable_password()
    assert (specialist.first_name, specialist.last_name) == ("Ana", "Beatriz Salcedo")
    assert specialist.groups.filter(name=Role.SPECIALIST).exists()
    assert theme.specialists.filter(pk=specialist.pk).exists()
    assert specialist.has_perm("workflows.act_as_specialist")
    assert specialist in eligible_specialists(project_name="proyecto de finanzas municipales")
    assert specialist in eligible_specialists(theme=theme)
    assert not User.objects.filter(email="carlos.mendoza@correo.example").exists()

    # The invitation: text and HTML, with a set-password link that works once.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ana.salcedo@correo.example"]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    link = re.search(r"http://\S+/staffing/welcome/\S+/", message.body).group(0)
    assert link in html
    contract.refresh_from_db()
    assert contract.invitation_sent_at is not None

    client.logout()
    path = urlsplit(link).path
    response = client.get(path, follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Clave-segura-2026", "new_password2": "Clave-segura-2026"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    specialist.refresh_from_db()
    assert specialist.check_password("Clave-segura-2026")
    logged_in = client.post(  # through the login page, as django-axes checks every login
        reverse("login"), {"username": specialist.username, "password": "Clave-segura-2026"}
    )
    assert logged_in.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    assert client.get(path).status_code == 404  # used once

    # Every step is in the trail, and the trail holds no candidate's personal data.
    history = list(selectors.process_history(process))
    actions = [event.action for event in history]
    for action in (
        "position.opened",
        "process.started",
        "candidate.registered",
        "position.close_registration",
        "evaluation.recorded",
        "position.decide",
        "contract.recorded",
        "specialist.onboarded",
        "scope.granted",
        "position.fill",
        "specialist.invited",
        "task.completed",
    ):
        assert action in actions, action
    assert actions.count("candidate.registered") == 2
    assert actions.count("evaluation.recorded") == 2
    dumped = json.dumps(
        [[e.subject_repr, e.before, e.after, e.comment] for e in history], ensure_ascii=False
    )
    for value in personal_strings():
        assert value not in dumped, value
    assert "Notas sobre" not in dumped


def test_cancelled_position_ends_without_onboarding(client, people, theme, mailoutbox):
    position = to_decision(client, people, theme)
    users = get_user_model().objects.count()
    response = decide(client, position, people["coordinator"], decision="cancel", comment="")
    assert "comment" in response.context["form"].errors  # a reason is required
    position.refresh_from_db()
    assert position.state == Position.State.EVALUATED

    task = open_task(Process.for_subject(position))
    complete(client, task, {"decision": "cancel", "comment": "Ningún perfil cumple"})
    position.refresh_from_db()
    assert position.state == Position.State.CANCELLED
    assert position.decision_comment == "Ningún perfil cumple"
    process = Process.for_subject(position)
    assert process.finished is not None
    assert not Task.objects.filter(process=process, flow_task_type="HUMAN").open().exists()
    assert not Contract.objects.filter(position=position).exists()
    assert get_user_model().objects.count() == users
    assert mailoutbox == []
    event = AuditEvent.objects.get(process=process, action="position.cancel")
    assert event.comment == "Ningún perfil cumple" and event.after["state"] == "cancelled"


def test_coordinator_cancels_from_the_position_page(client, people, theme, auditor):
    position = open_position(client, people["coordinator"], theme)
    process = Process.for_subject(position)
    url = reverse("staffing:position_cancel", args=[position.pk])
    client.force_login(people["assistant"])
    assert client.post(url, {"comment": "x"}).status_code == 403
    client.force_login(people["coordinator"])
    assert client.post(url, {"comment": ""}).status_code == 400
    response = client.post(url, {"comment": "Se suspendió el financiamiento"})
    assert response.status_code == 302
    position.refresh_from_db()
    process.refresh_from_db()
    assert position.state == Position.State.CANCELLED
    assert process.status == "CANCELED"
    assert list(
        process.task_set.filter(flow_task_type="HUMAN").values_list("status", flat=True)
    ) == ["CANCELED"]
    assert AuditEvent.objects.filter(process=process, action="process.cancelled").exists()
    # Once ended, it cannot be cancelled again nor take candidates.
    response = client.post(url, {"comment": "otra vez"}, follow=True)
    assert f"mientras su estado sea «{position.get_state_display()}»" in response.content.decode()
    client.force_login(people["assistant"])
    from .conftest import CANDIDATES, add_candidate

    assert add_candidate(client, position, CANDIDATES[0]).status_code == 400
    assert not position.candidates.exists()


def test_existing_account_is_reused_not_duplicated(
    client, people, theme, network, facilitator_a, mailoutbox, django_capture_on_commit_callbacks
):
    User = get_user_model()
    facilitator_a.email = "Ana.Salcedo@Correo.example"  # the same person, other case
    facilitator_a.save()
    position = open_position(
        client, people["coordinator"], None, network=network.pk, project_name=""
    )
    assert position.theme == theme and position.network == network
    register_all(client, position, people["assistant"])
    evaluate_all(client, position, people["deputy"])
    first = position.candidates.get(number=1)
    decide(client, position, people["coordinator"], decision="hire", candidate=first.pk)
    users = User.objects.count()
    record_contract(client, position, people["assistant"], django_capture_on_commit_callbacks)

    assert position.state == Position.State.FILLED
    assert User.objects.count() == users
    facilitator_a.refresh_from_db()
    assert Contract.objects.get(position=position).specialist == facilitator_a
    roles = set(facilitator_a.groups.values_list("name", flat=True))
    assert roles == {Role.FACILITATOR, Role.SPECIALIST}
    assert facilitator_a.check_password("pw")  # their password is untouched
    assert facilitator_a in eligible_specialists(network=network)
    assert network.specialist.username == "lider"  # the lead is not reassigned
    network.refresh_from_db()
    assert network.specialist.username == "lider"
    assert len(mailoutbox) == 1
    assert "/accounts/login/" in mailoutbox[0].body and "/welcome/" not in mailoutbox[0].body
    event = AuditEvent.objects.get(action="specialist.onboarded")
    assert event.after["account_created"] is False and event.after["user"] == facilitator_a.pk


def test_the_evaluator_cannot_decide(client, people, theme):
    """The deputy evaluates and the coordinator decides: never the same person."""
    position = to_decision(client, people, theme)
    task = open_task(Process.for_subject(position))
    client.force_login(people["deputy"])
    claim(client, task)
    first = position.candidates.get(number=1)
    response = complete(client, task, {"decision": "hire", "candidate": first.pk, "comment": ""})
    assert response.context["form"].non_field_errors()
    position.refresh_from_db()
    assert position.state == Position.State.EVALUATED

    # Nor may a deputy who did not evaluate: deciding is the coordinator's.
    client.post(reverse("workflows:task_release", args=[task.pk]))
    other_deputy = make_user("adjunto2", Role.DEPUTY_COORDINATOR)
    client.force_login(other_deputy)
    claim(client, task)
    response = complete(client, task, {"decision": "hire", "candidate": first.pk, "comment": ""})
    assert response.context["form"].non_field_errors()
    position.refresh_from_db()
    assert position.state == Position.State.EVALUATED
    client.post(reverse("workflows:task_release", args=[task.pk]))

    # Another coordinator decides.
    other = make_user("coord2", Role.COORDINATOR)
    decide(client, position, other, decision="hire", candidate=first.pk)
    assert position.state == Position.State.DECIDED


def test_contract_dates_and_pdf_are_checked(
    client, people, theme, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    position = to_decision(client, people, theme)
    first = position.candidates.get(number=1)
    decide(client, position, people["coordinator"], decision="hire", candidate=first.pk)
    response = record_contract(
        client,
        position,
        people["assistant"],
        django_capture_on_commit_callbacks,
        end_date="2026-12-31",
        signed_contract=SimpleUploadedFile("contrato.pdf", b"no es un PDF", "application/pdf"),
    )
    form = response.context["form"]
    assert "end_date" in form.errors and "signed_contract" in form.errors
    assert position.state == Position.State.DECIDED
    assert not Contract.objects.filter(position=position).exists()
