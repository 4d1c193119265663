"""Public pages for exploring published finance data: the classifier, series, the calendar."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.models import Municipality, Region
from workflows.pagination import paginate

from . import charts, explore
from .models import ClassifierEntry, FiscalPeriod

CALENDAR_PAGE_SIZE = 50


def _municipality(code):
    return get_object_or_404(Municipality.objects.select_related("region"), code=code)


@require_safe
def classifier(request, code, period, node=None):
    """A published submission's amounts one classifier level at a time."""
    municipality = _municipality(code)
    period = get_object_or_404(FiscalPeriod.objects.select_related("currency"), pk=period)
    submission = explore.published_submission(municipality, period)
    if submission is None:
        raise Http404
    drill = explore.drill(submission, node)
    if drill is None:
        raise Http404
    return render(
        request,
        "finance/classifier.html",
        {
            "municipality": municipality,
            "period": period,
            "submission": submission,
            "drill": drill,
            "periods": explore.periods_of(municipality),
        },
    )


@require_safe
def series(request, code, node):
    """One classifier line of a municipality across its published periods, in today's bolívar."""
    municipality = _municipality(code)
    entry = get_object_or_404(ClassifierEntry, code=node)
    points, currency = explore.series(municipality, entry.code)
    if not points:
        raise Http404
    stages = explore.series_stages(entry.code, points)
    stage = request.GET.get("stage")
    if stage not in dict(stages):
        stage = explore.headline_stage(entry.code, stages)
    labels = [explore.short_label(point.period) for point in points]
    parent = ClassifierEntry.parent_code(entry.code)
    stage_label = dict(stages).get(stage, "")
    chart = charts.line_chart(
        labels, [(stage_label, [point.restated.get(stage) for point in points])]
    )
    return render(
        request,
        "finance/series.html",
        {
            "municipality": municipality,
            "entry": entry,
            "trail": explore.trail(entry.code),
            "points": points,
            "stages": stages,
            "stage": stage,
            "stage_label": stage_label,
            "currency": currency,
            "redenominations": explore.redenominations(),
            "chart": chart,
            # The level above the line, where its row stands in each period's drill-down.
            "drill_parent": parent if parent not in explore.ROOTS.values() else None,
            "data_as_of": max((p.published_at for p in points if p.published_at), default=None),
            "has_amounts": any(v is not None for p in points for v in p.amounts.values()),
        },
    )


@require_safe
def calendar(request, pk):
    """Every municipality of a period: sent on time, late, or not at all."""
    period = get_object_or_404(FiscalPeriod, pk=pk)
    region = request.GET.get("region", "")
    region = int(region) if region.isdigit() else None
    status = request.GET.get("status") or None
    order = request.GET.get("order") or "name"
    rows, counts = explore.calendar(period, region=region, status=status, order=order)
    listing = paginate(request, rows, per_page=CALENDAR_PAGE_SIZE)
    for municipality in listing["page"]:
        municipality.days_late = explore.days_late(period, municipality.sent)
    return render(
        request,
        "finance/calendar.html",
        {
            "period": period,
            "counts": counts,
            "labels": explore.OnTime.LABELS,
            "regions": Region.objects.all(),
            "region": str(region) if region else "",
            "status": status if status in explore.OnTime.LABELS else "",
            "order": order if order in explore.CALENDAR_ORDERS else "name",
            "orders": [(key, label) for key, (label, _f) in explore.CALENDAR_ORDERS.items()],
            "overdue": explore.is_overdue(period),
            # The calendar reads every municipality as it stands today.
            "today": timezone.localdate(),
            "periods": FiscalPeriod.objects.all()[:20],
            **listing,
        },
    )


def compare_selection(request, indicator, unit, label):
    """The municipalities chosen on the compare page (``m``), at most five, and their chart.

    Returns a dict for the page: the chosen municipalities, an error when there are too
    many (nothing is drawn then), and the chart and table of the indicator across periods.
    """
    codes = list(dict.fromkeys(code for code in request.GET.getlist("m") if code))
    if not codes:
        return {"chosen": [], "chosen_codes": []}
    found = {m.code: m for m in Municipality.objects.filter(code__in=codes)}
    chosen = [found[code] for code in codes if code in found]
    result = {"chosen": chosen, "chosen_codes": [m.code for m in chosen]}
    if len(chosen) > explore.MAX_COMPARED:
        result["too_many"] = _(
            "You chose %(count)s municipalities; compare at most %(max)s at a time. "
            "Untick the ones you do not need and compare again."
        ) % {"count": len(chosen), "max": explore.MAX_COMPARED}
        return result
    periods, values, currency = explore.compared(chosen, indicator)
    series = [(m.name, [values[m.pk].get(p.pk) for p in periods]) for m in chosen]
    result.update(
        {
            "compare_periods": periods,
            "compare_rows": [
                (period, [values[m.pk].get(period.pk) for m in chosen]) for period in periods
            ],
            "compare_chart": charts.line_chart(
                [explore.short_label(p) for p in periods], series, ratio=unit == "ratio"
            ),
            "compare_label": label,
            "compare_currency": currency,
        }
    )
    return result
