"""Read-side queries of finance data: the delivery board, profiles, comparisons, open data."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import Municipality
from workflows.permissions import scope_ids
from workflows.roles import Role

from .indicators import BY_KEY
from .models import (
    EXPENDITURE_STAGES,
    PARTS,
    REVENUE_STAGES,
    STAGES,
    ClassifierEntry,
    Currency,
    FiscalPeriod,
    IndicatorValue,
    Line,
    LineComment,
    Part,
    Submission,
    Upload,
)

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


# What a reviewer decides on: a submission's totals by chapter, its checks, its comments.


@dataclass
class ChapterRow:
    """A chapter (the classifier's top-level group, "partida") with its amount per stage."""

    code: str
    name: str
    amounts: dict = field(default_factory=dict)

    @property
    def short_code(self):
        return ".".join(self.code.split(".")[:2])


@dataclass
class KindTotals:
    """Revenue or expenditure: the chapters, in code order, and their total."""

    kind: str
    label: str
    stages: list  # (stage, label) in the period's columns
    chapters: list
    total: dict

    @property
    def headline(self):
        """The stage the indicators read: collected/caused, or the budget's own."""
        keys = [key for key, _label in self.stages]
        for key in ("collected", "caused", "estimated", "initial"):
            if key in keys:
                return key
        return keys[0]


KIND_PLURALS = {
    ClassifierEntry.Kind.REVENUE: _("Revenues"),
    ClassifierEntry.Kind.EXPENDITURE: _("Expenditures"),
}


# How a content summary marks its total row (``Submission.audit_choices`` names it).
SUMMARY_TOTAL = "total"


def chapter_of(code):
    """The code of the chapter ``code`` falls in; None for a root (3 or 4)."""
    parts = code.split(".")
    if len(parts) < 2 or not parts[1].isdigit() or not int(parts[1]):
        return None
    return ".".join(parts[:2] + ["00"] * (len(parts) - 2))


def totals_by_chapter(lines, names, stages):
    """Revenue and expenditure by chapter from ``lines`` ((program, code, amounts) tuples).

    A file may give parents with their children or only the leaves; a line counts once,
    under its chapter, when no ancestor of it in the same programme is in the file (the
    checks made sure parents and children agree). The total of a kind sums the lines with
    no ancestor in the file, so a root line given alone still counts.
    """
    from .templates_xlsx import COLUMN_TITLES

    present = {(program, code) for program, code, _amounts in lines}
    kinds = {
        ClassifierEntry.Kind.REVENUE: [s for s in stages if s in REVENUE_STAGES],
        ClassifierEntry.Kind.EXPENDITURE: [s for s in stages if s in EXPENDITURE_STAGES],
    }
    chapters, totals = {}, {kind: {} for kind in kinds}

    def add(target, amounts, kind):
        for stage in kinds[kind]:
            value = amounts.get(stage)
            if value is not None:
                target[stage] = target.get(stage, Decimal(0)) + value

    for program, code, amounts in lines:
        kind = ClassifierEntry.kind_of(code)
        ancestors = []
        parent = ClassifierEntry.parent_code(code)
        while parent:
            if (program, parent) in present:
                ancestors.append(parent)
            parent = ClassifierEntry.parent_code(parent)
        if not ancestors:
            add(totals[kind], amounts, kind)
        chapter = chapter_of(code)
        if chapter is not None and not any(chapter_of(a) for a in ancestors):
            row = chapters.setdefault(chapter, ChapterRow(chapter, names.get(chapter, "")))
            add(row.amounts, amounts, kind)
    result = []
    for kind in (ClassifierEntry.Kind.REVENUE, ClassifierEntry.Kind.EXPENDITURE):
        result.append(
            KindTotals(
                kind=kind,
                label=str(KIND_PLURALS[kind]),
                stages=[(stage, str(COLUMN_TITLES[stage])) for stage in kinds[kind]],
                chapters=[
                    chapters[code]
                    for code in sorted(chapters)
                    if ClassifierEntry.kind_of(code) == kind
                ],
                total=totals[kind],
            )
        )
    return result


def chapter_names():
    """code -> name of the classifier's roots and chapters (one query)."""
    return dict(
        ClassifierEntry.objects.filter(level__lte=ClassifierEntry.Level.ITEM).values_list(
            "code", "name"
        )
    )


def line_amounts(submission):
    """The submission's lines as (program, code, amounts) tuples (one query)."""
    rows = Line.objects.filter(submission=submission).values_list("program", "code", *STAGES)
    return [(row[0], row[1], dict(zip(STAGES, row[2:], strict=True))) for row in rows]


def _amount_text(value):
    """An amount as the trail keeps it: to the cent, so that equal amounts read equal
    whether they came from a file or from the stored lines."""
    return str(Decimal(value).quantize(Decimal("0.01")))


def content_summary(lines, names, period):
    """What a reviewer compares between two files, as the audit trail keeps it.

    The number of lines and, for revenue and expenditure, the headline stage by chapter:
    ``[chapter code, amount]`` rows, the total last as ``["total", amount]``, amounts as
    Decimal strings. The trail keeps values, not text: ``Submission``'s audit hooks
    name the keys, the chapters and the total, and display formats the amounts in the
    reader's language.
    """
    from .templates_xlsx import stages_for

    summary = {"line_count": len(lines)}
    for totals in totals_by_chapter(lines, names, stages_for(period)):
        if not totals.stages:
            continue
        stage = totals.headline
        rows = [
            [row.code, _amount_text(row.amounts[stage])]
            for row in totals.chapters
            if row.amounts.get(stage) is not None
        ]
        if totals.total.get(stage) is not None:
            rows.append([SUMMARY_TOTAL, _amount_text(totals.total[stage])])
        summary[f"{totals.kind}_{stage}"] = rows
    return summary


def _panel_submission(pk):
    return Submission.objects.select_related(
        "municipality__region",
        "period__currency",
        "accepted_upload__uploaded_by",
        "submitted_by",
        "corrects",
    ).get(pk=pk)


def _files_in_force(submission):
    """The files whose lines stand for the submission: one per part, or one for both."""
    ids = {submission.part_upload_id(part) for part in PARTS} - {None}
    if ids == {submission.accepted_upload_id}:
        return [submission.accepted_upload]
    return list(Upload.objects.filter(pk__in=ids).order_by("part"))


def _findings(upload, severity):
    """An upload's findings of one severity: what each found, in words, and where."""
    from .validation import found_label

    if upload is None:
        return []
    return [
        {"label": found_label(f.get("rule")), "message": f.get("message", "")}
        for f in upload.findings
        if f.get("severity") == severity
    ]


def _line_comments(submission):
    """The reviewers' comments on lines, with each line's name, newest first (one query)."""
    return list(
        LineComment.objects.filter(submission=submission)
        .select_related("author")
        .annotate(
            line_name=Subquery(
                ClassifierEntry.objects.filter(code=OuterRef("code")).values("name")[:1]
            )
        )
        .order_by("-created", "code")
    )


def _submission_context(subject):
    from .templates_xlsx import stages_for

    submission = _panel_submission(subject.pk)
    lines = line_amounts(submission)
    return {
        "submission": submission,
        "line_count": len(lines),
        "totals": totals_by_chapter(lines, chapter_names(), stages_for(submission.period)),
        "warnings": [
            warning
            for upload in _files_in_force(submission)
            for warning in _findings(upload, "warning")
        ],
        "line_comments": _line_comments(submission),
        "parts": part_status(submission),
    }


def review_panel(*, task, subject, user):
    """The submission a facilitator or a specialist approves or returns."""
    return _submission_context(subject)


def prepare_panel(*, task, subject, user):
    """The upload step, done on the task page: the template, the file, its checks.

    After a return, the reviewers' line comments and the file sent last time. The
    upload itself goes to ``finance:submission_upload`` and comes back here.
    """
    from .forms import UploadForm
    from .scope import FACILITATE, REPRESENT, can_submit

    context = _submission_context(subject)
    submission = context["submission"]
    returned = submission.submitted_at is not None
    context["returned"] = returned
    context["line_comments"] = (
        [c for c in context["line_comments"] if c.created > submission.submitted_at]
        if returned
        else []
    )
    uploads = Upload.objects.filter(submission=submission).select_related("uploaded_by")
    context["sent_file"] = (
        uploads.filter(result=Upload.Result.ACCEPTED, uploaded_at__lte=submission.submitted_at)
        .order_by("-uploaded_at", "-pk")
        .first()
        if returned
        else None
    )
    last = uploads.defer("findings").order_by("-uploaded_at", "-pk").first()
    context["last_upload"] = last
    context["error_report"] = (
        findings_summary(last) if last and last.result == Upload.Result.REJECTED else None
    )
    municipality = submission.municipality
    context["can_upload"] = (
        task.is_open and submission.is_editable and can_submit(user, municipality)
    )
    if context["can_upload"]:
        context["upload_form"] = UploadForm()
    # A facilitator does the officer's step for them: the page says so.
    context["acts_for_officer"] = (
        task.role == Role.MUNICIPAL_OFFICER
        and not user.has_perm(REPRESENT, municipality)
        and user.has_perm(FACILITATE, municipality)
    )
    return context


def part_status(submission):
    """Which parts are in (their file, who, when, lines), which are missing, which replaced.

    One query: the submission's accepted files, newest first. A file replaced for one
    part may still stand for the other (a whole file followed by one part).
    """
    accepted = list(
        Upload.objects.filter(submission=submission, result=Upload.Result.ACCEPTED)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )
    rows = []
    for part in PARTS:
        current = submission.part_upload_id(part)
        covering = [u for u in accepted if u.part in (part, Part.BOTH)]
        rows.append(
            {
                "part": part,
                "label": part.label,
                "upload": next((u for u in covering if u.pk == current), None),
                "replaced": [u for u in covering if u.pk != current],
            }
        )
    return rows


# The findings report of an uploaded file ------------------------------------
#
# An upload keeps its findings in the report's order (``parsing.findings_record``) and
# their counts per check, so that a page of the report is a slice of that list: on
# PostgreSQL the slice is cut by the database, and the page never reads the rest.

FINDINGS_PER_PAGE = 100


@dataclass
class FindingGroup:
    """The findings of one check in a file: what they found, how many, how many more."""

    rule: str
    label: str
    severity: str
    kept: int = 0
    more: int = 0
    start: int = 0  # where its findings begin in the stored list

    @property
    def total(self):
        return self.kept + self.more


def _group_order(rule, severity):
    return (severity != "error", rule or "")


def findings_groups(upload):
    """``upload``'s findings by check, in the report's order, with the counts past the cap."""
    from .validation import found_label

    counts = upload.findings_counts
    if not counts:  # kept before the counts were: read from the findings themselves
        counts = {}
        for finding in upload.findings:
            group = counts.setdefault(
                finding.get("rule") or "",
                {"severity": finding.get("severity"), "kept": 0, "more": 0},
            )
            group["kept"] += 1
    groups = []
    start = 0
    for rule, group in sorted(
        counts.items(), key=lambda item: _group_order(item[0], item[1]["severity"])
    ):
        groups.append(
            FindingGroup(
                rule, found_label(rule), group["severity"], group["kept"], group["more"], start
            )
        )
        start += group["kept"]
    return groups


def _labelled(findings):
    from .validation import found_label

    labels = {}
    for finding in findings:
        code = finding.get("rule") or ""
        if code not in labels:
            labels[code] = found_label(code)
        finding["label"] = labels[code]
    return findings


def findings_listed(upload):
    """Every finding kept, in the report's order, each with what it found in words."""
    findings = list(upload.findings)
    if not upload.findings_counts:  # kept before the report's order was
        findings.sort(key=lambda f: _group_order(f.get("rule"), f.get("severity")))
    return _labelled(findings)


def _findings_slice(upload, start, stop):
    """Findings ``start`` to ``stop`` of ``upload``, as stored, read alone on PostgreSQL."""
    from django.db import connection
    from django.db.models import CharField, Func, JSONField, Value

    if stop <= start:
        return []
    if not upload.findings_counts:
        return findings_listed(upload)[start:stop]
    if connection.vendor != "postgresql":
        return list(upload.findings[start:stop])
    path = Func(
        Value(f"$[{start} to {stop - 1}]", output_field=CharField()),
        template="(%(expressions)s)::jsonpath",
    )
    page = Func(F("findings"), path, function="jsonb_path_query_array", output_field=JSONField())
    return (
        Upload.objects.filter(pk=upload.pk)
        .annotate(findings_page=page)
        .values_list("findings_page", flat=True)
        .get()
    )


class StoredFindings:
    """Findings ``offset`` to ``offset + count`` of an upload, as a paginator reads them."""

    def __init__(self, upload, offset, count):
        self.upload, self.offset, self.count_ = upload, offset, count

    def count(self):
        return self.count_

    def __len__(self):
        return self.count_

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("StoredFindings is read by slices")
        start, stop, _step = index.indices(self.count_)
        return _labelled(_findings_slice(self.upload, self.offset + start, self.offset + stop))


def findings_report(upload, *, page=None, rule=None, per_page=FINDINGS_PER_PAGE):
    """A page of ``upload``'s findings (one check's, with ``rule``) and the groups.

    ``upload`` may come with ``findings`` deferred: only the page's findings are read.
    """
    from django.core.paginator import Paginator

    groups = findings_groups(upload)
    chosen = next((g for g in groups if g.rule == rule), None)
    kept = sum(g.kept for g in groups)
    stored = (
        StoredFindings(upload, chosen.start, chosen.kept)
        if chosen
        else StoredFindings(upload, 0, kept)
    )
    return {
        "groups": groups,
        "rule": chosen.rule if chosen else None,
        "page": Paginator(stored, per_page).get_page(page),
        "more": {g.rule: g.more for g in groups if g.more},
        "kept": kept,
        "total": sum(g.total for g in groups),
        "cap": settings.FINANCE_FINDINGS_PER_RULE,
    }


def findings_summary(upload, *, limit=20):
    """What a submission's page and its task page show of a file's findings: the groups,
    the first ``limit`` findings and the way to the full report."""
    if upload is None:
        return None
    groups = findings_groups(upload)
    if not groups:
        return None
    kept = sum(g.kept for g in groups)
    return {
        "upload": upload,
        "groups": groups,
        "first": StoredFindings(upload, 0, kept)[:limit],
        "kept": kept,
        "total": sum(g.total for g in groups),
        "complete": kept <= limit and not any(g.more for g in groups),
    }
