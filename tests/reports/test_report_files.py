import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reports import services
from reports.models import ReportFile

pytestmark = pytest.mark.django_db


def _text(report):
    with report.file.open("rb") as handle:
        return " ".join(
            " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages).split()
        )


def test_requested_report_is_generated_in_the_background(
    client, coordinator, onboarding_a, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("reports:files"), {"start": "2026-01-01", "end": "2026-12-31"})
    report = ReportFile.objects.get()
    assert report.status == ReportFile.Status.PENDING  # the request did not build it
    page = client.get(reverse("reports:files")).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    for callback in callbacks:
        callback()  # the worker (eager here) builds it
    report.refresh_from_db()
    assert report.status == ReportFile.Status.DONE and report.progress == 100
    assert "Informe de avance del programa" in _text(report) and "31/12/2026" in _text(report)
    download = client.get(reverse("reports:download", args=[report.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert 'http-equiv="refresh"' not in client.get(reverse("reports:files")).content.decode()


def test_monthly_report_once_per_month(coordinator, onboarding_a):
    first = services.monthly_report(today=datetime.date(2026, 11, 1))
    again = services.monthly_report(today=datetime.date(2026, 11, 3))
    assert first.pk == again.pk
    assert ReportFile.objects.filter(monthly=True).count() == 1
    assert (first.period_start, first.period_end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    assert "01/10/2026" in _text(first)


def test_who_may_see_and_request_report_files(client, facilitator_a, auditor, coordinator):
    client.force_login(facilitator_a)
    assert client.get(reverse("reports:files")).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("reports:files")).status_code == 200
    response = client.post(reverse("reports:files"), {"start": "2026-01-01", "end": "2026-01-31"})
    assert response.status_code == 403 and not ReportFile.objects.exists()
