"""The whole onboarding, walked through the web UI by each role, with a return-and-resubmit loop."""

import pytest
from django.urls import reverse

from agreements.models import Agreement, Authority
from workflows.models import AuditEvent, Process, Task

from ..conftest import AUTHORITIES, draft_post, open_task, signed_pdf

pytestmark = pytest.mark.django_db


def post_task(client, task, data):
    return client.post(reverse("workflows:task_detail", args=[task.pk]), data)


def test_onboarding_end_to_end(client, facilitator_a, coordinator, municipality_a):
    # Facilitator registers the municipality and its authorities.
    client.force_login(facilitator_a)
    response = client.post(
        reverse("agreements:start_onboarding"), {"municipality": municipality_a.pk, **AUTHORITIES}
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(municipality=municipality_a)
    assert agreement.state == Agreement.State.DRAFT
    assert Authority.objects.filter(municipality=municipality_a, name="Alcaldesa Prueba").exists()
    process = agreement_process = Process.objects.get(subject_id=agreement.pk)

    # The draft lands in the facilitator's inbox, with a due date from its SLA.
    draft = open_task(process)
    assert draft.owner == facilitator_a and draft.due_at is not None
    inbox = client.get(reverse("workflows:inbox"))
    assert "Redactar el convenio de cooperación" in inbox.content.decode()

    assert post_task(client, draft, draft_post()).status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.IN_REVIEW

    # The review waits in the coordinators' queue; the coordinator claims and returns it.
    review = open_task(process)
    assert review.owner is None and review.role == "coordinator"
    client.force_login(coordinator)
    assert f'href="/tasks/{review.pk}/"' in client.get(reverse("workflows:queue")).content.decode()
    client.post(reverse("workflows:task_claim", args=[review.pk]))
    response = post_task(client, review, {"decision": "return", "comment": "Precisar compromisos"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.RETURNED
    assert agreement.review_comment == "Precisar compromisos"

    # Back to the facilitator who drafted it, who sees the comment and resubmits.
    redraft = open_task(process)
    assert redraft.flow_task.name == "draft_agreement" and redraft.owner == facilitator_a
    client.force_login(facilitator_a)
    assert (
        "Precisar compromisos"
        in client.get(reverse("workflows:task_detail", args=[redraft.pk])).content.decode()
    )
    post_task(client, redraft, draft_post(commitments="Compromisos precisados"))
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.IN_REVIEW

    client.force_login(coordinator)
    review = open_task(process)
    client.post(reverse("workflows:task_claim", args=[review.pk]))
    post_task(client, review, {"decision": "approve", "comment": ""})
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.APPROVED

    # The facilitator uploads the signed agreement.
    client.force_login(facilitator_a)
    upload = open_task(process)
    assert upload.flow_task.name == "upload_signed_agreement"
    response = client.post(
        reverse("workflows:task_detail", args=[upload.pk]),
        {"signed_document": signed_pdf(), "signed_on": "2026-11-20", "comment": ""},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.SIGNED and agreement.signed_document

    # The coordinator activates: the municipality is a member with its facilitator.
    client.force_login(coordinator)
    activate = open_task(process)
    client.post(reverse("workflows:task_claim", args=[activate.pk]))
    post_task(client, activate, {"confirm": "on", "comment": "Bienvenidos"})
    agreement.refresh_from_db()
    municipality_a.refresh_from_db()
    agreement_process.refresh_from_db()
    assert agreement.state == Agreement.State.ACTIVE
    assert municipality_a.is_member and municipality_a.facilitator == facilitator_a
    assert agreement_process.status == "DONE"

    # Every decision is in the audit trail, in order, with its actor and comment.
    actions = list(
        AuditEvent.objects.filter(process=agreement_process).values_list("action", flat=True)
    )
    for expected in [
        "agreement.submit",
        "agreement.return_for_changes",
        "agreement.approve",
        "agreement.sign",
        "agreement.activate",
        "task.claimed",
        "task.completed",
    ]:
        assert expected in actions
    returned = AuditEvent.objects.get(
        process=agreement_process, action="agreement.return_for_changes"
    )
    assert returned.actor == coordinator and returned.comment == "Precisar compromisos"
    assert returned.before["state"] == "in_review" and returned.after["state"] == "returned"

    # The history page shows the timeline to the coordinator.
    page = client.get(
        reverse("workflows:process_detail", args=[agreement_process.pk])
    ).content.decode()
    assert "Convenio devuelto con observaciones" in page and "Precisar compromisos" in page


def test_case_file_shows_authorities_agreement_and_processes(client, onboarding_a, facilitator_a):
    client.force_login(facilitator_a)
    page = client.get(
        reverse("agreements:municipality_detail", args=[onboarding_a.municipality_id])
    ).content.decode()
    assert "Alcaldesa Prueba" in page
    assert "Borrador" in page  # agreement state, in Spanish
    assert onboarding_a.title in page


def test_contact_creates_follow_up_task_in_assignee_inbox(client, facilitator_a, municipality_a):
    client.force_login(facilitator_a)
    response = client.post(
        reverse("agreements:contact_create", args=[municipality_a.pk]),
        {
            "date": "2026-11-20",
            "kind": "visit",
            "participants": "Alcaldesa, Hacienda",
            "agreed": "Enviar el presupuesto",
            "follow_up": "Enviar el presupuesto aprobado",
            "follow_up_role": "facilitator",
            "follow_up_assignee": facilitator_a.pk,
            "follow_up_due": "2030-01-15",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(flow_task_type="HUMAN", municipality=municipality_a)
    assert task.owner == facilitator_a
    assert task.due_at.date().isoformat() == "2030-01-15"
    inbox = client.get(reverse("workflows:inbox")).content.decode()
    assert "Dar seguimiento a un contacto" in inbox
    page = client.get(reverse("agreements:municipality_detail", args=[municipality_a.pk]))
    assert "Enviar el presupuesto" in page.content.decode()


def test_expiry_starts_renewal_task_for_facilitator(onboarding_a, facilitator_a, coordinator):
    from agreements import services
    from workflows import services as wf

    from ..conftest import draft_post as _draft

    process = onboarding_a
    data = _draft()
    data["start_date"] = data["end_date"] = None
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    wf.complete(
        open_task(process),
        facilitator_a,
        {
            "scope": "x",
            "commitments": "y",
            "contacts": "z",
            "start_date": today - datetime.timedelta(days=400),
            "end_date": today,
            "comment": "",
        },
    )
    review = open_task(process)
    wf.claim(review, coordinator)
    wf.complete(review, coordinator, {"decision": "approve", "comment": ""})
    wf.complete(
        open_task(process), facilitator_a, {"signed_document": signed_pdf(), "signed_on": today}
    )
    activate = open_task(process)
    wf.claim(activate, coordinator)
    wf.complete(activate, coordinator, {"confirm": True})

    assert services.expire_due_agreements() == 1
    assert services.expire_due_agreements() == 0  # idempotent
    old = Agreement.objects.get(pk=process.subject_id)
    assert old.state == Agreement.State.EXPIRED
    renewal = Agreement.objects.get(renewal_of=old)
    task = Task.objects.get(process__subject_id=renewal.pk, status="ASSIGNED")
    assert task.flow_task.name == "draft_agreement" and task.owner == facilitator_a


def test_registering_authorities_again_retires_the_current_ones(municipality_a, facilitator_a):
    """A second registration (after an abandoned onboarding) replaces, and the trail says so."""
    from agreements.services import register_authorities

    first = {"mayor_name": "Ana Pérez", "official_name": "Luis Gil", "population": 1_000}
    register_authorities(municipality_a, {**first, "official_position": "Director"}, facilitator_a)
    made = [str(a) for a in Authority.objects.filter(municipality=municipality_a)]
    register_authorities(
        municipality_a, {"mayor_name": "Berta Ruiz", "official_name": "Carla Díaz"}, facilitator_a
    )
    authorities = Authority.objects.filter(municipality=municipality_a)
    current = sorted(a.name for a in authorities if a.is_current)
    assert current == ["Berta Ruiz", "Carla Díaz"]
    assert sorted(a.name for a in authorities if not a.is_current) == ["Ana Pérez", "Luis Gil"]
    first_event, second_event = AuditEvent.objects.filter(
        action="municipality.registered", chain_key=f"agreements.municipality:{municipality_a.pk}"
    ).order_by("seq")
    assert first_event.before["authorities"] == [] and first_event.after["population"] == 1_000
    assert first_event.after["authorities"] == made
    assert second_event.before == {"population": 1_000, "authorities": made}
    assert second_event.after["authorities"] == [
        str(a) for a in authorities.filter(is_current=True).order_by("pk")
    ]


def test_an_onboarding_in_progress_is_told_as_the_queryset_tells_it(facilitator_a, municipality_a):
    """The start's written-out check against ``open_onboarding``, in every process state."""
    from django.utils import timezone

    from agreements.services import _onboarding_in_progress, open_onboarding

    from ..conftest import start

    def both():
        told = _onboarding_in_progress(municipality_a)
        assert told == open_onboarding(municipality_a).exists()
        return told

    assert both() is False
    process = start(facilitator_a, municipality_a)
    assert both() is True
    Process.objects.filter(pk=process.pk).update(status="CANCELED")
    assert both() is False
    Process.objects.filter(pk=process.pk).update(status="DONE", finished=timezone.now())
    assert both() is False
    Process.objects.filter(pk=process.pk).update(status="NEW", finished=None)
    assert both() is True


@pytest.mark.usefixtures("postgresql")
def test_the_locked_subject_is_the_row_the_orm_reads(onboarding_a, django_assert_num_queries):
    """``Process.locked_subject`` writes its read out: every field and the joined row agree."""
    import datetime

    from django.db import transaction

    Agreement.objects.filter(pk=onboarding_a.subject_id).update(
        scope="Ámbito", start_date=datetime.date(2026, 1, 1), facilitator=None
    )
    reference = Agreement.objects.select_related("municipality").get(pk=onboarding_a.subject_id)
    with transaction.atomic():
        agreement = onboarding_a.locked_subject("municipality", "facilitator")
        with django_assert_num_queries(0):
            assert agreement.municipality.name == reference.municipality.name
            assert agreement.facilitator is None
    fields = [f.attname for f in Agreement._meta.concrete_fields]
    assert [getattr(agreement, f) for f in fields] == [getattr(reference, f) for f in fields]
    municipality_fields = [f.attname for f in type(reference.municipality)._meta.concrete_fields]
    assert [getattr(agreement.municipality, f) for f in municipality_fields] == [
        getattr(reference.municipality, f) for f in municipality_fields
    ]
    assert agreement.signed_document.name == reference.signed_document.name
    assert not agreement._state.adding and onboarding_a.subject is agreement
