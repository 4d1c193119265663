from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from workflows.roles import Role, has_role, is_coordination_staff

from . import pdf, selectors, services
from .forms import ReportFilterForm, ReportPeriodForm
from .models import ReportFile


def _report(request):
    user = request.user
    if not (is_coordination_staff(user) or has_role(user, Role.FACILITATOR, Role.AUDITOR)):
        raise PermissionDenied
    regions = selectors.regions_for(user)
    form = ReportFilterForm(request.GET or None, regions=regions)
    if not (form.is_bound and form.is_valid()):
        form_defaults = ReportFilterForm({}, regions=regions)
        form_defaults.is_valid()
        data = form_defaults.cleaned_data
    else:
        data = form.cleaned_data
    return form, selectors.build(user, data["start"], data["end"], data.get("region"))


@login_required
@require_safe
def dashboard(request):
    form, report = _report(request)
    return render(
        request,
        "reports/dashboard.html",
        {"form": form, "report": report, "querystring": request.GET.urlencode()},
    )


@login_required
@require_safe
def dashboard_pdf(request):
    _form, report = _report(request)
    response = HttpResponse(pdf.render(report, request.user), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="informe-{report.start:%Y%m%d}-{report.end:%Y%m%d}.pdf"'
    )
    return response


def _may_keep_reports(user):
    return is_coordination_staff(user) or has_role(user, Role.AUDITOR)


@login_required
def report_files(request):
    """The history of generated reports; coordinators request new ones here."""
    if not _may_keep_reports(request.user):
        raise PermissionDenied
    if request.method == "POST":
        if not is_coordination_staff(request.user):
            raise PermissionDenied
        form = ReportPeriodForm(request.POST)
        if form.is_valid():
            services.request_report(
                request.user, form.cleaned_data["start"], form.cleaned_data["end"]
            )
            messages.success(request, _("The report is being generated."))
            return redirect("reports:files")
    else:
        form = ReportPeriodForm()
    files = ReportFile.objects.select_related("requested_by")[:100]
    busy = any(f.status in (ReportFile.Status.PENDING, ReportFile.Status.RUNNING) for f in files)
    return render(request, "reports/files.html", {"files": files, "form": form, "busy": busy})


@login_required
@require_safe
def report_download(request, pk):
    if not _may_keep_reports(request.user):
        raise PermissionDenied
    report = get_object_or_404(ReportFile, pk=pk, status=ReportFile.Status.DONE)
    return FileResponse(
        report.file.open("rb"),
        content_type="application/pdf",
        filename=report.file.name.rsplit("/", 1)[-1],
    )
