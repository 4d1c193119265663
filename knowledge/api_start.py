"""Registering an innovation case (and starting its systematisation) through the API."""

from workflows.api import StartProcessView, start_schema
from workflows.selectors import processes_about

from . import services
from .forms import CaseRegistrationForm


@start_schema(
    "case",
    {
        "title": "Ventanilla única de trámites",
        "municipality": 12,
        "theme": 1,
        "summary": "Un solo punto de atención para los trámites municipales.",
        "contact_name": "Ana Torres",
        "contact_email": "atencion@alcaldia.gob.ve",
        "started_on": "2025-03-01",
    },
    "Register an innovation case (a facilitator or officer for their municipalities, a "
    "specialist anywhere). Its systematisation is the first task.",
)
class RegisterCase(StartProcessView):
    form_class = CaseRegistrationForm

    def allowed(self, user):
        return services.registrable_municipalities(user).exists()

    def form_kwargs(self, user):
        return {"municipalities": services.registrable_municipalities(user)}

    def start(self, user, cleaned_data):
        case = services.register_case(user, cleaned_data)
        return case, list(processes_about(case))
