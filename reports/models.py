"""Generated report files: the history of programme reports, each with its progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportFile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    monthly = models.BooleanField(_("monthly report"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/", blank=True)
    error = models.TextField(blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start"],
                condition=models.Q(monthly=True),
                name="one_monthly_report_per_month",
            )
        ]

    def __str__(self):
        return f"{self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"
