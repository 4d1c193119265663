"""Starting a municipality's onboarding through the API, as its start page does."""

from workflows.api import StartProcessView, start_schema

from . import scope, services
from .forms import StartOnboardingForm


@start_schema(
    "onboarding",
    {
        "municipality": 12,
        "population": 85000,
        "mayor_name": "María Pérez",
        "official_name": "José Rodríguez",
        "official_position": "Director de Planificación",
        "official_email": "planificacion@alcaldia.gob.ve",
    },
    "Register the municipality's authorities and start its onboarding (a facilitator, for "
    "a municipality of their territory that is not a member yet). The agreement's draft "
    "is the first task, the facilitator's.",
)
class StartOnboarding(StartProcessView):
    form_class = StartOnboardingForm
    error_field = "municipality"  # as on the page: why this municipality cannot start

    def _municipalities(self, user):
        return scope.facilitated_municipalities(user).filter(is_member=False)

    def allowed(self, user):
        return self._municipalities(user).exists()

    def form_kwargs(self, user):
        return {"municipalities": self._municipalities(user)}

    def start(self, user, cleaned_data):
        process = services.start_onboarding(user, cleaned_data["municipality"], cleaned_data)
        return process.subject, [process]
