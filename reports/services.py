"""Generating report files in the background, with visible progress."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import outbox

from . import pdf, selectors
from .models import ReportFile


def request_report(user, start, end):
    """Record the request and its background job together (the broker may be down)."""
    with transaction.atomic():
        report = ReportFile.objects.create(period_start=start, period_end=end, requested_by=user)
        outbox.enqueue("reports.tasks.generate_report", report.pk)
    return report


def generate(pk):
    """Build the PDF of one requested report; safe to run twice (a done report is kept)."""
    with transaction.atomic():
        report = ReportFile.objects.select_for_update().filter(pk=pk).first()
        if report is None or report.status == ReportFile.Status.DONE:
            return report
        report.status, report.progress = ReportFile.Status.RUNNING, 10
        report.save(update_fields=["status", "progress"])
    try:
        user = report.requested_by or _programme_reader()
        figures = selectors.build(user, report.period_start, report.period_end)
        ReportFile.objects.filter(pk=pk).update(progress=60)
        content = pdf.render(figures, user)
        name = f"informe-{report.period_start:%Y%m%d}-{report.period_end:%Y%m%d}.pdf"
        report.file.save(name, ContentFile(content), save=False)
        report.status, report.progress = ReportFile.Status.DONE, 100
        report.save(update_fields=["file", "status", "progress"])
    except Exception as error:
        ReportFile.objects.filter(pk=pk).update(status=ReportFile.Status.FAILED, error=str(error))
        raise
    return report


def _programme_reader():
    """Monthly reports cover the whole programme: read as the first coordinator."""
    return (
        get_user_model()
        .objects.filter(groups__name="coordinator", is_active=True)
        .order_by("pk")
        .first()
    )


def monthly_report(today=None):
    """Create and generate last month's report once, however often it is called."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    if _programme_reader() is None:
        return None
    try:
        with transaction.atomic():
            report = ReportFile.objects.create(period_start=start, period_end=end, monthly=True)
    except IntegrityError:
        report = ReportFile.objects.get(period_start=start, monthly=True)
    return generate(report.pk)
