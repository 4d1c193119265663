from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("files/", views.report_files, name="files"),
    path("files/<int:pk>/", views.report_download, name="download"),
]
