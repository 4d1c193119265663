from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agreements.api import AgreementViewSet, MunicipalityViewSet
from agreements.api_start import StartOnboarding
from finance import api as finance_api
from finance.api_start import OpenPeriod
from knowledge.api import CaseFileViewSet, CaseViewSet
from knowledge.api_start import RegisterCase
from networks.api import NetworkViewSet
from networks.api_start import ProposeNetwork
from pagg import health
from specialprojects.api import ProjectViewSet
from specialprojects.api_start import DefineProject
from staffing.api import PositionViewSet
from staffing.api_start import OpenPosition
from workflows.api import ProcessViewSet, TaskViewSet

# The admin is part of the programme's site, not "Django's": its header says whose it is.
admin.site.site_header = _("PAGG Municipal administration")
admin.site.site_title = _("PAGG Municipal administration")

router = DefaultRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("processes", ProcessViewSet, basename="process")
router.register("municipalities", MunicipalityViewSet, basename="municipality")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("finance/periods", finance_api.FiscalPeriodViewSet, basename="finance-period")
router.register("finance/classifier", finance_api.ClassifierViewSet, basename="finance-classifier")
router.register("finance/indicators", finance_api.IndicatorViewSet, basename="finance-indicator")
router.register("finance/lines", finance_api.LineViewSet, basename="finance-line")
router.register("finance/submissions", finance_api.SubmissionViewSet, basename="finance-submission")
router.register("knowledge/cases", CaseViewSet, basename="knowledge-case")
router.register("knowledge/case-files", CaseFileViewSet, basename="knowledge-case-file")
router.register("networks", NetworkViewSet, basename="network")
router.register("projects", ProjectViewSet, basename="project")
router.register("staffing/positions", PositionViewSet, basename="position")

# Starting a process through the API, wherever a person starts one on a page: GET
# describes the start form, POST starts (see ``workflows.api.StartProcessView``).
api_starts = [
    path("onboarding/", StartOnboarding.as_view(), name="process-start-onboarding"),
    path("hiring/", OpenPosition.as_view(), name="process-start-hiring"),
    path("networks/", ProposeNetwork.as_view(), name="process-start-network"),
    path("projects/", DefineProject.as_view(), name="process-start-project"),
    path("cases/", RegisterCase.as_view(), name="process-start-case"),
    path("finance/", OpenPeriod.as_view(), name="process-start-finance"),
]

urlpatterns = [
    path("health/", health.alive, name="health"),
    path("health/ready/", health.ready, name="health_ready"),
    path("", include("workflows.urls")),
    path("municipalities/", include("agreements.urls")),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("finance/", include("finance.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("staffing/", include("staffing.urls")),
    path("networks/", include("networks.urls")),
    path("projects/", include("specialprojects.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/processes/", include(api_starts)),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/docs.html"),
        name="api_docs",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "pagg.views.bad_request"
handler403 = "pagg.views.permission_denied"
handler404 = "pagg.views.page_not_found"
handler500 = "pagg.views.server_error"
