"""Position pages, candidates and their CVs, and the new specialist's welcome page.

Personal data (names, e-mails, phones, CVs, evaluation notes) is shown only to
holders of ``staffing.view_candidate_personal_data`` (coordination staff);
auditors read positions with candidates numbered, and write nothing.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_fsm import TransitionNotAllowed

from workflows import audit, display
from workflows import selectors as wf_selectors
from workflows.files import attachment
from workflows.models import Process, Task
from workflows.pagination import paginate

from . import services
from .forms import CancelPositionForm, CandidateForm, PositionForm
from .models import (
    MANAGE_HIRING,
    REGISTER_CANDIDATES,
    VIEW_PERSONAL_DATA,
    Candidate,
    Contract,
    Position,
)
from .permissions import can_see_personal_data

VIEW_POSITIONS = "staffing.view_position"


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied


def _position(request, pk):
    _require(request.user, VIEW_POSITIONS)
    return get_object_or_404(
        Position.objects.select_related("theme", "network", "opened_by"), pk=pk
    )


def _errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_safe
def position_list(request):
    _require(request.user, VIEW_POSITIONS)
    qs = Position.objects.select_related("theme", "network").order_by("-created")
    state = request.GET.get("state", "")
    if state in Position.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "staffing/position_list.html",
        {
            **paginate(request, qs),
            "states": Position.State.choices,
            "state": state,
            "can_open": request.user.has_perm(MANAGE_HIRING),
        },
    )


@login_required
def position_create(request):
    _require(request.user, MANAGE_HIRING)
    form = PositionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            position, _process = services.open_position(request.user, form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(
                request, _("Position opened. The candidates' registration is in the queue.")
            )
            return redirect(position)
    return render(request, "staffing/position_form.html", {"form": form})


def _detail_context(request, position, candidate_form=None, cancel_form=None):
    user = request.user
    personal = can_see_personal_data(user)
    candidates = list(position.candidates.select_related("evaluation__evaluator"))
    process = Process.for_subject(position)
    open_tasks = (
        Task.objects.human().open().filter(process=process).select_related("owner")
        if process is not None
        else Task.objects.none()
    )
    contract = getattr(position, "contract", None)
    return {
        "position": position,
        "process": process,
        "candidates": candidates,
        "personal": personal,
        "contract": contract,
        "hired": next((c for c in candidates if c.pk == position.hired_id), None),
        "open_tasks": open_tasks,
        "history": (
            display.read_events(
                wf_selectors.process_history(process), process.flow_class, viewer=request.user
            )
            if process is not None
            else []
        ),
        "candidate_form": candidate_form
        or (
            CandidateForm()
            if position.state == Position.State.OPEN and user.has_perm(REGISTER_CANDIDATES)
            else None
        ),
        "cancel_form": cancel_form
        or (
            CancelPositionForm() if not position.is_ended and user.has_perm(MANAGE_HIRING) else None
        ),
        "can_resend": position.state == Position.State.FILLED
        and contract is not None
        and user.has_perm(MANAGE_HIRING),
    }


@login_required
@require_safe
def position_detail(request, pk):
    position = _position(request, pk)
    return render(request, "staffing/position_detail.html", _detail_context(request, position))


@login_required
@require_POST
def candidate_add(request, pk):
    _require(request.user, REGISTER_CANDIDATES)
    position = _position(request, pk)
    form = CandidateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            candidate = services.register_candidate(position, request.user, form.cleaned_data)
        except ValidationError as error:
            _errors(form, error)
        else:
            messages.success(
                request, _("%(candidate)s registered.") % {"candidate": candidate.label}
            )
            return redirect(position)
    return render(
        request,
        "staffing/position_detail.html",
        _detail_context(request, position, candidate_form=form),
        status=400,
    )


@login_required
@require_POST
def position_cancel(request, pk):
    _require(request.user, MANAGE_HIRING)
    position = _position(request, pk)
    form = CancelPositionForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_position(position, request.user, form.cleaned_data["comment"])
        except ValidationError as error:
            _errors(form, error)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect(position)
        else:
            messages.success(request, _("Position cancelled."))
            return redirect(position)
    return render(
        request,
        "staffing/position_detail.html",
        _detail_context(request, position, cancel_form=form),
        status=400,
    )


@login_required
@require_POST
def invitation_resend(request, pk):
    _require(request.user, MANAGE_HIRING)
    position = _position(request, pk)
    try:
        services.resend_invitation(position, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The invitation will be sent again."))
    return redirect(position)


def _candidate(request, pk):
    _require(request.user, VIEW_PERSONAL_DATA)
    return get_object_or_404(Candidate.objects.select_related("position"), pk=pk)


@login_required
@require_safe
def candidate_cv(request, pk):
    candidate = _candidate(request, pk)
    if not candidate.cv:
        raise Http404
    # Named by the candidate's number: the file name people upload often carries theirs.
    return attachment(
        candidate.cv,
        filename=f"cv-{candidate.position_id}-{candidate.number}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_safe
def position_contract(request, pk):
    """The signed contract: it names the person hired, so coordination staff only."""
    _require(request.user, VIEW_PERSONAL_DATA)
    contract = get_object_or_404(Contract, position_id=pk)
    return attachment(
        contract.signed_contract,
        filename=f"contrato-{contract.position_id}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def candidate_anonymisation(request, pk):
    candidate = _candidate(request, pk)
    services.request_anonymisation(candidate, request.user)
    messages.success(
        request,
        _("Anonymisation requested: %(candidate)s's data will be erased once the process ends.")
        % {"candidate": candidate.label},
    )
    return redirect(candidate.position)


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: the new specialist sets their password, then logs in."""

    template_name = "staffing/welcome.html"
    success_url = reverse_lazy("login")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not getattr(self, "validlink", False) and getattr(response, "status_code", 0) == 200:
            response.status_code = 404  # an unknown or used link is not a page
        return response

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record(
                "account.password_set",
                actor=self.user,
                subject=self.user,
                after={"user": self.user.pk, "by": "invitation"},
            )
        messages.success(self.request, _("Your password is set. Log in to start."))
        return response


welcome = WelcomeView.as_view()
