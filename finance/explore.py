"""Read-side queries of the public exploration pages: published data only.

- ``drill``: a published submission's amounts down the classifier (partida, genérica,
  específica, subespecífica), every level summed from the stored lines;
- ``series``: one classifier line of a municipality across its published periods,
  restated in today's bolívar with the factors of ``selectors.unit_factors``;
- ``compared``: one indicator of up to five municipalities across periods;
- ``calendar``: every municipality of a period as on time, late or missing.

A line counts once under a classifier code, the rule ``indicators.rollup`` applies: when a
file gives a parent and its children in the same programme, the parent is taken.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agreements.models import Municipality

from .models import (
    EXPENDITURE_STAGES,
    REVENUE_STAGES,
    ClassifierEntry,
    Currency,
    FiscalPeriod,
    IndicatorValue,
    Line,
    Submission,
)
from .selectors import in_unit, line_amounts, published, unit_factors
from .templates_xlsx import COLUMN_TITLES, stages_for

MAX_COMPARED = 5

# The stage a series draws first: what was executed, or the budget's own figure.
HEADLINE = {
    ClassifierEntry.Kind.EXPENDITURE: ("caused", "initial"),
    ClassifierEntry.Kind.REVENUE: ("collected", "estimated"),
}


def prefix_of(code):
    """The code without its trailing zero segments: 4.01.00.00.00 -> 4.01, the root -> 4."""
    parts = code.split(".")
    while len(parts) > 1 and not int(parts[-1]):
        parts.pop()
    return ".".join(parts)


def kind_stages(period, kind):
    """(stage, label) of one kind that ``period`` asks for, in the template's order."""
    own = EXPENDITURE_STAGES if kind == ClassifierEntry.Kind.EXPENDITURE else REVENUE_STAGES
    return [(stage, COLUMN_TITLES[stage]) for stage in stages_for(period) if stage in own]


def node_totals(lines):
    """code -> {stage: amount} for every code a line is or falls under.

    ``lines`` are (program, code, amounts) tuples. A line adds to itself and to each
    ancestor up to, not including, its nearest ancestor present in the same programme:
    that ancestor already carries it.
    """
    present = {(program, code) for program, code, _amounts in lines}
    totals = {}
    for program, code, amounts in lines:
        stop = ClassifierEntry.parent_code(code)
        while stop and (program, stop) not in present:
            stop = ClassifierEntry.parent_code(stop)
        node = code
        while node and node != stop:
            target = totals.setdefault(node, {})
            for stage, value in amounts.items():
                if value is not None:
                    target[stage] = target.get(stage, Decimal(0)) + value
            node = ClassifierEntry.parent_code(node)
    return totals


def published_submission(municipality, period):
    """The published version of a municipality's data for a period, or None."""
    return (
        published()
        .filter(municipality=municipality, period=period)
        .select_related("period__currency", "municipality__region")
        .order_by("-version")
        .first()
    )


@dataclass
class DrillRow:
    code: str
    name: str
    level: object
    amounts: dict
    has_children: bool

    @property
    def prefix(self):
        return prefix_of(self.code)


@dataclass
class DrillTable:
    kind: str
    label: object
    stages: list
    rows: list
    total: dict


@dataclass
class Drill:
    node: str | None
    trail: list = field(default_factory=list)  # (code, name) from the chapter down
    tables: list = field(default_factory=list)


KIND_LABELS = {
    ClassifierEntry.Kind.REVENUE: _("Revenues"),
    ClassifierEntry.Kind.EXPENDITURE: _("Expenditures"),
}
ROOTS = {
    ClassifierEntry.Kind.REVENUE: "3.00.00.00.00",
    ClassifierEntry.Kind.EXPENDITURE: "4.00.00.00.00",
}


