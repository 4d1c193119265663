from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Programme progress reports: reads every domain app, owns no process."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Programme reports")
