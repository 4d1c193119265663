"""Who sees which projects, and the portfolio's figures in a constant number of queries."""

from django.db.models import Count, Q
from django.utils import timezone

from workflows.permissions import sees_everything

from .models import Project


def visible_projects(user):
    if not user.is_authenticated:
        return Project.objects.none()
    if sees_everything(user):
        return Project.objects.all()
    return Project.objects.filter(team__user=user, team__declined=False).distinct()


def portfolio(user, params):
    today = timezone.localdate()
    projects = (
        visible_projects(user)
        .select_related("line", "lead", "currency")
        .annotate(
            late=Count(
                "milestones",
                filter=Q(milestones__completed_at__isnull=True, milestones__due_on__lt=today),
                distinct=True,
            ),
            milestone_count=Count("milestones", distinct=True),
            done=Count(
                "milestones", filter=Q(milestones__completed_at__isnull=False), distinct=True
            ),
        )
        .order_by("line__name", "title")
    )
    if str(params.get("line") or "").isdigit():
        projects = projects.filter(line_id=int(params["line"]))
    if params.get("state") in Project.State.values:
        projects = projects.filter(state=params["state"])
    if params.get("late") == "1":
        projects = projects.filter(late__gt=0)
    return projects


def timeline(project):
    """The milestones and their bars on a Gantt-like chart, as percentages of the span."""
    milestones = list(project.milestones.select_related("responsible"))
    start = min((m.starts_on for m in milestones), default=None)
    end = max((m.due_on for m in milestones), default=None)
    span = max(((end - start).days if start and end else 1), 1)
    bars = [
        {
            "milestone": m,
            "left": round(100 * (m.starts_on - start).days / span, 2),
            "width": max(round(100 * ((m.due_on - m.starts_on).days or 1) / span, 2), 1.5),
        }
        for m in milestones
    ]
    return milestones, bars, start, end


def project_panel(*, task, subject, user):
    """What a project's task page shows above its form, in the same few queries at any size.

    The proposal with its related rows, each read once; for a member's confirmation,
    their place in the team, and for a milestone's delivery, that milestone.
    """
    project = Project.objects.select_related("line", "lead", "currency", "created_by").get(
        pk=subject.pk
    )
    milestones = list(project.milestones.select_related("responsible"))
    team = list(project.team.select_related("user").order_by("pk"))
    data = task.data or {}
    return {
        "project": project,
        "indicators": list(project.indicators.all()),
        "milestones": milestones,
        "delivered": [m for m in milestones if m.completed_at],
        "team": team,
        "municipalities": list(project.municipalities.select_related("region")),
        "member": next((m for m in team if m.pk == data.get("member")), None),
        "milestone": next((m for m in milestones if m.pk == data.get("milestone")), None),
    }