def drill(submission, node=None):
    """The rows one level below ``node`` (the chapters of both kinds without one).

    Returns None when ``node`` carries no amount in this submission. Two queries: the
    lines, and the names of the codes shown.
    """
    totals = node_totals(line_amounts(submission))
    if node is not None and (node not in totals or node in ROOTS.values()):
        return None
    parents = {ClassifierEntry.parent_code(code) for code in totals}
    trail_codes = _trail_codes(node) if node is not None else []
    if node is None:
        parts = list(ROOTS.items())
    else:
        parts = [(ClassifierEntry.kind_of(node), node)]
    children = {
        parent: sorted(code for code in totals if ClassifierEntry.parent_code(code) == parent)
        for _kind, parent in parts
    }
    shown = set(trail_codes) | {code for codes in children.values() for code in codes}
    entries = {
        entry.code: entry
        for entry in ClassifierEntry.objects.filter(code__in=shown).only("code", "name", "level")
    }

    def name(code):
        entry = entries.get(code)
        return entry.name if entry else ""

    def level(code):
        entry = entries.get(code)
        return entry.get_level_display() if entry else ""

    result = Drill(node=node, trail=[(code, name(code)) for code in trail_codes])
    for kind, parent in parts:
        result.tables.append(
            DrillTable(
                kind=kind,
                label=KIND_LABELS[kind],
                stages=kind_stages(submission.period, kind),
                rows=[
                    DrillRow(code, name(code), level(code), totals[code], code in parents)
                    for code in children[parent]
                ],
                total=totals.get(parent, {}),
            )
        )
    return result


def periods_of(municipality):
    """The periods in which ``municipality`` has published data, newest first (one query)."""
    mine = published().filter(period=OuterRef("pk"), municipality=municipality)
    return list(FiscalPeriod.objects.filter(Exists(mine)).order_by("-year", "-quarter"))


def _trail_codes(code):
    """The codes from the chapter down to ``code``, the root left out."""
    codes = []
    while code and code not in ROOTS.values():
        codes.insert(0, code)
        code = ClassifierEntry.parent_code(code)
    return codes


def trail(code):
    """(code, name) from the chapter down to ``code``: the way back up (one query)."""
    codes = _trail_codes(code)
    names = dict(ClassifierEntry.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, "")) for code in codes]


def redenominations():
    """The currencies that replaced an earlier one, oldest first: what a restatement divides by."""
    return list(Currency.objects.filter(per_previous__gt=1).order_by("valid_from"))


# Axis labels are short; the table beside each chart names the period in full.
SHORT_QUARTER = _("Q%(quarter)s %(year)s")
SHORT_BUDGET = _("Bud. %(year)s")


def short_label(period):
    template = SHORT_BUDGET if period.is_budget else SHORT_QUARTER
    return str(template) % {"quarter": period.quarter, "year": period.year}


# Series -------------------------------------------------------------------------------


@dataclass
class SeriesPoint:
    period: object
    factor: Decimal
    amounts: dict  # stage -> amount in the period's own currency
    restated: dict  # stage -> amount in today's currency
    published_at: object = None


def series(municipality, code):
    """``code``'s amounts in each published period of ``municipality``, oldest first.

    Returns (points, currency): the amounts as filed and restated in ``currency``, today's.
    Three queries: the submissions, their lines under ``code``, the currencies and periods.
    """
    submissions = list(
        published()
        .filter(municipality=municipality)
        .select_related("period__currency")
        .order_by("period__year", "period__quarter", "-version")
    )
    by_period = {}
    for submission in submissions:
        by_period.setdefault(submission.period_id, submission)
    chosen = {submission.pk: submission for submission in by_period.values()}
    rows = Line.objects.filter(
        submission_id__in=list(chosen), code__startswith=prefix_of(code) + "."
    ).values_list("submission_id", "program", "code", *(EXPENDITURE_STAGES + REVENUE_STAGES))
    lines = {}
    for row in rows:
        amounts = dict(zip(EXPENDITURE_STAGES + REVENUE_STAGES, row[3:], strict=True))
        lines.setdefault(row[0], []).append((row[1], row[2], amounts))
    factors, currency = unit_factors()
    kind = ClassifierEntry.kind_of(code)
    own = EXPENDITURE_STAGES if kind == ClassifierEntry.Kind.EXPENDITURE else REVENUE_STAGES
    points = []
    for submission in by_period.values():
        period = submission.period
        asked = [stage for stage in stages_for(period) if stage in own]
        amounts = node_totals(lines.get(submission.pk, [])).get(code, {})
        amounts = {stage: amounts.get(stage) for stage in asked}
        factor = factors.get(period.pk, Decimal(1))
        restated = {
            stage: None if value is None else in_unit(value, "money", factor)
            for stage, value in amounts.items()
        }
        points.append(SeriesPoint(period, factor, amounts, restated, submission.published_at))
    return points, currency


def series_stages(code, points):
    """(stage, label) of ``code``'s kind that any of the points carries, in template order."""
    kind = ClassifierEntry.kind_of(code)
    own = EXPENDITURE_STAGES if kind == ClassifierEntry.Kind.EXPENDITURE else REVENUE_STAGES
    carried = {stage for point in points for stage in point.amounts}
    return [(stage, COLUMN_TITLES[stage]) for stage in own if stage in carried]


