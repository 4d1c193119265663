"""The programme's progress and status figures, scoped to what the user may see."""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from viewflow.workflow.status import STATUS

from agreements.models import Agreement, Municipality, Region
from agreements.scope import visible_municipalities
from workflows.models import Process, Task
from workflows.registry import flows
from workflows.roles import Role

EXPIRING_DAYS = 90


@dataclass
class ProgrammeReport:
    start: datetime.date
    end: datetime.date
    region: Region | None
    onboarding: list = field(default_factory=list)  # (region, {state: count}, total)
    states: list = field(default_factory=list)
    active_agreements: int = 0
    expiring: list = field(default_factory=list)
    processes: list = field(default_factory=list)  # (type, opened, closed, open now)
    overdue: list = field(default_factory=list)  # (role label, region name, count)
    municipalities: int = 0
    finance: list = field(default_factory=list)  # (period, members, submitted, approved, missing)
    cases: dict = field(default_factory=dict)  # registered, published (in the dates), public now
    networks: list = field(default_factory=list)  # (network, members, municipalities)
    projects: list = field(default_factory=list)  # (project, milestones, late)


def build(user, start, end, region=None):
    """Figures for ``user``'s scope between ``start`` and ``end`` (dates, inclusive)."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end, datetime.time.max, tzinfo=tz)
    scope = visible_municipalities(user)
    if region is not None:
        scope = scope.filter(region=region)
    scope_ids = scope.values("pk")
    report = ProgrammeReport(start=start, end=end, region=region, municipalities=scope.count())

    latest_state = Subquery(
        Agreement.objects.filter(municipality=OuterRef("pk"))
        .order_by("-created")
        .values("state")[:1]
    )
    rows = (
        Municipality.objects.filter(pk__in=scope_ids)
        .annotate(state=latest_state)
        .values("region__name", "state")
        .annotate(n=Count("pk"))
        .order_by("region__name")
    )
    states = [choice for choice, _label in Agreement.State.choices]
    per_region = OrderedDict()
    for row in rows:
        counts = per_region.setdefault(row["region__name"], {s: 0 for s in [*states, None]})
        counts[row["state"]] += row["n"]
    report.states = [(None, "—")] + list(Agreement.State.choices)
    report.onboarding = [
        (name, [counts[s] for s, _ in report.states], sum(counts.values()))
        for name, counts in per_region.items()
    ]

    agreements = Agreement.objects.filter(municipality__in=scope_ids)
    report.active_agreements = agreements.filter(state=Agreement.State.ACTIVE).count()
    horizon = timezone.localdate() + datetime.timedelta(days=EXPIRING_DAYS)
    report.expiring = list(
        agreements.filter(state=Agreement.State.ACTIVE, end_date__lte=horizon)
        .select_related("municipality")
        .order_by("end_date")[:50]
    )

    processes = Process.objects.filter(municipality__in=scope_ids)
    counts = {
        row["flow_class"]: row
        for row in processes.values("flow_class").annotate(
            opened=Count("pk", filter=Q(created__range=(since, until))),
            closed=Count("pk", filter=Q(finished__range=(since, until))),
            open_now=Count("pk", filter=Q(finished__isnull=True) & ~Q(status="CANCELED")),
        )
    }
    for flow_class in flows():
        row = counts.get(flow_class, {"opened": 0, "closed": 0, "open_now": 0})
        report.processes.append(
            (flow_class.process_title, row["opened"], row["closed"], row["open_now"])
        )

    overdue = (
        Task.objects.filter(
            municipality__in=scope_ids,
            status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
            due_at__lt=timezone.now(),
        )
        .values("role", "municipality__region__name")
        .annotate(n=Count("pk"))
        .order_by("municipality__region__name", "role")
    )
    report.overdue = [
        (
            Role(row["role"]).label if row["role"] in Role.values else row["role"],
            row["municipality__region__name"],
            row["n"],
        )
        for row in overdue
    ]
    report.finance = finance_coverage(scope_ids, start, end)
    report.cases = innovation_cases(scope_ids, since, until)
    report.networks = networks_in(scope_ids)
    report.projects = projects_in(scope_ids)
    return report


def networks_in(scope_ids):
    """Live networks with a municipality of the scope, with their member counts."""
    from networks.models import Invitation, Network

    networks = (
        Network.objects.filter(state__in=[Network.State.ACTIVE, Network.State.PAUSED])
        .filter(
            pk__in=Invitation.objects.filter(
                municipality__in=scope_ids, answer=Invitation.Answer.ACCEPTED
            ).values("network")
        )
        .annotate(
            members=Count("memberships", distinct=True),
            towns=Count(
                "invitations",
                filter=Q(invitations__answer=Invitation.Answer.ACCEPTED),
                distinct=True,
            ),
        )
        .order_by("name")
    )
    return [(n, n.members, n.towns) for n in networks]


def projects_in(scope_ids):
    """Special projects under way with a municipality of the scope, and their late milestones."""
    from specialprojects.models import Project

    today = timezone.localdate()
    projects = (
        Project.objects.filter(municipalities__in=scope_ids)
        .exclude(state__in=[Project.State.CLOSED, Project.State.CANCELLED])
        .distinct()
        .annotate(
            milestone_count=Count("milestones", distinct=True),
            late=Count(
                "milestones",
                filter=Q(milestones__completed_at__isnull=True, milestones__due_on__lt=today),
                distinct=True,
            ),
        )
        .order_by("-late", "title")
    )
    return [(p, p.milestone_count, p.late) for p in projects]


def innovation_cases(scope_ids, since, until):
    """Cases registered and published between the dates, and the library's size now."""
    from knowledge.models import Case

    return Case.objects.filter(municipality__in=scope_ids).aggregate(
        registered=Count("pk", filter=Q(created__range=(since, until), revises__isnull=True)),
        published=Count("pk", filter=Q(published_at__range=(since, until))),
        public=Count("pk", filter=Q(state=Case.State.PUBLISHED)),
    )


def finance_coverage(scope_ids, start, end, limit=8):
    """Per fiscal period due in the dates: member municipalities, submitted, approved, missing.

    Submitted counts data sent for review or beyond; approved counts approved or
    published data. One query for the periods and one for every count.
    """
    from finance.models import FiscalPeriod, Submission

    periods = list(
        FiscalPeriod.objects.filter(deadline__range=(start, end)).order_by("-year", "-quarter")[
            :limit
        ]
    )
    if not periods:
        return []
    members = Municipality.objects.filter(pk__in=scope_ids, is_member=True).count()
    sent = (
        Submission.State.IN_REVIEW,
        Submission.State.APPROVED,
        Submission.State.PUBLISHED,
        Submission.State.SUPERSEDED,
    )
    approved = (Submission.State.APPROVED, Submission.State.PUBLISHED, Submission.State.SUPERSEDED)
    rows = {
        row["period"]: row
        for row in Submission.objects.filter(period__in=periods, municipality__in=scope_ids)
        .values("period")
        .annotate(
            submitted=Count("municipality", filter=Q(state__in=sent), distinct=True),
            approved=Count("municipality", filter=Q(state__in=approved), distinct=True),
        )
    }
    coverage = []
    for period in periods:
        row = rows.get(period.pk, {"submitted": 0, "approved": 0})
        missing = max(members - row["submitted"], 0)
        coverage.append((period, members, row["submitted"], row["approved"], missing))
    return coverage
