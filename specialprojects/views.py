"""Project pages: the portfolio, a project's page, one-pager and deliverables, defining one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_fsm import TransitionNotAllowed

from workflows.files import attachment
from workflows.models import Process

from . import pdf, selectors, services
from .forms import ProjectDefinitionForm
from .models import Milestone, Project, ProjectLine


def _project(request, pk):
    project = get_object_or_404(Project.objects.select_related("line", "lead", "currency"), pk=pk)
    if not selectors.visible_projects(request.user).filter(pk=pk).exists():
        raise Http404
    return project


@login_required
@require_safe
def portfolio(request):
    params = {key: request.GET.get(key, "") for key in ("line", "state", "late")}
    return render(
        request,
        "specialprojects/portfolio.html",
        {
            "projects": selectors.portfolio(request.user, params),
            "params": params,
            "lines": ProjectLine.objects.all(),
            "states": Project.State.choices,
            "can_define": request.user.has_perm(services.APPROVE),
        },
    )


@login_required
def define(request):
    if not request.user.has_perm(services.APPROVE):
        raise PermissionDenied
    form = ProjectDefinitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.define(request.user, form.cleaned_data)
        messages.success(request, _("Project defined; its lead drafts the proposal."))
        return redirect(project)
    return render(request, "specialprojects/define.html", {"form": form})


@login_required
@require_safe
def project_detail(request, pk):
    project = _project(request, pk)
    milestones, gantt, start, end = selectors.timeline(project)
    return render(
        request,
        "specialprojects/project_detail.html",
        {
            "project": project,
            "team": project.team.select_related("user"),
            "municipalities": project.municipalities.select_related("region"),
            "indicators": project.indicators.all(),
            "gantt": gantt,
            "gantt_start": start,
            "gantt_end": end,
            "documents": [m for m in milestones if m.file],
            "periods": project.fiscal_periods.all(),
            "can_manage": request.user.has_perm(services.APPROVE),
            "process": Process.for_subject(project),
        },
    )


@login_required
@require_safe
def one_pager(request, pk):
    project = _project(request, pk)
    response = HttpResponse(pdf.render(project), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="proyecto-{project.pk}.pdf"'
    return response


@login_required
@require_safe
def milestone_file(request, pk):
    """A milestone's deliverable, to whoever may read its project (another's: not found)."""
    milestone = get_object_or_404(Milestone, pk=pk)
    _project(request, milestone.project_id)
    if not milestone.file:
        raise Http404
    return attachment(milestone.file)


@login_required
@require_POST
def change_state(request, pk, action):
    """The coordination suspends, resumes or cancels a project, with a reason."""
    project = _project(request, pk)
    try:
        services.change_state(
            project, user=request.user, action=action, comment=request.POST.get("comment", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except TransitionNotAllowed as error:  # the project's state does not allow it
        messages.error(request, str(error))
    else:
        messages.success(request, _("Project: %(state)s.") % {"state": project.get_state_display()})
    return redirect(project)
