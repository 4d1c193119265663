from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialprojectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "specialprojects"
    verbose_name = _("Special projects")
