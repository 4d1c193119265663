"""Queues, inbox, archive, task pages and process histories. Thin: rules live in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_fsm import TransitionNotAllowed

from . import audit, display, permissions, selectors, services, task_page, tokens
from .chart import process_chart
from .forms import ApiTokenForm, AuditSearchForm, ReassignForm, SlaPolicyForm
from .models import ApiToken, Process, SlaPolicy
from .pagination import paginate
from .roles import Role, has_role

LISTS = {"queue": selectors.queue, "inbox": selectors.inbox, "archive": selectors.archive}


def _flow_choices():
    from .registry import flow_choices

    return flow_choices()


@login_required
@require_safe
def home(request):
    user = request.user
    context = {
        "queue_count": selectors.queue(user).count(),
        "inbox_count": selectors.inbox(user).count(),
        "overdue": selectors.filter_tasks(selectors.inbox(user), {"due": "overdue"})[:5],
        "recent_processes": selectors.with_progress(selectors.processes(user))[:8],
        "can_start_onboarding": has_role(user, Role.FACILITATOR),
    }
    return render(request, "workflows/home.html", context)


@login_required
@require_safe
def task_list(request, kind):
    selector = LISTS[kind]
    tasks = selectors.filter_tasks(selector(request.user), request.GET)
    listing = paginate(request, tasks, ids_first=True)
    municipalities = selectors.municipality_choices(selector(request.user))
    return render(
        request,
        "workflows/task_list.html",
        {
            "kind": kind,
            **listing,
            "flows": _flow_choices(),
            "municipalities": municipalities,
        },
    )


def _visible_task(request, pk):
    try:
        return services.visible_task(request.user, pk)
    except services.TaskNotFound:
        raise Http404 from None


@login_required
def task_detail(request, pk):
    if request.method == "POST":
        return _complete_from_page(request, pk)
    task = _visible_task(request, pk)
    form_class = services.form_class_for(request.user, task)
    form = form_class(task=task, user=request.user) if form_class else None
    return _task_page(request, task, form)


def _complete_from_page(request, pk):
    """The task's form, posted: completed as the API completes it (one service)."""
    try:
        task, form, completed = services.complete_with_form(
            pk, request.user, request.POST, request.FILES, request=request
        )
    except services.TaskNotFound:
        raise Http404 from None
    except (TransitionNotAllowed, services.TaskUnavailable) as error:
        messages.error(request, str(error))
        return redirect("workflows:task_detail", pk=pk)
    if not completed:  # shown once the lock is released
        return _task_page(request, task, form)
    messages.success(request, _("Task completed: %(task)s") % {"task": task.title})
    return redirect("workflows:process_detail", pk=task.process_id)


def _task_page(request, task, form):
    reassign_form = None
    if permissions.can_manage(request.user) and task.is_open:
        reassign_form = ReassignForm(candidates=permissions.candidates(task), holder=task.owner)
    return render(
        request,
        "workflows/task_detail.html",
        {
            "task": task,
            "process": task.process,
            "form": form,
            "can_claim": permissions.can_claim(request.user, task),
            "can_release": permissions.can_release(request.user, task),
            "reassign_form": reassign_form,
            **task_page.around_the_form(task, request.user, request),
        },
    )


@login_required
@require_POST
def task_claim(request, pk):
    task = _visible_task(request, pk)
    try:
        services.claim(task, request.user)
    except services.TaskUnavailable as error:
        messages.error(request, str(error))
        return redirect("workflows:queue")
    messages.success(request, _("The task is now yours."))
    return redirect("workflows:task_detail", pk=task.pk)


@login_required
@require_POST
def task_release(request, pk):
    task = _visible_task(request, pk)
    try:
        services.release(task, request.user)
    except services.TaskUnavailable as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The task is back in the queue."))
    return redirect("workflows:task_detail", pk=task.pk)


@login_required
@require_POST
def task_reassign(request, pk):
    task = _visible_task(request, pk)
    if not permissions.can_manage(request.user):
        raise PermissionDenied
    form = ReassignForm(request.POST, candidates=permissions.candidates(task))
    if not form.is_valid():
        messages.error(request, _("Choose a person who can take this task."))
        return redirect("workflows:task_detail", pk=task.pk)
    try:
        services.reassign(
            task, request.user, form.cleaned_data["owner"], form.cleaned_data["comment"]
        )
    except services.TaskUnavailable as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Task reassigned."))
    return redirect("workflows:task_detail", pk=task.pk)


@login_required
@require_safe
def process_list(request):
    qs = selectors.processes(request.user)
    flow = selectors.flow_from_ref(request.GET.get("flow"))
    if flow:
        qs = qs.filter(flow_class=flow)
    status = request.GET.get("status")
    if status:
        qs = qs.filter(status=status)
    listing = paginate(request, selectors.with_progress(qs))
    return render(
        request,
        "workflows/process_list.html",
        {
            **listing,
            "flows": _flow_choices(),
        },
    )


