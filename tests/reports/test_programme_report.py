import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from workflows.roles import Role

from ..conftest import make_user

pytestmark = pytest.mark.django_db


def test_coordinator_sees_every_region(client, coordinator, onboarding_a, onboarding_b):
    client.force_login(coordinator)
    report = client.get(reverse("reports:dashboard")).context["report"]
    regions = [name for name, _counts, _total in report.onboarding]
    assert onboarding_a.municipality.region.name in regions
    assert onboarding_b.municipality.region.name in regions
    assert report.municipalities == 335
    opened = {str(t): o for t, o, _c, _n in report.processes}
    assert opened["Incorporación municipal"] == 2


def test_facilitator_report_holds_only_their_municipalities(
    client, facilitator_a, onboarding_a, onboarding_b
):
    client.force_login(facilitator_a)
    response = client.get(reverse("reports:dashboard"))
    report = response.context["report"]
    assert [name for name, _c, _t in report.onboarding] == [onboarding_a.municipality.region.name]
    assert report.municipalities == onboarding_a.municipality.region.municipalities.count()
    page = response.content.decode()
    assert onboarding_b.municipality.region.name not in page.split('id="onboarding"')[1]
    pdf = client.get(reverse("reports:dashboard_pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert onboarding_a.municipality.region.name in text
    assert onboarding_b.municipality.region.name not in text


def test_region_filter_and_draft_counts(client, coordinator, onboarding_a, onboarding_b):
    client.force_login(coordinator)
    region = onboarding_b.municipality.region
    report = client.get(reverse("reports:dashboard"), {"region": region.pk}).context["report"]
    [(name, counts, total)] = report.onboarding
    assert name == region.name and total == region.municipalities.count()
    draft_column = [value for value, _label in report.states].index("draft")
    assert counts[draft_column] == 1


def test_pdf_text(client, coordinator, onboarding_a):
    client.force_login(coordinator)
    response = client.get(
        reverse("reports:dashboard_pdf"), {"start": "2026-01-01", "end": "2026-12-31"}
    )
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Informe de avance del programa" in text
    assert "01/01/2026" in text and "31/12/2026" in text
    assert "Incorporación municipal" in text


def test_officers_and_specialists_have_no_programme_report(client, db):
    for role in (Role.MUNICIPAL_OFFICER, Role.SPECIALIST):
        user = make_user(f"u_{role}", role)
        client.force_login(user)
        assert client.get(reverse("reports:dashboard")).status_code == 403


def test_bad_period_is_refused_with_a_message(client, coordinator):
    client.force_login(coordinator)
    response = client.get(
        reverse("reports:dashboard"), {"start": "2026-05-01", "end": "2026-01-01"}
    )
    assert "end" in response.context["form"].errors
