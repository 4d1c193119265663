"""Opening a position (and its hiring process) through the API, as its page does."""

from workflows.api import StartProcessView, start_schema

from . import services
from .forms import PositionForm
from .models import MANAGE_HIRING


@start_schema(
    "hiring",
    {
        "title": "Especialista en finanzas municipales",
        "profile": "Economista con experiencia en presupuesto público.",
        "expertise": "Clasificador presupuestario, ONAPRE",
        "project_name": "Finanzas municipales",
        "term_months": 12,
    },
    "Open a position and start its hiring process (the coordination). Registering the "
    "candidates is the first task.",
)
class OpenPosition(StartProcessView):
    form_class = PositionForm

    def allowed(self, user):
        return user.has_perm(MANAGE_HIRING)

    def start(self, user, cleaned_data):
        position, process = services.open_position(user, cleaned_data)
        return position, [process]
