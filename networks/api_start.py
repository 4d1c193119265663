"""Proposing a network (and starting its setup process) through the API, as its page does."""

from workflows.api import StartProcessView, start_schema
from workflows.roles import Role, has_role
from workflows.selectors import processes_about

from . import services
from .forms import ProposalForm


@start_schema(
    "network",
    {
        "theme": 1,
        "name": "Red de catastro municipal",
        "sector": "Hacienda",
        "objectives": "Compartir prácticas de actualización catastral.",
        "visibility": "public",
        "target_municipalities": [12, 15],
    },
    "Propose a thematic network (a specialist). The coordination's review is the first task.",
)
class ProposeNetwork(StartProcessView):
    form_class = ProposalForm

    def allowed(self, user):
        return has_role(user, Role.SPECIALIST)

    def start(self, user, cleaned_data):
        network = services.propose(user, cleaned_data)
        return network, list(processes_about(network))
