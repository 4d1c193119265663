"""Municipality pages: the scoped list, the case file, starting onboarding, contacts."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_fsm import TransitionNotAllowed

from workflows import selectors as wf_selectors
from workflows.files import private
from workflows.models import Task
from workflows.pagination import paginate
from workflows.roles import Role

from . import pdf, scope, selectors, services
from .forms import ContactLogForm, ScopeForm, StartOnboardingForm
from .models import Agreement, Municipality, Region


@login_required
@require_safe
def municipality_list(request):
    qs = scope.visible_municipalities(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    region = request.GET.get("region", "")
    if region.isdigit():
        qs = qs.filter(region_id=int(region))
    member = request.GET.get("member")
    if member in {"yes", "no"}:
        qs = qs.filter(is_member=member == "yes")
    listing = paginate(request, qs.order_by("region__name", "name"))
    return render(
        request,
        "agreements/municipality_list.html",
        {
            **listing,
            "regions": Region.objects.all(),
        },
    )


def _visible_municipality(request, pk):
    municipality = scope.visible_municipalities(request.user).filter(pk=pk).first()
    if municipality is None:
        raise Http404
    return municipality


@login_required
@require_safe
def municipality_detail(request, pk):
    municipality = _visible_municipality(request, pk)
    processes = (
        wf_selectors.processes(request.user)
        .filter(municipality=municipality)
        .prefetch_related("subject")  # Process.state_label
    )
    open_tasks = (
        Task.objects.human()
        .open()
        .filter(municipality=municipality)
        .select_related("owner", "process")
        .order_by("due_at")
    )
    agreements = municipality.agreements.select_related("facilitator").order_by("-created")
    current = next((a for a in agreements if a.state == Agreement.State.ACTIVE), None) or (
        agreements[0] if agreements else None
    )
    user = request.user
    return render(
        request,
        "agreements/municipality_detail.html",
        {
            "municipality": municipality,
            "authorities": municipality.authorities.filter(is_current=True),
            "agreements": agreements,
            "agreement": current,
            "open_processes": [p for p in processes if not p.finished],
            "past_processes": [p for p in processes if p.finished][:20],
            "open_tasks": open_tasks,
            "contacts": municipality.contacts.select_related("recorded_by")[:50],
            "history": wf_selectors.subject_history(municipality)[:50],
            "can_record_contact": user.has_perm(scope.FACILITATE, municipality)
            or user.has_perm("workflows.act_as_coordinator"),
            "can_start": user.has_perm(scope.FACILITATE, municipality)
            and not municipality.is_member
            and not services.open_onboarding(municipality).exists(),
            "can_change_membership": user.has_perm("agreements.activate_agreement"),
        },
    )


@login_required
def start_onboarding(request):
    municipalities = scope.facilitated_municipalities(request.user).filter(is_member=False)
    if not municipalities.exists():
        raise PermissionDenied
    initial = {}
    if request.GET.get("municipality", "").isdigit():
        initial["municipality"] = int(request.GET["municipality"])
    form = StartOnboardingForm(request.POST or None, municipalities=municipalities, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            process = services.start_onboarding(
                request.user, form.cleaned_data["municipality"], form.cleaned_data
            )
        except PermissionDenied as error:
            form.add_error("municipality", str(error))
        else:
            messages.success(
                request, _("Onboarding started. The agreement draft is in your inbox.")
            )
            return redirect("workflows:process_detail", pk=process.pk)
    return render(request, "agreements/start_onboarding.html", {"form": form})


@login_required
def contact_create(request, pk):
    municipality = _visible_municipality(request, pk)
    User = get_user_model()
    people = User.objects.filter(is_active=True).order_by("username")
    if not (
        request.user.has_perm(scope.FACILITATE, municipality)
        or request.user.has_perm("workflows.act_as_coordinator")
    ):
        raise PermissionDenied
    form = ContactLogForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        services.record_contact(request.user, municipality, form.cleaned_data)
        messages.success(request, _("Contact recorded."))
        return redirect("agreements:municipality_detail", pk=municipality.pk)
    return render(
        request, "agreements/contact_form.html", {"form": form, "municipality": municipality}
    )


@login_required
@require_POST
def agreement_change(request, pk, action):
    agreement = get_object_or_404(Agreement, pk=pk)
    _visible_municipality(request, agreement.municipality_id)
    if action not in {"suspend", "reinstate", "terminate"}:
        raise Http404
    if not request.user.has_perm("agreements.activate_agreement"):
        raise PermissionDenied
    comment = request.POST.get("comment", "").strip()
    try:
        services.change_membership(agreement, action, request.user, comment)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Agreement updated."))
    return redirect("agreements:municipality_detail", pk=agreement.municipality_id)


@login_required
@require_safe
def signed_document(request, pk):
    """Signed agreements are served only to those who may see the municipality."""
    agreement = get_object_or_404(Agreement, pk=pk)
    _visible_municipality(request, agreement.municipality_id)
    if not agreement.signed_document:
        raise Http404
    # Shown in the browser's PDF viewer (no sandbox, which would block it), privately.
    return private(
        FileResponse(
            agreement.signed_document.open("rb"),
            content_type="application/pdf",
            filename=f"convenio-{agreement.municipality.code}-{agreement.pk}.pdf",
        )
    )


@login_required
@require_safe
def agreement_pdf(request, pk):
    """The agreement as a document to sign, for those who may see the municipality."""
    agreement = get_object_or_404(
        Agreement.objects.select_related("municipality__region", "facilitator", "renewal_of"),
        pk=pk,
    )
    _visible_municipality(request, agreement.municipality_id)
    data = pdf.render(agreement, selectors.current_authorities(agreement.municipality))
    response = HttpResponse(data, content_type="application/pdf")
    name = f"convenio-{agreement.municipality.code}-{agreement.pk}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return private(response)


@login_required
def scope_list(request):
    """Who acts for which territory; coordinators grant and revoke here."""
    if not request.user.has_perm("workflows.manage_tasks"):
        raise PermissionDenied
    User = get_user_model()
    people = (
        User.objects.filter(
            groups__name__in=[Role.FACILITATOR, Role.MUNICIPAL_OFFICER], is_active=True
        )
        .distinct()
        .order_by("username")
    )
    form = ScopeForm(
        request.POST or None,
        people=people,
        regions=Region.objects.all(),
        municipalities=Municipality.objects.select_related("region"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.change_scope(
            request.user,
            data["user"],
            data["role"],
            region=data["region"],
            municipality=data["municipality"],
            revoke=data["action"] == ScopeForm.REVOKE,
        )
        messages.success(request, _("Scope updated."))
        return redirect("agreements:scope_list")
    return render(
        request,
        "agreements/scope_list.html",
        {"form": form, "rows": scope.scope_table(people)},
    )
