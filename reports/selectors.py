"""The programme's progress and status figures, scoped to what the user may see.

Whose figures they are is a *territory*: every municipality (``None``: the whole
programme, which also counts the work that belongs to no municipality, such as a
network proposal, a project line or a hiring), or the municipalities of a person's
scope (``workflows.permissions.scope_ids``), narrowed to one state by the filter.

A process counts for a territory when it *touches* one of its municipalities: its
own municipality, or, for the processes about the programme rather than about one
municipality, what their subject reaches: a network's target municipalities, a
special project's municipalities, and a position's network's. Tasks follow their
municipality, or their process's when they have none.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from agreements.models import Agreement, Municipality, Region
from workflows.display import alphabetical
from workflows.models import Process, Task
from workflows.permissions import scope_ids
from workflows.registry import flows
from workflows.roles import Role

EXPIRING_DAYS = 90
OPEN_TASK = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
NO_AGREEMENT = None  # the onboarding column of municipalities that have no agreement yet


@dataclass
class ProgrammeReport:
    start: datetime.date
    end: datetime.date
    region: Region | None
    whole_programme: bool = True
    onboarding: list = field(default_factory=list)  # (state name, [count per stage], total)
    onboarding_totals: list = field(default_factory=list)  # [count per stage], total
    states: list = field(default_factory=list)  # (agreement state, or None for none, label)
    active_agreements: int = 0
    expiring: list = field(default_factory=list)  # the first 50 of them, soonest first
    expiring_count: int = 0
    processes: list = field(default_factory=list)  # (type, opened, closed, open now)
    process_totals: tuple = (0, 0, 0)
    overdue: list = field(default_factory=list)  # (role label, region name or None, count)
    municipalities: int = 0
    finance: list = field(default_factory=list)  # (period, members, submitted, approved, missing)
    cases: dict = field(default_factory=dict)  # registered, published (in the dates), public now
    networks: list = field(default_factory=list)  # (network, members, municipalities)
    projects: list = field(default_factory=list)  # (project, milestones, late)

    @property
    def onboarding_cells(self):
        """The onboarding rows with each count beside its column's label (a phone's cards)."""
        labels = [label for _state, label in self.states]
        return [
            (name, list(zip(labels, counts, strict=True)), total)
            for name, counts, total in self.onboarding
        ]

    @property
    def onboarding_total_cells(self):
        labels = [label for _state, label in self.states]
        return list(zip(labels, self.onboarding_totals[0], strict=True)) if self.onboarding else []


def territory(user, region=None):
    """The municipalities whose figures ``user`` reads (a subquery), or None for all of them."""
    ids = scope_ids(user)
    if ids is None and region is None:
        return None
    municipalities = (
        Municipality.objects.all() if ids is None else Municipality.objects.filter(pk__in=ids)
    )
    if region is not None:
        municipalities = municipalities.filter(region=region)
    return municipalities.values("pk")


def regions_for(user):
    """The states a person may narrow the report to: those their scope reaches."""
    ids = scope_ids(user)
    regions = Region.objects.order_by("name")
    if ids is None:
        return regions
    return regions.filter(municipalities__in=ids).distinct()


def build(user, start, end, region=None):
    """Figures for ``user``'s scope between ``start`` and ``end`` (dates, inclusive)."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end, datetime.time.max, tzinfo=tz)
    area = territory(user, region)
    scope = Municipality.objects.all() if area is None else Municipality.objects.filter(pk__in=area)
    report = ProgrammeReport(
        start=start,
        end=end,
        region=region,
        whole_programme=area is None,
        municipalities=scope.count(),
    )
    onboarding(report, scope)
    agreements = (
        Agreement.objects.all() if area is None else Agreement.objects.filter(municipality__in=area)
    )
    report.active_agreements = agreements.filter(state=Agreement.State.ACTIVE).count()
    horizon = timezone.localdate() + datetime.timedelta(days=EXPIRING_DAYS)
    expiring = agreements.filter(state=Agreement.State.ACTIVE, end_date__lte=horizon)
    report.expiring_count = expiring.count()
    report.expiring = list(expiring.select_related("municipality").order_by("end_date")[:50])
    report.processes = processes_by_type(area, since, until)
    report.process_totals = tuple(sum(row[i] for row in report.processes) for i in (1, 2, 3))
    report.overdue = overdue_tasks(area)
    report.finance = finance_coverage(area, start, end)
    report.cases = innovation_cases(area, since, until)
    report.networks = networks_in(area)
    report.projects = projects_in(area)
    return report