def headline_stage(code, stages):
    keys = [stage for stage, _label in stages]
    for stage in HEADLINE[ClassifierEntry.kind_of(code)]:
        if stage in keys:
            return stage
    return keys[0] if keys else None


# Compare ------------------------------------------------------------------------------


def compared(municipalities, indicator):
    """One indicator of each municipality in each period with published data.

    Returns (periods oldest first, {municipality pk: {period pk: value}}, currency);
    amounts restated in today's currency. Two queries and the currency factors.
    """
    ids = [m.pk for m in municipalities]
    if indicator == "quality":
        rows = (
            published()
            .filter(municipality_id__in=ids, quality__isnull=False)
            .values_list("municipality_id", "period", "quality")
        )
        rows = [(m, p, v) for m, p, v in rows]
    else:
        rows = list(
            IndicatorValue.objects.filter(
                municipality_id__in=ids,
                indicator=indicator,
                submission__state=Submission.State.PUBLISHED,
            ).values_list("municipality_id", "period", "value")
        )
    factors, currency = unit_factors()
    period_ids = {period for _m, period, _v in rows}
    periods = list(FiscalPeriod.objects.filter(pk__in=period_ids).order_by("year", "quarter"))
    values = {pk: {} for pk in ids}
    for municipality, period, value in rows:
        values[municipality][period] = in_unit(value, indicator, factors.get(period, 1))
    return periods, values, currency


# Delivery calendar --------------------------------------------------------------------


class OnTime:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    DUE = "due"

    LABELS = {
        ON_TIME: pgettext_lazy("delivery calendar", "On time"),
        LATE: pgettext_lazy("delivery calendar", "Late"),
        MISSING: pgettext_lazy("delivery calendar", "Missing"),
        DUE: pgettext_lazy("delivery calendar", "Not yet due"),
    }


CALENDAR_ORDERS = {
    "name": (_("Municipality"), ("name", "pk")),
    "region": (pgettext_lazy("Venezuelan state", "State"), ("region__name", "name", "pk")),
    "sent": (_("Date sent"), (F("sent").asc(nulls_last=True), "name", "pk")),
}


def deadline_end(period):
    """The first instant after the deadline day, in the programme's time zone."""
    day = period.deadline + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def is_overdue(period, today=None):
    """Nothing more counts as sent on time: the deadline day is over or the period closed."""
    today = today or timezone.localdate()
    return today > period.deadline or period.state == period.State.CLOSED


def days_late(period, sent):
    """Whole days between the deadline and the day ``sent`` (Caracas); None if not late."""
    if sent is None:
        return None
    late = (timezone.localtime(sent).date() - period.deadline).days
    return late if late > 0 else None


def calendar(period, *, region=None, status=None, order="name", today=None):
    """The municipalities of ``period`` with the first time each one sent its data.

    A municipality belongs to the period if it is a member or has a submission in it.
    ``sent`` is the earliest submission of any version for review. Sent on or before the
    deadline day is on time, after it late; nothing sent is missing once the deadline day
    is over or the period is closed, not yet due before. Returns (queryset, counts):
    counts is [(key, label, count)] over the whole period (region filter applied).
    """
    sent = (
        Submission.objects.filter(
            municipality=OuterRef("pk"), period=period, submitted_at__isnull=False
        )
        .order_by("submitted_at")
        .values("submitted_at")[:1]
    )
    missing = OnTime.MISSING if is_overdue(period, today) else OnTime.DUE
    in_period = Submission.objects.filter(municipality=OuterRef("pk"), period=period)
    rows = (
        Municipality.objects.filter(Q(is_member=True) | Exists(in_period))
        .annotate(sent=Subquery(sent))
        .annotate(
            delivery=Case(
                When(sent__isnull=True, then=Value(missing)),
                When(sent__lt=deadline_end(period), then=Value(OnTime.ON_TIME)),
                default=Value(OnTime.LATE),
                output_field=CharField(),
            )
        )
    )
    if region:
        rows = rows.filter(region_id=region)
    tally = dict(rows.order_by().values_list("delivery").annotate(count=Count("pk")))
    counts = [(key, label, tally.get(key, 0)) for key, label in OnTime.LABELS.items()]
    if status in OnTime.LABELS:
        rows = rows.filter(delivery=status)
    _label, fields = CALENDAR_ORDERS.get(order, CALENDAR_ORDERS["name"])
    return rows.select_related("region").order_by(*fields), counts
