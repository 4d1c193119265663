"""Read-side queries of finance data: the delivery board, profiles, comparisons, open data."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import Municipality
from workflows.permissions import scope_ids

from .indicators import BY_KEY
from .models import Currency, FiscalPeriod, IndicatorValue, Submission

POPULATION_BANDS = [
    ("small", _("Up to 50,000 inhabitants"), 0, 50_000),
    ("medium", _("50,001 to 200,000 inhabitants"), 50_001, 200_000),
    ("large", _("More than 200,000 inhabitants"), 200_001, None),
]


class Delivery:
    MISSING = "missing"
    LATE = "late"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    LABELS = {
        MISSING: _("Missing"),
        LATE: _("Late"),
        IN_PROGRESS: _("Being corrected"),
        IN_REVIEW: _("In review"),
        PUBLISHED: _("Published"),
    }


def delivery_state(submission_state, deadline, today):
    if submission_state in (Submission.State.PUBLISHED, Submission.State.SUPERSEDED):
        return Delivery.PUBLISHED
    if submission_state in (Submission.State.IN_REVIEW, Submission.State.APPROVED):
        return Delivery.IN_REVIEW
    if today > deadline:
        return Delivery.LATE
    if submission_state == Submission.State.RETURNED:
        return Delivery.IN_PROGRESS
    return Delivery.MISSING


@dataclass
class BoardRow:
    municipality: Municipality
    submission_id: int | None
    state: str
    version: int | None
    quality: Decimal | None
    submitted_at: object

    @property
    def label(self):
        return Delivery.LABELS[self.state]


def board(period, user=None, region=None):
    """Every member municipality (in the user's territory) with its delivery state.

    One query: the latest non-superseded version per municipality comes from a subquery.
    """
    latest = Submission.objects.filter(municipality=OuterRef("pk"), period=period).order_by(
        "-version"
    )
    municipalities = Municipality.objects.filter(
        Q(is_member=True) | Q(finance_submissions__period=period)
    ).distinct()
    if user is not None and user.is_authenticated:
        ids = scope_ids(user)
        if ids is not None and not user.has_perm("finance.review_finance"):
            municipalities = municipalities.filter(pk__in=ids)
    if region:
        municipalities = municipalities.filter(region_id=region)
    rows = municipalities.select_related("region").annotate(
        submission_id=Subquery(latest.values("pk")[:1]),
        submission_state=Subquery(latest.values("state")[:1]),
        submission_version=Subquery(latest.values("version")[:1]),
        submission_quality=Subquery(latest.values("quality")[:1]),
        submission_at=Subquery(latest.values("submitted_at")[:1]),
    )
    today = timezone.localdate()
    result = [
        BoardRow(
            m,
            m.submission_id,
            delivery_state(m.submission_state, period.deadline, today),
            m.submission_version,
            m.submission_quality,
            m.submission_at,
        )
        for m in rows.order_by("region__name", "name")
    ]
    counts = {key: 0 for key in Delivery.LABELS}
    for row in result:
        counts[row.state] += 1
    return result, [(key, Delivery.LABELS[key], counts[key]) for key in Delivery.LABELS]


def published():
    return Submission.objects.filter(state=Submission.State.PUBLISHED)


def published_periods():
    """Periods with published data: one index probe per period, not a join of every
    submission (40 quarters x 5,570 municipalities at national scale)."""
    return FiscalPeriod.objects.filter(
        Exists(published().filter(period=OuterRef("pk")).values("pk"))
    )


def unit_factors():
    """period id -> factor that states its amounts in today's currency."""
    chain = list(Currency.objects.order_by("valid_from"))
    current = chain[-1] if chain else None
    factors = {}
    for period in FiscalPeriod.objects.select_related("currency"):
        factors[period.pk] = period.currency.factor_to(current, chain=chain) if current else 1
    return factors, current


def profile_series(municipality):
    """period -> {indicator: value} for a municipality's published data, oldest first."""
    values = (
        IndicatorValue.objects.filter(
            municipality=municipality, submission__state=Submission.State.PUBLISHED
        )
        .select_related("period")
        .order_by("period__year", "period__quarter")
    )
    series = {}
    for value in values:
        series.setdefault(value.period, {})[value.indicator] = value.value
    return series


def in_unit(value, indicator, factor):
    """Amounts restated in today's currency; ratios as they are."""
    if value is None:
        return None
    unit = BY_KEY[indicator].unit if indicator in BY_KEY else "money"
    return value * factor if unit in ("money", "per_capita") else value


def profile(municipality):
    """A municipality's published indicators per period, restated in today's currency.

    Returns the table (newest period first, (indicator, value) pairs), the chart's data
    (oldest first, floats) and the currency the amounts are stated in.
    """
    from .indicators import INDICATORS

    series = profile_series(municipality)
    factors, currency = unit_factors()
    restated = {
        period: {key: in_unit(value, key, factors[period.pk]) for key, value in values.items()}
        for period, values in series.items()
    }
    periods = list(restated)

    def points(key):
        return [None if restated[p].get(key) is None else float(restated[p][key]) for p in periods]

    chart = {
        "labels": [str(p) for p in periods],
        "series": {indicator.key: points(indicator.key) for indicator in INDICATORS},
        "revenue": points("total:total_revenue"),
        "expenditure": points("total:total_expenditure"),
    }
    table = [
        (period, [(ind, restated[period].get(ind.key)) for ind in INDICATORS])
        for period in reversed(periods)
    ]
    return table, chart, currency


def comparison(period, indicator, *, region=None, band=None):
    """Ranking of municipalities by one indicator (or data quality) for one period.

    A queryset of rows with ``municipality`` (and its state) and ``value``, best first
    (ties by name), so that a page of 5,570 municipalities reads only its own rows.
    """
    if indicator == "quality":
        rows = published().filter(period=period, quality__isnull=False).annotate(value=F("quality"))
    else:
        rows = IndicatorValue.objects.filter(
            period=period,
            indicator=indicator,
            value__isnull=False,
            submission__state=Submission.State.PUBLISHED,
        )
    if region:
        rows = rows.filter(municipality__region_id=region)
    if band:
        for key, _label, low, high in POPULATION_BANDS:
            if key == band:
                rows = rows.filter(municipality__population__gte=low)
                if high:
                    rows = rows.filter(municipality__population__lte=high)
    higher_is = BY_KEY[indicator].higher_is if indicator in BY_KEY else "better"
    order = "value" if higher_is == "worse" else "-value"
    return rows.select_related("municipality__region").order_by(
        order, "municipality__name", "municipality_id"
    )
