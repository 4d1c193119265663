"""Who is eligible for a network or a special project, and whose data may be shown."""

from django.contrib.auth import get_user_model

from workflows.roles import Role

from .models import Contract, Evaluation, Position
from .permissions import can_see_personal_data


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


def position_panel(*, task, subject, user):
    """What a hiring task page shows above its form, in the same few queries at any size.

    The candidates come with their evaluations, best total first once they are
    scored; ``personal`` says whether the viewer may see who they are (names, CVs,
    the evaluator's notes): coordination staff only.
    """
    position = Position.objects.select_related("theme", "network").get(pk=subject.pk)
    candidates = list(
        position.candidates.select_related("evaluation__evaluator").order_by("number")
    )
    scored = [c for c in candidates if getattr(c, "evaluation", None) is not None]
    ranked = sorted(scored, key=lambda c: (-c.evaluation.total, c.number))
    return {
        "position": position,
        "candidates": candidates,
        "ranked": ranked,
        "unscored": [c for c in candidates if c not in scored],
        "criteria": Evaluation.CRITERIA,
        "hired": next((c for c in candidates if c.pk == position.hired_id), None),
        "contract": Contract.objects.filter(position=position).first(),
        "personal": can_see_personal_data(user),
    }
