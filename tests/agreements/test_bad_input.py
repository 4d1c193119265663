"""Bad input gets a clear, translated message at the right field, and nothing is stored."""

import pytest
from django.urls import reverse

from agreements.models import Agreement
from workflows import services
from workflows.models import AuditEvent

from ..conftest import draft_post, open_task, signed_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(onboarding_a, facilitator_a, coordinator):
    import datetime

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    services.complete(open_task(onboarding_a), facilitator_a, data)
    review = open_task(onboarding_a)
    services.claim(review, coordinator)
    services.complete(review, coordinator, {"decision": "approve", "comment": ""})
    return open_task(onboarding_a)


def _upload(client, task, upload, signed_on="2026-11-20"):
    return client.post(
        reverse("workflows:task_detail", args=[task.pk]),
        {"signed_document": upload, "signed_on": signed_on, "comment": ""},
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("convenio.docx", b"PK\x03\x04 not a pdf", "extensión"),
        ("convenio.pdf", b"MZ\x90\x00 an executable renamed", "El archivo no es un documento PDF."),
    ],
)
def test_non_pdf_upload_is_refused(client, approved, facilitator_a, name, content, message):
    client.force_login(facilitator_a)
    before = AuditEvent.objects.count()
    response = _upload(client, approved, signed_pdf(name, content))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["signed_document"])
    assert message in errors
    agreement = Agreement.objects.get(pk=approved.process.subject_id)
    assert agreement.state == "approved" and not agreement.signed_document
    assert AuditEvent.objects.count() == before


def test_oversized_upload_is_refused(client, approved, facilitator_a, settings):
    settings.MAX_DOCUMENT_SIZE = 1024
    client.force_login(facilitator_a)
    response = _upload(client, approved, signed_pdf(content=b"%PDF-1.4\n" + b"0" * 4096))
    assert "el límite es" in " ".join(response.context["form"].errors["signed_document"])
    assert Agreement.objects.get(pk=approved.process.subject_id).state == "approved"


def test_future_signature_date_is_refused(client, approved, facilitator_a):
    client.force_login(facilitator_a)
    response = _upload(client, approved, signed_pdf(), signed_on="2999-01-01")
    assert "no puede ser futura" in " ".join(response.context["form"].errors["signed_on"])


def test_missing_required_field_names_the_field(client, onboarding_a, facilitator_a):
    client.force_login(facilitator_a)
    task = open_task(onboarding_a)
    before = AuditEvent.objects.count()
    response = client.post(reverse("workflows:task_detail", args=[task.pk]), draft_post(scope=""))
    assert response.status_code == 200
    assert response.context["form"].errors["scope"] == ["Este campo es requerido."]
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "draft"
    assert AuditEvent.objects.count() == before


def test_end_before_start_is_refused(client, onboarding_a, facilitator_a):
    client.force_login(facilitator_a)
    task = open_task(onboarding_a)
    response = client.post(
        reverse("workflows:task_detail", args=[task.pk]),
        draft_post(start_date="2027-01-01", end_date="2026-01-01"),
    )
    assert "posterior" in " ".join(response.context["form"].errors["end_date"])


def test_return_without_comment_is_refused(client, onboarding_a, facilitator_a, coordinator):
    import datetime

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    services.complete(open_task(onboarding_a), facilitator_a, data)
    review = open_task(onboarding_a)
    services.claim(review, coordinator)
    client.force_login(coordinator)
    response = client.post(
        reverse("workflows:task_detail", args=[review.pk]), {"decision": "return", "comment": ""}
    )
    assert response.status_code == 200 and "comment" in response.context["form"].errors
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "in_review"


def test_crafted_post_for_illegal_transition_changes_nothing(client, onboarding_a, coordinator):
    """Activating a draft agreement through the membership URL is refused, with a message."""
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    client.force_login(coordinator)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("agreements:agreement_change", args=[agreement.pk, "terminate"]), follow=True
    )
    page = response.content.decode()
    assert f"mientras su estado sea «{agreement.get_state_display()}»" in page
    agreement.refresh_from_db()
    assert agreement.state == "draft"
    assert AuditEvent.objects.count() == before
    bogus = client.post(reverse("agreements:agreement_change", args=[agreement.pk, "activate"]))
    assert bogus.status_code == 404


def test_task_posted_by_someone_else_is_refused(client, onboarding_a, facilitator_a, coordinator):
    task = open_task(onboarding_a)
    client.force_login(coordinator)  # may see it, but it is not theirs
    response = client.post(reverse("workflows:task_detail", args=[task.pk]), draft_post())
    assert response.status_code == 403
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "draft"
