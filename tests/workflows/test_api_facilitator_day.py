"""A facilitator's day through the API alone: start an onboarding, complete its draft from
the task's described form, send a municipality's finance data in parts and submit it.

The client holds HTTP Basic credentials and nothing else (no session), as a partner
system would. Refusals are checked for what they leave behind: no audit event, the task
as it was.
"""

import base64
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from agreements import scope
from agreements.models import Agreement, Municipality
from finance.models import Part, Submission
from tests.conftest import AUTHORITIES, draft_post, make_user, open_task, signed_pdf
from tests.finance import conftest as finance
from tests.finance.test_api import lines_payload
from tests.finance.test_parts import part_rows
from workflows.models import AuditEvent, Process, Task
from workflows.selectors import processes_about

pytestmark = pytest.mark.django_db

# The finance fixtures: a member municipality in each region and an open period.
member_a, member_b, period = finance.member_a, finance.member_b, finance.period


def basic_client(username, password="pw", language=None):
    """A client with no session: every request carries the user's Basic credentials."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    if language:
        headers["Accept-Language"] = language
    return Client(headers=headers)


def post_json(api, url, data):
    return api.post(url, data, content_type="application/json")


def other_municipality(facilitator, *exclude):
    return (
        scope.facilitated_municipalities(facilitator)
        .filter(is_member=False)
        .exclude(pk__in=[m.pk for m in exclude])
        .order_by("code")
        .first()
    )


def test_the_facilitators_day(period, member_a, facilitator_a, coordinator):
    api = basic_client("fac_a")
    municipality = other_municipality(facilitator_a, member_a)

    # Start an onboarding: the start form, described, then sent.
    described = api.get("/api/processes/onboarding/")
    assert described.status_code == 200, described.content
    fields = {field["name"]: field for field in described.json()["fields"]}
    assert fields["mayor_name"]["required"] and fields["mayor_name"]["label"] == "Alcalde"
    offered = {choice["value"] for choice in fields["municipality"]["choices"]}
    assert municipality.pk in offered and member_a.pk not in offered  # members cannot start

    body = {"municipality": municipality.pk, **{k: v for k, v in AUTHORITIES.items() if v}}
    started = post_json(api, "/api/processes/onboarding/", body)
    assert started.status_code == 201, started.content
    started = started.json()
    process = Process.objects.get(pk=started["process"])
    agreement = Agreement.objects.get(pk=started["subject"])
    assert process.subject == agreement and agreement.municipality == municipality
    assert process.started_by == facilitator_a and agreement.state == Agreement.State.DRAFT
    draft = Task.objects.get(process=process, flow_task_type="HUMAN")
    assert [task["id"] for task in started["tasks"]] == [draft.pk]
    assert AuditEvent.objects.filter(action="process.started", process=process).count() == 1

    # The inbox, read through the API, holds the draft.
    inbox = api.get("/api/tasks/")
    assert inbox.status_code == 200
    assert draft.pk in [row["id"] for row in inbox.json()["results"]]

    # The draft's form, described from the page's own form.
    form = api.get(f"/api/tasks/{draft.pk}/form/")
    assert form.status_code == 200, form.content
    form = form.json()
    assert form["task"]["id"] == draft.pk and form["content_type"] == "application/json"
    types = {field["name"]: field["type"] for field in form["fields"]}
    assert types == {
        "scope": "text",
        "commitments": "text",
        "start_date": "date",
        "end_date": "date",
        "contacts": "text",
        "comment": "text",
    }
    labels = {field["name"]: field["label"] for field in form["fields"]}
    assert labels["start_date"] == "Fecha de inicio"

    if form["task"]["status"] == "NEW":  # claimed only if the flow left it to be taken
        assert post_json(api, f"/api/tasks/{draft.pk}/claim/", {}).status_code == 200

    done = post_json(api, f"/api/tasks/{draft.pk}/complete/", draft_post(comment="Listo"))
    assert done.status_code == 200, done.content
    done = done.json()
    assert done["task"]["id"] == draft.pk and done["task"]["status"] == "DONE"
    assert done["process"] == process.pk
    draft.refresh_from_db()
    assert draft.status == "DONE" and draft.comment == "Listo"
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.IN_REVIEW
    assert agreement.scope == "Gestión financiera"
    review = Task.objects.get(process=process, flow_task_type="HUMAN", status="NEW")
    assert [task["id"] for task in done["next_tasks"]] == [review.pk]
    assert review.role == "coordinator" and review.owner is None
    completed = AuditEvent.objects.get(action="task.completed", task=draft)
    assert completed.actor == facilitator_a and completed.comment == "Listo"

    # Finance: the member municipality's submission, sent in its two parts, then submitted.
    submission = finance.submission_of(member_a, period)
    url = f"/api/finance/submissions/{submission.pk}"
    for part in (Part.EXPENDITURE, Part.REVENUE):
        sent = post_json(
            api, f"{url}/upload/", {"part": part, "lines": lines_payload(part_rows(part))}
        )
        assert sent.status_code == 201, sent.content
        assert sent.json()["part"] == part
    assert api.get(f"{url}/").json()["missing_parts"] == []
    submitted = post_json(api, f"{url}/submit/", {"justification": ""})
    assert submitted.status_code == 200, submitted.content
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.submitted_by == facilitator_a
    (finance_task,) = Task.objects.filter(
        process__in=processes_about(submission), flow_task_type="HUMAN", status="DONE"
    )
    assert finance_task.status == "DONE" and finance_task.owner == facilitator_a
    assert AuditEvent.objects.filter(
        action="task.completed", task=finance_task, actor=facilitator_a
    ).exists()

    # Everything the day did is the facilitator's, in the audit trail.
    inbox = api.get("/api/tasks/").json()["results"]
    assert draft.pk not in [row["id"] for row in inbox]


def test_invalid_data_gives_the_forms_errors_and_changes_nothing(onboarding_a, facilitator_a):
    task = open_task(onboarding_a)
    events = AuditEvent.objects.count()
    api = basic_client("fac_a")
    sent = draft_post(scope="", end_date="2020-01-01", start_date="2021-13-40")
    response = post_json(api, f"/api/tasks/{task.pk}/complete/", sent)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert errors["scope"] == ["Este campo es requerido."]
    assert errors["start_date"] == ["Introduzca una fecha válida."]
    assert AuditEvent.objects.count() == events
    task.refresh_from_db()
    assert task.status == "ASSIGNED" and task.owner == facilitator_a
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.DRAFT

    # A client that asks for English reads the same errors in English.
    english = basic_client("fac_a", language="en")
    response = english.post(
        f"/api/tasks/{task.pk}/complete/", sent, content_type="application/json"
    )
    assert response.json()["scope"] == ["This field is required."]

    # A body that is no object is refused in words, and nothing happens either.
    response = post_json(api, f"/api/tasks/{task.pk}/complete/", ["scope"])
    assert response.status_code == 400 and response.json()["detail"]
    assert AuditEvent.objects.count() == events


def test_the_steps_refusal_comes_back_as_the_forms_error(onboarding_a, facilitator_a):
    """An end before the start is refused by the step (a ValidationError, rolled back)."""
    task = open_task(onboarding_a)
    events = AuditEvent.objects.count()
    api = basic_client("fac_a")
    sent = draft_post(start_date="2027-01-01", end_date="2026-01-01")
    response = post_json(api, f"/api/tasks/{task.pk}/complete/", sent)
    assert response.status_code == 400, response.content
    errors = response.json()
    assert set(errors) <= {"end_date", "non_field_errors"} and errors
    assert AuditEvent.objects.count() == events
    task.refresh_from_db()
    assert task.status == "ASSIGNED"


def test_another_territorys_task_is_not_there(onboarding_a, facilitator_b):
    task = open_task(onboarding_a)
    events = AuditEvent.objects.count()
    api = basic_client("fac_b")
    assert api.get(f"/api/tasks/{task.pk}/form/").status_code == 404
    response = post_json(api, f"/api/tasks/{task.pk}/complete/", draft_post())
    assert response.status_code == 404
    assert AuditEvent.objects.count() == events
    assert post_json(api, "/api/tasks/999999999/complete/", draft_post()).status_code == 404


def test_a_task_held_by_someone_else_answers_409(onboarding_a, facilitator_a, coordinator):
    task = open_task(onboarding_a)
    colleague = make_user("fac_a_bis", "facilitator")
    scope.grant_facilitator_municipality(colleague, onboarding_a.municipality, by=coordinator)
    events = AuditEvent.objects.count()
    api = basic_client("fac_a_bis")
    response = post_json(api, f"/api/tasks/{task.pk}/complete/", draft_post())
    assert response.status_code == 409
    assert response.json()["detail"] == "Otra persona ya tomó esta tarea."
    assert api.get(f"/api/tasks/{task.pk}/form/").status_code == 409
    assert AuditEvent.objects.count() == events
    task.refresh_from_db()
    assert task.status == "ASSIGNED" and task.owner == facilitator_a


def test_done_unclaimed_and_never_ones_work(onboarding_a, facilitator_a, coordinator, auditor):
    draft = open_task(onboarding_a)
    done = post_json(basic_client("fac_a"), f"/api/tasks/{draft.pk}/complete/", draft_post())
    assert done.status_code == 200, done.content
    review = open_task(onboarding_a)

    # Done: 409, to the person who did it too.
    again = post_json(basic_client("fac_a"), f"/api/tasks/{draft.pk}/complete/", draft_post())
    assert again.status_code == 409

    # Waiting to be taken: the coordinator reads its form, and must claim before completing.
    coordination = basic_client("coord")
    form = coordination.get(f"/api/tasks/{review.pk}/form/")
    assert form.status_code == 200
    decision = next(field for field in form.json()["fields"] if field["name"] == "decision")
    assert decision["type"] == "choice" and decision["required"]
    assert {choice["value"] for choice in decision["choices"]} == {"approve", "return"}
    events = AuditEvent.objects.count()
    approve = {"decision": "approve", "comment": ""}
    response = post_json(coordination, f"/api/tasks/{review.pk}/complete/", approve)
    assert response.status_code == 409 and AuditEvent.objects.count() == events

    # An auditor sees every task and does none: 403, nothing recorded.
    auditing = basic_client("aud")
    response = post_json(auditing, f"/api/tasks/{review.pk}/complete/", approve)
    assert response.status_code == 403
    assert auditing.get(f"/api/tasks/{review.pk}/form/").status_code == 403
    assert AuditEvent.objects.count() == events

    # Claimed, the review completes; the returned draft goes back to the facilitator.
    assert post_json(coordination, f"/api/tasks/{review.pk}/claim/", {}).status_code == 200
    back = {"decision": "return", "comment": ""}
    response = post_json(coordination, f"/api/tasks/{review.pk}/complete/", back)
    assert response.status_code == 400
    assert response.json()["comment"] == ["Indique qué se debe cambiar al devolver."]
    back["comment"] = "Precise los compromisos."
    response = post_json(coordination, f"/api/tasks/{review.pk}/complete/", back)
    assert response.status_code == 200, response.content
    rework = Task.objects.get(pk=response.json()["next_tasks"][0]["id"])
    assert rework.owner == facilitator_a and rework.flow_task.name == draft.flow_task.name


def test_every_start_refuses_who_cannot_start_it(facilitator_a, auditor, coordinator):
    auditing = basic_client("aud")
    for kind in ("onboarding", "hiring", "networks", "projects", "cases", "finance"):
        assert auditing.get(f"/api/processes/{kind}/").status_code == 403, kind
        assert post_json(auditing, f"/api/processes/{kind}/", {}).status_code == 403, kind
    assert not Process.objects.exists()


def test_onboarding_start_errors_are_the_forms(facilitator_a, member_a, facilitator_b):
    api = basic_client("fac_a")
    municipality = other_municipality(facilitator_a, member_a)
    theirs = other_municipality(facilitator_b)
    response = post_json(
        api, "/api/processes/onboarding/", {"municipality": theirs.pk, "mayor_name": "X"}
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["municipality"] and errors["official_email"] == ["Este campo es requerido."]
    body = {"municipality": municipality.pk, **{k: v for k, v in AUTHORITIES.items() if v}}
    assert post_json(api, "/api/processes/onboarding/", body).status_code == 201
    again = post_json(api, "/api/processes/onboarding/", body)
    assert again.status_code == 400 and again.json()["municipality"]
    assert Process.objects.count() == 1
    assert Municipality.objects.get(pk=municipality.pk).is_member is False


def test_a_form_with_a_file_is_sent_as_multipart(onboarding_a, facilitator_a, coordinator):
    from workflows import services as tasks

    tasks.complete(open_task(onboarding_a), facilitator_a, draft_post())
    tasks.take_and_complete(open_task(onboarding_a), coordinator, {"decision": "approve"})
    upload = open_task(onboarding_a)
    api = basic_client("fac_a")
    form = api.get(f"/api/tasks/{upload.pk}/form/").json()
    assert form["content_type"] == "multipart/form-data"
    document = next(f for f in form["fields"] if f["name"] == "signed_document")
    assert document["type"] == "file" and document["required"]
    assert document["label"] == "Convenio firmado (PDF)"

    events = AuditEvent.objects.count()
    url = f"/api/tasks/{upload.pk}/complete/"
    signed_on = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    fake = signed_pdf(content=b"not a pdf")
    refused = api.post(url, {"signed_document": fake, "signed_on": signed_on})
    assert refused.status_code == 400 and list(refused.json()) == ["signed_document"]
    assert AuditEvent.objects.count() == events

    done = api.post(url, {"signed_document": signed_pdf(), "signed_on": signed_on})
    assert done.status_code == 200, done.content
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    assert agreement.state == Agreement.State.SIGNED and agreement.signed_document
    assert agreement.signed_on.isoformat() == signed_on
