from django.urls import path

from . import views

app_name = "specialprojects"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("new/", views.define, name="define"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/one-pager.pdf", views.one_pager, name="one_pager"),
    path("milestones/<int:pk>/deliverable/", views.milestone_file, name="milestone_file"),
    path("<int:pk>/<str:action>/", views.change_state, name="change_state"),
]
