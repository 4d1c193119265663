"""Defining a special project (and starting its launch process) through the API."""

from workflows.api import StartProcessView, start_schema
from workflows.selectors import processes_about

from . import services
from .forms import ProjectDefinitionForm


@start_schema(
    "project",
    {"new_line": "Finanzas municipales", "title": "Presupuesto participativo", "lead": 7},
    "Define a special project in a line, existing or new, and name its lead (the "
    "coordination). The lead's proposal is the first task.",
)
class DefineProject(StartProcessView):
    form_class = ProjectDefinitionForm

    def allowed(self, user):
        return user.has_perm(services.APPROVE)

    def start(self, user, cleaned_data):
        project = services.define(user, cleaned_data)
        return project, list(processes_about(project))