@login_required
@require_safe
def process_detail(request, pk):
    process = get_object_or_404(
        Process.objects.select_related("municipality", "started_by", "subject_type"), pk=pk
    )
    if not permissions.can_view_process(request.user, process):
        raise Http404
    tasks = selectors.process_tasks(process)
    return render(
        request,
        "workflows/process_detail.html",
        {
            "process": process,
            "subject": process.subject,
            "subject_kind": selectors.subject_kind(process),
            "chart": process_chart(process, tasks),
            "tasks": [task for task in tasks if task.flow_task_type == "HUMAN"],
            "events": display.read_events(
                selectors.process_history(process), process.flow_class, viewer=request.user
            ),
        },
    )


@login_required
@require_safe
def sla_list(request):
    if not (permissions.can_manage(request.user) or request.user.has_perm(permissions.VIEW_ALL)):
        raise PermissionDenied
    return render(
        request,
        "workflows/sla_list.html",
        {
            "groups": selectors.sla_policies_by_process(),
            "can_edit": permissions.can_manage(request.user),
        },
    )


@login_required
@permission_required(permissions.MANAGE_TASKS, raise_exception=True)
def sla_edit(request, pk):
    policy = get_object_or_404(SlaPolicy, pk=pk)
    before = {f: getattr(policy, f) for f in SlaPolicyForm.Meta.fields}
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            policy = form.save(commit=False)
            policy.updated_by = request.user
            policy.save()
            audit.record(
                "sla.edited",
                actor=request.user,
                subject=policy,
                before=before,
                after={f: getattr(policy, f) for f in SlaPolicyForm.Meta.fields},
            )
        messages.success(request, _("SLA policy saved."))
        return redirect("workflows:sla_list")
    return render(
        request, "workflows/sla_edit.html", {"form": form, "policy": selectors.named_policy(policy)}
    )


@login_required
@permission_required("workflows.verify_audit_trail", raise_exception=True)
def audit_verify(request):
    result = None
    if request.method == "POST":
        result = audit.verify()
        audit.record_verification(result, actor=request.user)
    return render(request, "workflows/audit_verify.html", {"result": result})


@login_required
@require_safe
@permission_required("workflows.view_auditevent", raise_exception=True)
def audit_search(request):
    from .actions import LABELS
    from .display import read_events
    from .models import scope_model

    Region = scope_model()._meta.get_field("region").related_model

    form = AuditSearchForm(
        request.GET or None,
        flows=_flow_choices(),
        regions=sorted(
            Region.objects.values_list("pk", "name"), key=lambda row: display.alphabetical(row[1])
        ),
        actions=sorted(LABELS.items(), key=lambda item: display.alphabetical(item[1])),
    )
    events, next_before = [], None
    if form.is_valid() or not request.GET:
        filters = form.cleaned_data if form.is_bound else {}
        before = request.GET.get("before", "")
        events, next_before = selectors.keyset_page(
            selectors.audit_search(filters), int(before) if before.isdigit() else None
        )
        events = selectors.with_process_type(read_events(events, viewer=request.user))
    params = request.GET.copy()
    params.pop("before", None)
    return render(
        request,
        "workflows/audit_search.html",
        {
            "form": form,
            "events": events,
            "next_before": next_before,
            "querystring": params.urlencode(),
        },
    )


def _readable_process(request, pk):
    process = get_object_or_404(
        Process.objects.select_related("municipality__region", "started_by"), pk=pk
    )
    if not permissions.can_view_process(request.user, process):
        raise Http404
    return process


@login_required
@require_safe
def process_history_csv(request, pk):
    from django.http import HttpResponse

    from . import csvfiles
    from .exports import history_csv

    process = _readable_process(request, pk)
    dialect = csvfiles.dialect_for(request, default=csvfiles.SPANISH)
    response = HttpResponse(
        history_csv(
            process, selectors.process_history(process), viewer=request.user, dialect=dialect
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="proceso-{process.pk}.csv"'
    return response


@login_required
@require_safe
def process_history_pdf(request, pk):
    from django.http import HttpResponse

    from .exports import history_pdf

    process = _readable_process(request, pk)
    pdf = history_pdf(process, selectors.process_history(process), user=request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proceso-{process.pk}.pdf"'
    return response


# The person's own page: their API tokens -------------------------------------


def _profile_page(request, *, form=None, new_key=None, new_token=None, status=200):
    return render(
        request,
        "workflows/profile.html",
        {
            "tokens": tokens.for_user(request.user),
            "form": form or ApiTokenForm(),
            "new_key": new_key,
            "new_token": new_token,
            "max_live": tokens.MAX_LIVE,
        },
        status=status,
    )


@login_required
@require_safe
def profile(request):
    return _profile_page(request)


@login_required
@require_POST
def token_create(request):
    """Issue a token and show its key this once (the page is not cached: see below)."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, form=form)
    try:
        token, key = tokens.issue(
            user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _profile_page(request, form=form)
    response = _profile_page(request, new_key=key, new_token=token)
    response["Cache-Control"] = "no-store"  # the key must not stay in any cache
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke(token=token, actor=request.user)
    messages.success(request, _("The token «%(name)s» was revoked.") % {"name": token.name})
    return redirect("workflows:profile")
