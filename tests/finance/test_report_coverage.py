"""The programme report's finance coverage, scoped like the rest of the report."""

import io

from django.urls import reverse
from pypdf import PdfReader

from finance import services

from .conftest import quarter_file, submission_of


def test_coverage_per_period_scoped_to_the_facilitator(
    client, period, member_a, member_b, officer_a, facilitator_a, coordinator
):
    services.receive_upload(submission_of(member_a, period), officer_a, "d.csv", quarter_file())
    services.submit_for_review(submission_of(member_a, period), officer_a, "")
    dates = {"start": "2026-01-01", "end": "2026-12-31"}

    client.force_login(coordinator)
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.finance == [(period, 2, 1, 0, 1)]

    client.force_login(facilitator_a)
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.finance == [(period, 1, 1, 0, 0)]
    pdf = client.get(reverse("reports:dashboard_pdf"), dates)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Cobertura de envíos financieros" in text
    assert "1.er trimestre de 2026" in text
