from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staffing"
    verbose_name = _("Staffing")
