from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from workflows.roles import Role, has_role, is_coordination_staff

from . import pdf, selectors
from .forms import ReportFilterForm


def _report(request):
    user = request.user
    if not (is_coordination_staff(user) or has_role(user, Role.FACILITATOR, Role.AUDITOR)):
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None)
    if not (form.is_bound and form.is_valid()):
        form_defaults = ReportFilterForm({})
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
