"""The programme's roles. A role is a Django group; what it may do is permissions.

Global roles act everywhere (coordination staff, specialists, auditors); scoped
roles act only for the municipalities they hold an object permission on.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """A role is named by the function, not the person ("Coordinación", "Facilitación
    local"): the label sits beside people's names and heads their queues, and Spanish
    would otherwise give every woman a masculine title."""

    COORDINATOR = "coordinator", pgettext_lazy("role", "Coordinator")
    DEPUTY_COORDINATOR = "deputy_coordinator", pgettext_lazy("role", "Deputy coordinator")
    LOGISTICS_COORDINATOR = "logistics_coordinator", pgettext_lazy("role", "Logistics coordinator")
    ASSISTANT = "assistant", pgettext_lazy("role", "Assistant")
    FACILITATOR = "facilitator", pgettext_lazy("role", "Local facilitator")
    SPECIALIST = "specialist", pgettext_lazy("role", "Specialist")
    AUDITOR = "auditor", pgettext_lazy("role", "Auditor")
    MUNICIPAL_OFFICER = "municipal_officer", pgettext_lazy("role", "Municipal officer")
    KNOWLEDGE_CURATOR = "knowledge_curator", pgettext_lazy("role", "Knowledge team")
    PROJECT_TEAM = "project_team", pgettext_lazy("role", "Project team member")


COORDINATION_STAFF = (
    Role.COORDINATOR,
    Role.DEPUTY_COORDINATOR,
    Role.LOGISTICS_COORDINATOR,
    Role.ASSISTANT,
)

# A task's role names who may take it: a global permission for global roles, an
# object permission on the task's scope object for scoped roles.
GLOBAL_ROLE_PERMISSIONS = {
    Role.COORDINATOR: "workflows.act_as_coordinator",
    Role.SPECIALIST: "workflows.act_as_specialist",
    Role.LOGISTICS_COORDINATOR: "workflows.act_as_logistics",
    Role.ASSISTANT: "workflows.act_as_assistant",
    Role.KNOWLEDGE_CURATOR: "workflows.act_as_curator",
    Role.DEPUTY_COORDINATOR: "workflows.act_as_deputy",
}


def scoped_role_permissions():
    return settings.WORKFLOWS_SCOPED_ROLE_PERMISSIONS


def task_permission(role):
    """The permission a task of ``role`` requires, and whether it is per object."""
    role = Role(role)
    scoped = scoped_role_permissions()
    if role in scoped:
        return scoped[role], True
    if role in GLOBAL_ROLE_PERMISSIONS:
        return GLOBAL_ROLE_PERMISSIONS[role], False
    raise ValueError(f"Role {role} cannot hold tasks")


def user_roles(user):
    """The set of role names a user holds, cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_pagg_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._pagg_roles = cached
    return cached


def has_role(user, *roles):
    return bool(user_roles(user) & {str(r) for r in roles})


def is_coordination_staff(user):
    return has_role(user, *COORDINATION_STAFF)


def only_reads(user):
    """Auditors read everything and change nothing, unless they also hold a working role."""
    roles = user_roles(user)
    return str(Role.AUDITOR) in roles and roles <= {str(Role.AUDITOR)}
