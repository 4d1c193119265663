"""Library pages (public), the guided systematisation, transfer and feedback (signed in)."""

import os
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count
from django.http import (
    Http404,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agreements.models import Municipality
from agreements.scope import municipality_ids_for
from workflows import csvfiles
from workflows.files import attachment

from . import pdf, selectors, services
from .flows import CaseFlow
from .forms import (
    CaseDetailsForm,
    CaseRegistrationForm,
    CommentForm,
    EvidenceForm,
    IndicatorFormSet,
    MilestoneFormSet,
    RatingForm,
    ReplicationForm,
    SubmitCaseForm,
    missing_steps_message,
    step_form,
)
from .models import CRITERIA, DETAILS_STEP, STEPS, Case, Comment, Evidence, Replication


def _case(request, pk):
    case = get_object_or_404(Case.objects.select_related("municipality__region", "theme"), pk=pk)
    if not selectors.can_view(request.user, case):
        raise Http404
    return case


def _page(request):
    value = request.GET.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


# The public library -----------------------------------------------------------------


FACET_NAMES = {
    "theme": gettext_lazy("Theme"),
    "region": gettext_lazy("State (territory)"),
    "size": gettext_lazy("Municipality size"),
    "year": gettext_lazy("Year"),
    "results": gettext_lazy("Type of results"),
}


def _facet_groups(facets, params):
    """Each facet's values with the link that applies it, keeping the query and other filters.

    Built here once per value rather than by nested template loops (a third of the
    page's time with sixty values).
    """
    groups = []
    for key, values in facets.items():
        if not values:
            continue
        kept = {k: v for k, v in params.items() if k != key and v}
        kept.setdefault("q", "")
        links = [
            {
                "label": label,
                "count": count,
                "href": "?" + urlencode({**kept, key: value}),
                "active": params.get(key) == value,
            }
            for value, label, count in values
        ]
        groups.append({"key": key, "name": FACET_NAMES[key], "values": links})
    return groups


@require_safe
def library(request):
    params = {key: request.GET.get(key, "") for key in selectors.LIBRARY_PARAMS}
    result = selectors.library(params, page=_page(request))
    kept = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "knowledge/library.html",
        {
            "library": result,
            "params": params,
            "facet_groups": _facet_groups(result.facets, params),
            "page_link": f"?{kept}&page=" if kept else "?page=",
            "can_register": request.user.is_authenticated
            and services.can_register_somewhere(request.user),
        },
    )


@require_safe
def case_detail(request, pk):
    case = _case(request, pk)
    user = request.user
    replications = list(case.replications.select_related("municipality__region"))
    comments = case.comments.select_related("author")
    may_moderate = user.is_authenticated and services.can_moderate(user)
    if not may_moderate:
        comments = comments.filter(hidden=False)
    rating = case.ratings.aggregate(average=Avg("usefulness"), count=Count("pk"))
    reporting = (
        Municipality.objects.filter(pk__in=municipality_ids_for(user)).exclude(
            pk=case.municipality_id
        )
        if user.is_authenticated and case.is_public
        else Municipality.objects.none()
    )
    task = services.systematise_task(case) if not case.is_public else None
    feedback = case.is_public and services.can_give_feedback(user)
    return render(
        request,
        "knowledge/case_detail.html",
        {
            "case": case,
            "steps": STEPS,
            "milestones": case.milestones.all(),
            "indicators": case.indicators.all(),
            "evidence": case.evidence.all(),
            "replications": replications,
            "replicated": sum(1 for r in replications if r.state != Replication.State.ABANDONED),
            "comments": comments,
            "rating": rating,
            "related": selectors.related(case) if case.is_public else [],
            "comment_form": CommentForm() if feedback else None,
            "rating_form": RatingForm() if feedback else None,
            "replication_form": ReplicationForm(municipalities=reporting)
            if reporting.exists()
            else None,
            "may_moderate": may_moderate,
            "can_edit": user.is_authenticated and services.can_edit(user, case),
            "can_revise": user.is_authenticated
            and case.is_public
            and services.can_revise(user)
            and not Case.objects.filter(revises=case).exists(),
            "task": task,
            "criteria": [(label, case.criteria.get(key)) for key, label in CRITERIA],
            "curations": case.curations.select_related("reviewer") if not case.is_public else [],
        },
    )


