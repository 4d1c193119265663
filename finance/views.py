"""Finance pages: working pages for the people who submit and review, public pages for all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agreements.models import Municipality, Region
from workflows import audit, csvfiles, permissions
from workflows.models import Process, Task
from workflows.pagination import paginate
from workflows.redirects import safe_next

from . import (
    explore,
    exports,
    indicators,
    selectors,
    services,
    templates_xlsx,
    validation,
    views_explore,
)
from .forms import PeriodForm, UploadForm
from .models import (
    STAGES,
    ClassifierEntry,
    FiscalPeriod,
    IndicatorValue,
    Part,
    Submission,
    Upload,
)
from .scope import (
    MANAGE_PERIODS,
    can_submit,
    can_view,
    can_view_working,
)

LINES_PER_PAGE = 200


def int_param(request, name):
    """A numeric query parameter, or None when it is missing or not a number."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _submission(request, pk):
    submission = get_object_or_404(
        Submission.objects.select_related("municipality__region", "period__currency"), pk=pk
    )
    if not can_view(request.user, submission):
        raise Http404
    return submission


# Working pages -------------------------------------------------------------


@login_required
def period_list(request):
    form = None
    if request.user.has_perm(MANAGE_PERIODS):
        form = PeriodForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                period = services.open_period(
                    data["year"],
                    data["quarter"],
                    by=request.user,
                    deadline=data.get("deadline"),
                    opens_on=data.get("opens_on"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Period %(period)s opened.") % {"period": period})
                return redirect("finance:board", pk=period.pk)
    elif request.method == "POST":
        raise PermissionDenied
    periods = (
        FiscalPeriod.objects.select_related("currency")
        .annotate(submissions_count=Count("submissions"))
        .order_by("-year", "-quarter")  # an aggregate drops Meta.ordering
    )
    paginator = Paginator(periods, 20)
    return render(
        request,
        "finance/period_list.html",
        {
            "page": paginator.get_page(request.GET.get("page")),
            "form": form,
        },
    )


@require_safe
def board(request, pk):
    period = get_object_or_404(FiscalPeriod.objects.select_related("currency"), pk=pk)
    region = int_param(request, "region")
    rows, counts = selectors.board(period, request.user, region=region)
    return render(
        request,
        "finance/board.html",
        {
            "period": period,
            "rows": rows,
            "counts": counts,
            "regions": Region.objects.all(),
            "region": str(region) if region else "",
            "periods": FiscalPeriod.objects.all()[:20],
            "show_links": request.user.is_authenticated,
            "as_of": exports.data_as_of(Submission.objects.filter(period=period)),
        },
    )


@login_required
def submission_detail(request, pk):
    submission = _submission(request, pk)
    lines = submission.lines.all().order_by("program", "code")
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    names = dict(
        ClassifierEntry.objects.filter(code__in=[line.code for line in page]).values_list(
            "code", "name"
        )
    )
    comments = {}
    for comment in submission.line_comments.select_related("author"):
        comments.setdefault(comment.code, []).append(comment)
    process = Process.for_subject(submission)
    open_task = None
    if process is not None:
        open_task = (
            Task.objects.filter(process=process, finished__isnull=True)
            .exclude(status="CANCELED")
            .filter(flow_task_type="HUMAN")
            .first()
        )
    may_submit = can_submit(request.user, submission.municipality)
    # A file's findings are read for the last one only, and once.
    uploads = list(submission.uploads.select_related("uploaded_by").defer("findings")[:10])
    return render(
        request,
        "finance/submission_detail.html",
        {
            "submission": submission,
            "page": page,
            "names": names,
            "stages": stages_for_display(submission),
            "comments": comments,
            "uploads": uploads,
            "last_pending": (
                uploads[0].pk if uploads and uploads[0].result == Upload.Result.PENDING else None
            ),
            "last_findings": selectors.findings_summary(uploads[0] if uploads else None),
            # Linked for those who may open them: a reviewer who reads the submission
            # may have no part in the officer's task.
            "process": process
            if process and permissions.can_view_process(request.user, process)
            else None,
            "open_task": open_task,
            "open_task_link": open_task is not None
            and permissions.can_view_task(request.user, open_task),
            "can_upload": may_submit and submission.is_editable,
            "parts": selectors.part_status(submission),
            "missing_parts": submission.missing_parts_message(),
            "can_correct": may_submit
            and submission.state == Submission.State.PUBLISHED
            and not Submission.objects.filter(corrects=submission).exists(),
            "upload_form": UploadForm(),
            "versions": Submission.objects.filter(
                municipality=submission.municipality, period=submission.period
            ).order_by("version"),
            "indicator_values": indicator_rows(submission),
        },
    )


def stages_for_display(submission):
    keys = templates_xlsx.stages_for(submission.period)
    return [(key, templates_xlsx.COLUMN_TITLES[key]) for key in keys]


def indicator_rows(submission):
    values = dict(submission.indicators.values_list("indicator", "value"))
    return [(indicator, values.get(indicator.key)) for indicator in indicators.INDICATORS]


def _back_to(request, submission):
    """Where an upload returns: the page it was sent from (the task page), if it is ours."""
    return safe_next(request, submission.get_absolute_url())


@login_required
@require_POST
def submission_upload(request, pk):
    submission = _submission(request, pk)
    back = _back_to(request, submission)
    form = UploadForm(request.POST, request.FILES)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        for error in form.errors.get("file", [_("Choose a file to upload.")]):
            messages.error(request, error)
        return redirect(back)
    upload = form.cleaned_data["file"]
    try:
        result = services.receive_upload(
            submission,
            request.user,
            upload.name,
            upload.read(),
            part=form.cleaned_data.get("part") or None,
        )
    except ValidationError as error:
        if wants_json:
            return JsonResponse({"errors": error.messages}, status=409)
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if wants_json:
        return JsonResponse(upload_status_data(result, url=back), status=202)
    _announce(request, result)
    return redirect(back)


def _announce(request, upload):
    if upload.result == Upload.Result.ACCEPTED:
        messages.success(
            request,
            _("The file passed the checks: %(lines)s lines stored.") % {"lines": upload.line_count},
        )
    elif upload.result == Upload.Result.REJECTED:
        messages.error(
            request,
            _("The file was refused: %(errors)s error(s). Nothing was stored; see the report.")
            % {"errors": upload.error_count},
        )
    else:
        messages.info(request, _("The file is being checked; this page shows its progress."))


def upload_status_data(upload, url=None):
    return {
        "id": upload.pk,
        "result": upload.result,
        "result_label": upload.get_result_display(),
        "progress": upload.progress,
        "part": upload.part,
        "part_label": upload.get_part_display(),
        "lines": upload.line_count,
        "errors": upload.error_count,
        "warnings": upload.warning_count,
        "url": url or reverse("finance:submission_detail", args=[upload.submission_id]),
    }


@login_required
@require_safe
def upload_status(request, pk):
    upload = get_object_or_404(Upload, pk=pk)
    if not can_view(request.user, upload.submission):
        raise Http404
    return JsonResponse(upload_status_data(upload))


def _working_upload(request, pk):
    """An upload for those who may see its submission's working material; 404 otherwise."""
    upload = get_object_or_404(
        Upload.objects.select_related(
            "submission__municipality", "submission__period", "uploaded_by"
        ).defer("findings"),  # a page of the report reads its own findings only
        pk=pk,
    )
    if not can_view_working(request.user, upload.submission):
        raise Http404
    return upload


@login_required
@require_safe
def upload_findings(request, pk):
    """The findings of a file, grouped by check and paginated (one check's with ``rule``)."""
    upload = _working_upload(request, pk)
    report = selectors.findings_report(
        upload, page=request.GET.get("page"), rule=request.GET.get("rule") or None
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "finance/upload_findings.html",
        {
            "upload": upload,
            "submission": upload.submission,
            "querystring": params.urlencode(),
            **report,
        },
    )


@login_required
@require_safe
def upload_findings_download(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return exports.findings_response(
        _working_upload(request, pk), fmt, csvfiles.dialect_for(request, csvfiles.SPANISH)
    )


@login_required
@require_safe
def upload_file(request, pk):
    """The file as received: for the people who work on the submission, not the public."""
    upload = get_object_or_404(Upload.objects.select_related("submission"), pk=pk)
    if not can_view_working(request.user, upload.submission):
        raise Http404
    # About the file, not the submission: reading it changes nothing a reviewer judges.
    # Appended to the file's own chain, so that a download never waits on a completion
    # holding the process's chain; naming the process keeps it in the process history.
    audit.record(
        "upload.downloaded",
        actor=request.user,
        process=Process.for_subject(upload.submission),
        subject=upload,
        chain_key=audit.chain_key_for(subject=upload),
        after={"upload": upload.pk},
    )
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name)


# The template of each part, and the file-name word for it (the name is Spanish for all).
TEMPLATE_PARTS = {Part.EXPENDITURE: "gastos", Part.REVENUE: "ingresos"}


@login_required
@require_safe
def template_download(request, pk):
    """The XLSX template of the whole submission, or of one part with ``?part=``."""
    submission = _submission(request, pk)
    part = request.GET.get("part") or None
    if part is not None and part not in TEMPLATE_PARTS:
        raise Http404
    entries = ClassifierEntry.objects.filter(is_active=True).order_by("code")
    data = templates_xlsx.build(submission.municipality, submission.period, entries, part=part)
    period = submission.period
    name = f"finanzas-{submission.municipality.code}-{period.year}-T{period.quarter}"
    name += f"-{TEMPLATE_PARTS[part]}.xlsx" if part else ".xlsx"
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def submission_correct(request, pk):
    submission = _submission(request, pk)
    try:
        correction, _process = services.start_correction(submission, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(submission)
    messages.success(
        request,
        _("Version %(version)s opened to correct the published data.")
        % {"version": correction.version},
    )
    return redirect(correction)


@login_required
@require_safe
def api_token(request):
    """The old single-token page: tokens are now personal, on each person's profile."""
    return redirect("workflows:profile", permanent=True)


@login_required
@permission_required(MANAGE_PERIODS, raise_exception=True)
@require_POST
def period_close(request, pk):
    period = get_object_or_404(FiscalPeriod, pk=pk)
    services.close_period(period, request.user)
    messages.success(request, _("Period %(period)s closed.") % {"period": period})
    return redirect("finance:period_list")


# Public pages --------------------------------------------------------------


@require_safe
def public_index(request):
    periods = list(selectors.published_periods()[:8])
    latest_open = FiscalPeriod.objects.order_by("-opens_on").first()
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = Municipality.objects.filter(name__icontains=query).select_related("region")[:20]
    return render(
        request,
        "finance/public_index.html",
        {
            "periods": periods,
            "latest_open": latest_open,
            "published_count": selectors.published().count(),
            "query": query,
            "found": found,
            "indicators": indicators.INDICATORS,
            "as_of": exports.data_as_of(Submission.objects.all()),
        },
    )


@require_safe
def profile(request, code):
    municipality = get_object_or_404(Municipality.objects.select_related("region"), code=code)
    table, chart, currency = selectors.profile(municipality)
    return render(
        request,
        "finance/profile.html",
        {
            "municipality": municipality,
            "table": table,
            "indicators": indicators.INDICATORS,
            "chart": chart,
            "currency": currency,
            "as_of": exports.data_as_of(municipality.finance_submissions.all()),
        },
    )


def _float(value):
    return None if value is None else float(value)


COMPARE_PAGE_SIZE = 100


@require_safe
def compare(request):
    periods = list(selectors.published_periods())
    period = None
    if request.GET.get("period"):
        period = next((p for p in periods if str(p.pk) == request.GET["period"]), None)
    period = period or (periods[0] if periods else None)
    indicator = request.GET.get("indicator") or "fiscal_autonomy"
    if indicator != "quality" and indicator not in indicators.BY_KEY:
        indicator = "fiscal_autonomy"
    region = int_param(request, "region")
    band = request.GET.get("band") or None
    ranked = (
        selectors.comparison(period, indicator, region=region, band=band)
        if period
        else IndicatorValue.objects.none()
    )
    listing = paginate(request, ranked, per_page=COMPARE_PAGE_SIZE)
    factors, currency = selectors.unit_factors()
    factor = factors.get(period.pk, 1) if period else 1
    start = listing["page"].start_index()
    rows = [
        (start + i, row.municipality, selectors.in_unit(row.value, indicator, factor))
        for i, row in enumerate(listing["page"].object_list)
    ]
    info = indicators.BY_KEY.get(indicator)
    label = info.label if info else _("Data quality")
    unit = info.unit if info else "ratio"
    selection = views_explore.compare_selection(request, indicator, unit, label)
    chart = {
        "labels": [m.name for _rank, m, _v in rows[:40]],
        "values": [_float(v) for _rank, _m, v in rows[:40]],
    }
    return render(
        request,
        "finance/compare.html",
        {
            "periods": periods,
            "period": period,
            "indicator": indicator,
            "info": info,
            "unit": info.unit if info else "ratio",
            "indicators": indicators.INDICATORS,
            "regions": Region.objects.all(),
            "region": str(region) if region else "",
            "bands": selectors.POPULATION_BANDS,
            "band": band,
            "rows": rows,
            "chart": chart,
            "currency": currency,
            "as_of": exports.data_as_of(Submission.objects.filter(period=period))
            if period
            else None,
            "max_compared": explore.MAX_COMPARED,
            **selection,
            **listing,
        },
    )


@require_safe
def methodology(request):
    return render(
        request,
        "finance/methodology.html",
        {
            "indicators": indicators.INDICATORS,
            "aggregates": [
                (key, label, " ".join(terms))
                for key, (label, terms) in indicators.AGGREGATES.items()
            ],
            "rules": [
                (code, severity, label) for code, (severity, label) in validation.RULES.items()
            ],
        },
    )


@require_safe
def downloads(request):
    latest = exports.data_as_of_by_period()
    periods = [(period, latest.get(period.pk)) for period in selectors.published_periods()]
    return render(
        request,
        "finance/downloads.html",
        {
            "periods": periods,
            "stages": STAGES,
            "as_of": max(latest.values(), default=None),
            "dialects": csvfiles.DIALECTS,
        },
    )


@require_safe
def download_lines(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    period = get_object_or_404(FiscalPeriod, pk=int_param(request, "period") or 0)
    return exports.lines_response(period, fmt, csvfiles.dialect_for(request))


@require_safe
def download_indicators(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return exports.indicators_response(fmt, csvfiles.dialect_for(request))


@require_safe
def datapackage(request):
    return JsonResponse(exports.datapackage(request), json_dumps_params={"ensure_ascii": False})
