"""A signed copy that is wrong or illegible goes back to the facilitator, with comments,
and comes back to the coordination for activation; the agreement's documents are served
privately."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, Authority
from notifications.models import Notification
from workflows import actions
from workflows import services as wf
from workflows.models import AuditEvent

from ..conftest import open_task, signed_pdf, start
from .test_task_panels import approve, page_of, text_of

pytestmark = pytest.mark.django_db

COMMENT = "La segunda página no se lee y falta el sello de la alcaldía."


def task_url(task):
    return reverse("workflows:task_detail", args=[task.pk])


def signed(process, facilitator, coordinator, day=None):
    """Approved, signed copy uploaded: the activation waits for ``coordinator``."""
    approve(process, facilitator, coordinator)
    upload_signed(process, facilitator, day)
    activation = open_task(process)
    assert activation.flow_task.name == "activate_membership"
    wf.claim(activation, coordinator)
    activation.refresh_from_db()
    return activation


def upload_signed(process, facilitator, day=None, name="convenio.pdf"):
    day = day or timezone.localdate() - datetime.timedelta(days=2)
    wf.complete(
        open_task(process),
        facilitator,
        {"signed_document": signed_pdf(name), "signed_on": day, "comment": ""},
    )


def test_the_coordination_returns_the_signed_copy_and_activates_the_next(
    client, onboarding_a, facilitator_a, coordinator, municipality_a
):
    first_day = timezone.localdate() - datetime.timedelta(days=5)
    activation = signed(onboarding_a, facilitator_a, coordinator, first_day)
    client.force_login(coordinator)
    html = page_of(client, activation)
    assert 'value="return"' in html and "Devolver el convenio firmado con observaciones" in html

    # Returning needs a comment: without one nothing changes.
    response = client.post(task_url(activation), {"decision": "return", "comment": ""})
    assert response.status_code == 200
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.SIGNED

    response = client.post(task_url(activation), {"decision": "return", "comment": COMMENT})
    assert response.status_code == 302
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    assert agreement.state == Agreement.State.APPROVED
    assert agreement.review_comment == COMMENT
    municipality_a.refresh_from_db()
    assert not municipality_a.is_member
    event = AuditEvent.objects.get(action="agreement.return_signature")
    assert event.comment == COMMENT and event.actor == coordinator
    assert (event.before["state"], event.after["state"]) == ("signed", "approved")
    assert str(actions.label("agreement.return_signature")) != "agreement.return_signature"
    assert Notification.objects.filter(recipient=facilitator_a, kind="returned").exists()

    # The upload reopens for the facilitator, under the coordinator's comment.
    again = open_task(onboarding_a)
    assert again.flow_task.name == "upload_signed_agreement" and again.owner == facilitator_a
    client.force_login(facilitator_a)
    html = page_of(client, again)
    assert COMMENT in text_of(html, "returned")
    assert "La copia firmada que se cargó antes fue devuelta" in text_of(html)
    assert reverse("agreements:signed_document", args=[agreement.pk]) in html

    # A new copy goes back to the coordination, who sees what changed and activates.
    new_day = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        task_url(again),
        {"signed_document": signed_pdf("legible.pdf"), "signed_on": new_day.isoformat()},
    )
    assert response.status_code == 302
    second = open_task(onboarding_a)
    assert second.flow_task.name == "activate_membership" and second.owner == coordinator
    client.force_login(coordinator)
    changes = text_of(page_of(client, second), "changes")
    assert COMMENT in changes  # what was asked, beside what changed
    assert f"{first_day:%d/%m/%Y} {new_day:%d/%m/%Y}" in changes
    response = client.post(task_url(second), {"decision": "approve", "confirm": "on"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    municipality_a.refresh_from_db()
    assert agreement.state == Agreement.State.ACTIVE and municipality_a.is_member
    onboarding_a.refresh_from_db()
    assert onboarding_a.status == "DONE"


def test_activating_needs_the_confirmation(client, onboarding_a, facilitator_a, coordinator):
    activation = signed(onboarding_a, facilitator_a, coordinator)
    client.force_login(coordinator)
    response = client.post(task_url(activation), {"decision": "approve", "comment": ""})
    assert response.status_code == 200
    assert "Confirme que revisó el convenio firmado para activarlo." in response.content.decode()
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.SIGNED
    # A form that says nothing of the decision activates, as the step always did.
    response = client.post(task_url(activation), {"confirm": "on", "comment": ""})
    assert response.status_code == 302
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.ACTIVE


def test_the_activation_reads_as_many_rows_for_two_authorities_as_for_six(
    client, facilitator_a, coordinator, region_a
):
    municipalities = list(region_a.municipalities.order_by("code")[:2])
    counts = []
    for municipality, extra in zip(municipalities, (0, 4), strict=True):
        process = start(facilitator_a, municipality)
        Authority.objects.bulk_create(
            Authority(municipality=municipality, kind="official", name=f"Concejal {n}")
            for n in range(extra)
        )
        activation = signed(process, facilitator_a, coordinator)
        client.force_login(coordinator)
        page_of(client, activation)
        with CaptureQueriesContext(connection) as queries:
            panel = text_of(page_of(client, activation))
        assert panel.count("Concejal") == extra
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_agreement_documents_are_private(client, onboarding_a, facilitator_a, coordinator):
    signed(onboarding_a, facilitator_a, coordinator)
    client.force_login(facilitator_a)
    for name in ("agreement_pdf", "signed_document"):
        response = client.get(reverse(f"agreements:{name}", args=[onboarding_a.subject_id]))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