@require_safe
def case_pdf(request, pk):
    case = _case(request, pk)
    response = HttpResponse(pdf.render(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="caso-{case.pk}.pdf"'
    return response


# Registration and the guided systematisation ----------------------------------------------


@login_required
def register(request):
    municipalities = services.registrable_municipalities(request.user)
    if not municipalities.exists():
        raise PermissionDenied
    form = CaseRegistrationForm(
        request.POST or None,
        municipalities=municipalities,
        initial={"title": request.GET.get("title", "")[:200]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = services.register_case(request.user, form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Case registered; a specialist will systematise it."))
            return redirect(case)
    return render(request, "knowledge/register.html", {"form": form})


def _steps(case):
    """The guided form's tabs: the case's details, then the five steps (with a tick when done)."""
    return [(DETAILS_STEP, _("Case details"), True)] + [
        (n, label, case.step_complete(n)) for n, label in STEPS
    ]


@login_required
def systematise(request, pk, step):
    case = _case(request, pk)
    if step not in dict(STEPS) and step != DETAILS_STEP:
        raise Http404
    if not services.can_edit(request.user, case):
        raise PermissionDenied
    details = step == DETAILS_STEP
    Form = CaseDetailsForm if details else step_form(step)
    form = Form(request.POST or None, instance=case, prefix="case")
    formset = None
    if step == 3:
        formset = MilestoneFormSet(request.POST or None, instance=case, prefix="milestones")
    elif step == 5:
        formset = IndicatorFormSet(request.POST or None, instance=case, prefix="indicators")
    evidence_form = EvidenceForm(prefix="evidence") if step == 5 else None
    if request.method == "POST":
        valid = form.is_valid() and (formset is None or formset.is_valid())
        if valid:
            try:
                if details:
                    services.save_details(case, request.user, form.cleaned_data)
                else:
                    services.save_step(case, request.user, step, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if formset is not None:
                    services.record_children(
                        case, request.user, "milestones" if step == 3 else "indicators", formset
                    )
                if details:
                    messages.success(request, _("Case details saved."))
                else:
                    messages.success(request, _("Step %(step)s saved.") % {"step": step})
                following = step + 1 if step < len(STEPS) and "next" in request.POST else step
                return redirect("knowledge:systematise", pk=case.pk, step=following)
    case.refresh_from_db()
    task = services.systematise_task(case)
    return render(
        request,
        "knowledge/systematise.html",
        {
            "case": case,
            "step": step,
            "details": details,
            "steps": _steps(case),
            "form": form,
            "formset": formset,
            "evidence_form": evidence_form,
            "evidence": case.evidence.all(),
            "task": task,
            # The last step sends the case to curation by completing the task on its page,
            # with the button the task page names after the step.
            "send_form": SubmitCaseForm(task=task, user=request.user) if step == 5 else None,
            "send_label": CaseFlow.systematise.submit_label,
            "missing_steps": missing_steps_message(case) if case.missing_steps() else "",
        },
    )


@login_required
@require_POST
def autosave(request, pk, step):
    """Drafts are saved as the specialist types; nothing is validated until the step is saved."""
    case = _case(request, pk)
    if step not in dict(STEPS):
        raise Http404
    Form = step_form(step)
    data = {}
    for name in Form.base_fields:
        key = f"case-{name}"
        if key in request.POST:
            # NUL is never text (and PostgreSQL refuses it); the rest waits for the step's save.
            data[name] = request.POST[key][:20000].replace("\x00", "")
    if "results_type" in data and data["results_type"] not in Case.ResultsType.values:
        data.pop("results_type")
    try:
        case = services.save_step(case, request.user, step, data, autosave=True)
    except PermissionDenied:
        return JsonResponse({"saved": False}, status=403)
    return JsonResponse({"saved": True, "at": case.draft_saved_at.isoformat()})


@login_required
@require_POST
def add_evidence(request, pk):
    case = _case(request, pk)
    form = EvidenceForm(request.POST, request.FILES, prefix="evidence")
    if form.is_valid():
        try:
            services.add_evidence(case, request.user, form.save(commit=False))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Evidence added."))
    else:
        messages.error(
            request,
            " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect("knowledge:systematise", pk=case.pk, step=5)


# What a browser may show itself; every other evidence file is downloaded.
INLINE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


@require_safe
def evidence_file(request, pk):
    """An evidence file, to whoever may read its case (the public, once it is published)."""
    evidence = get_object_or_404(Evidence.objects.select_related("case"), pk=pk)
    _case(request, evidence.case_id)
    if not evidence.file:
        raise Http404
    name = evidence.file.name.rsplit("/", 1)[-1]
    extension = os.path.splitext(name)[1].lower()
    return attachment(
        evidence.file,
        filename=name,
        content_type=INLINE_TYPES.get(extension),
        inline=extension in INLINE_TYPES,
    )


@login_required
@require_POST
def revise(request, pk):
    case = _case(request, pk)
    try:
        new = services.revise(case, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(case)
    messages.success(request, _("Version %(version)s opened.") % {"version": new.version})
    return redirect(new)


# Transfer and feedback ------------------------------------------------------------------


@login_required
@require_POST
def replication(request, pk):
    case = _case(request, pk)
    municipalities = Municipality.objects.filter(pk__in=municipality_ids_for(request.user))
    form = ReplicationForm(request.POST, municipalities=municipalities)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(case)
    data = form.cleaned_data
    try:
        services.record_replication(
            case, request.user, data["municipality"], data["state"], data.get("report", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Replication recorded."))
    return redirect(case)


@login_required
@require_POST
def comment(request, pk):
    case = _case(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            new = services.add_comment(case, request.user, form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect(reverse("knowledge:case_detail", args=[case.pk]) + f"#comment-{new.pk}")
    else:
        messages.error(request, _("Write a comment."))
    return redirect(case)


@login_required
@require_POST
def moderate(request, pk):
    target = get_object_or_404(Comment.objects.select_related("case"), pk=pk)
    services.moderate(target, request.user, hidden=request.POST.get("hidden") != "0")
    return redirect(target.case)


@login_required
@require_POST
def rate(request, pk):
    case = _case(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(case, request.user, form.cleaned_data["usefulness"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for rating this case."))
    return redirect(case)


# Working list and open data ----------------------------------------------------------------


@login_required
@require_safe
def my_cases(request):
    cases = (
        selectors.visible_cases(request.user)
        .exclude(state=Case.State.PUBLISHED)
        .select_related("municipality", "theme", "specialist")
        .order_by("-created")[:200]
    )
    return render(
        request,
        "knowledge/my_cases.html",
        {"cases": cases, "can_register": services.can_register_somewhere(request.user)},
    )


EXPORT_FIELDS = [
    "id",
    "title",
    "municipality_code",
    "municipality",
    "state_name",
    "theme",
    "summary",
    "started_on",
    "ended_on",
    "results_type",
    "results",
    "lessons",
    "replicability",
    "contact_name",
    "published_at",
    "version",
    "url",
]


def _export_rows(request):
    cases = (
        Case.objects.filter(state=Case.State.PUBLISHED)
        .select_related("municipality__region", "theme")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=1000):
        yield {
            "id": case.pk,
            "title": case.title,
            "municipality_code": case.municipality.code,
            "municipality": case.municipality.name,
            "state_name": case.municipality.region.name,
            "theme": case.theme.name,
            "summary": case.summary,
            "started_on": case.started_on.isoformat(),
            "ended_on": case.ended_on.isoformat() if case.ended_on else None,
            "results_type": case.results_type,
            "results": case.results,
            "lessons": case.lessons,
            "replicability": case.replicability,
            "contact_name": case.contact_name,
            "published_at": case.published_at.isoformat() if case.published_at else None,
            "version": case.version,
            "url": request.build_absolute_uri(case.get_absolute_url()),
        }


@require_safe
def export(request, fmt):
    if fmt == "json":
        return JsonResponse(
            {"cases": list(_export_rows(request))}, json_dumps_params={"ensure_ascii": False}
        )
    if fmt != "csv":
        raise Http404
    rows = ([row[k] for k in EXPORT_FIELDS] for row in _export_rows(request))
    return csvfiles.response(
        EXPORT_FIELDS, rows, "casos-de-innovacion.csv", csvfiles.dialect_for(request)
    )