def onboarding(report, scope):
    """Municipalities per state and the state of their latest agreement (none: no agreement)."""
    latest_state = Subquery(
        Agreement.objects.filter(municipality=OuterRef("pk"))
        .order_by("-created", "-pk")
        .values("state")[:1]
    )
    rows = (
        scope.annotate(state=latest_state)
        .values("region__name", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    report.states = [(NO_AGREEMENT, _("No agreement")), *Agreement.State.choices]
    columns = [state for state, _label in report.states]
    per_region = {}
    for row in rows:
        counts = per_region.setdefault(row["region__name"], dict.fromkeys(columns, 0))
        counts[row["state"]] += row["n"]
    report.onboarding = [
        (name, [counts[s] for s in columns], sum(counts.values()))
        for name, counts in sorted(per_region.items(), key=lambda item: alphabetical(item[0]))
    ]
    report.onboarding_totals = [
        [
            sum(counts[i] for _name, counts, _total in report.onboarding)
            for i in range(len(columns))
        ],
        sum(total for _name, _counts, total in report.onboarding),
    ]


# What a process touches ------------------------------------------------------


def _networks_touching(area):
    from networks.models import Network

    return Network.target_municipalities.through.objects.filter(municipality__in=area).values(
        "network"
    )


def _projects_touching(area):
    from specialprojects.models import Project

    return Project.municipalities.through.objects.filter(municipality__in=area).values("project")


def _positions_touching(area):
    from staffing.models import Position

    return Position.objects.filter(network__in=_networks_touching(area)).values("pk")


def _subjects_touching(area):
    """The processes about the programme whose subject reaches a municipality of ``area``."""
    from networks.models import Network
    from specialprojects.models import Project
    from staffing.models import Position

    reached = Q(pk__in=[])
    for model, subjects in (
        (Network, _networks_touching(area)),
        (Project, _projects_touching(area)),
        (Position, _positions_touching(area)),
    ):
        content_type = ContentType.objects.get_for_model(model)
        reached |= Q(subject_type=content_type, subject_id__in=subjects)
    return reached


def processes_touching(area):
    processes = Process.objects.all()
    if area is None:
        return processes
    return processes.filter(Q(municipality__in=area) | _subjects_touching(area))


def processes_by_type(area, since, until):
    """Per process type, in the order of ``settings.WORKFLOWS_FLOWS``: opened, closed, open now.

    Closed counts processes that ended in the dates, completed or cancelled; open now
    counts those still running today, whenever they were opened.
    """
    counts = {
        row["flow_class"]: row
        for row in processes_touching(area)
        .values("flow_class")
        .annotate(
            opened=Count("pk", filter=Q(created__range=(since, until))),
            closed=Count("pk", filter=Q(finished__range=(since, until))),
            open_now=Count("pk", filter=Q(finished__isnull=True) & ~Q(status=STATUS.CANCELED)),
        )
        .order_by()
    }
    rows = []
    for flow_class in flows():
        row = counts.get(flow_class, {})
        rows.append(
            (
                flow_class.process_title,
                row.get("opened", 0),
                row.get("closed", 0),
                row.get("open_now", 0),
            )
        )
    return rows


def overdue_tasks(area):
    """Open tasks past their due date, per role and state (None: no municipality)."""
    tasks = Task.objects.filter(status__in=OPEN_TASK, due_at__lt=timezone.now())
    if area is not None:
        tasks = tasks.filter(
            Q(municipality__in=area)
            | Q(municipality__isnull=True, process__in=processes_touching(area).values("pk"))
        )
    rows = (
        tasks.values("role", "municipality__region__name")
        .annotate(n=Count("pk"))
        .order_by("municipality__region__name", "role")
    )
    return sorted(
        (
            (
                Role(row["role"]).label if row["role"] in Role.values else row["role"],
                row["municipality__region__name"],
                row["n"],
            )
            for row in rows
        ),
        key=lambda row: (row[1] is None, alphabetical(row[1] or ""), alphabetical(row[0])),
    )


def networks_in(area):
    """Live networks that reach the territory, with their members and municipalities."""
    from networks.models import Invitation, Network

    networks = Network.objects.filter(state__in=[Network.State.ACTIVE, Network.State.PAUSED])
    if area is not None:
        networks = networks.filter(pk__in=_networks_touching(area))
    networks = networks.annotate(
        members=Count("memberships", distinct=True),
        towns=Count(
            "invitations",
            filter=Q(invitations__answer=Invitation.Answer.ACCEPTED),
            distinct=True,
        ),
    ).order_by("name")
    return [(n, n.members, n.towns) for n in networks]


def projects_in(area):
    """Special projects not yet closed that reach the territory, and their late milestones."""
    from specialprojects.models import Project

    today = timezone.localdate()
    projects = Project.objects.exclude(state__in=[Project.State.CLOSED, Project.State.CANCELLED])
    if area is not None:
        projects = projects.filter(pk__in=_projects_touching(area))
    projects = projects.annotate(
        milestone_count=Count("milestones", distinct=True),
        late=Count(
            "milestones",
            filter=Q(milestones__completed_at__isnull=True, milestones__due_on__lt=today),
            distinct=True,
        ),
    ).order_by("-late", "title")
    return [(p, p.milestone_count, p.late) for p in projects]


def innovation_cases(area, since, until):
    """Cases registered and published between the dates, and the library's size now."""
    from knowledge.models import Case

    cases = Case.objects.all() if area is None else Case.objects.filter(municipality__in=area)
    return cases.aggregate(
        registered=Count("pk", filter=Q(created__range=(since, until), revises__isnull=True)),
        published=Count("pk", filter=Q(published_at__range=(since, until))),
        public=Count("pk", filter=Q(state=Case.State.PUBLISHED)),
    )


def finance_coverage(area, start, end, limit=8):
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
    municipalities = (
        Municipality.objects.all() if area is None else Municipality.objects.filter(pk__in=area)
    )
    members = municipalities.filter(is_member=True).count()
    sent = (
        Submission.State.IN_REVIEW,
        Submission.State.APPROVED,
        Submission.State.PUBLISHED,
        Submission.State.SUPERSEDED,
    )
    approved = (Submission.State.APPROVED, Submission.State.PUBLISHED, Submission.State.SUPERSEDED)
    submissions = Submission.objects.filter(period__in=periods)
    if area is not None:
        submissions = submissions.filter(municipality__in=area)
    rows = {
        row["period"]: row
        for row in submissions.values("period").annotate(
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
