"""Who is eligible for a network or a special project, and whose data may be shown."""

from django.contrib.auth import get_user_model

from workflows.roles import Role

from .models import Contract, Position


def eligible_specialists(*, theme=None, network=None, project_name=None):
    """Active specialists who may work for a network (its theme's) or a named special project.

    A hire for a network adds the person to the theme's specialists, so the
    networks and cases of that theme see them; until special projects have their
    own records (issue 9), a project's specialists are those hired for its name.
    """
    User = get_user_model()
    qs = User.objects.filter(is_active=True, groups__name=Role.SPECIALIST)
    if network is not None:
        theme = network.theme
    if theme is not None:
        qs = qs.filter(themes=theme)
    if project_name:
        hired = Contract.objects.filter(
            position__project_name__iexact=project_name.strip(),
            position__state=Position.State.FILLED,
            specialist__isnull=False,
        ).values("specialist_id")
        qs = qs.filter(pk__in=hired)
    return qs.distinct().order_by("username")
