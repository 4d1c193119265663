from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.pdf", views.dashboard_pdf, name="dashboard_pdf"),
]
