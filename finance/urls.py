from django.urls import path

from . import views, views_explore

app_name = "finance"

urlpatterns = [
    # Public
    path("", views.public_index, name="public_index"),
    path("municipalities/<str:code>/", views.profile, name="profile"),
    path("compare/", views.compare, name="compare"),
    path("methodology/", views.methodology, name="methodology"),
    path("data/", views.downloads, name="downloads"),
    path("data/lines.<str:fmt>", views.download_lines, name="download_lines"),
    path("data/indicators.<str:fmt>", views.download_indicators, name="download_indicators"),
    path("data/datapackage.json", views.datapackage, name="datapackage"),
    path("periods/<int:pk>/board/", views.board, name="board"),
    path("periods/<int:pk>/calendar/", views_explore.calendar, name="calendar"),
    path(
        "municipalities/<str:code>/periods/<int:period>/classifier/",
        views_explore.classifier,
        name="classifier",
    ),
    path(
        "municipalities/<str:code>/periods/<int:period>/classifier/<str:node>/",
        views_explore.classifier,
        name="classifier_node",
    ),
    path("municipalities/<str:code>/series/<str:node>/", views_explore.series, name="series"),
    # Working pages
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/upload/", views.submission_upload, name="submission_upload"),
    path("submissions/<int:pk>/template.xlsx", views.template_download, name="template"),
    path("submissions/<int:pk>/correct/", views.submission_correct, name="submission_correct"),
    path("uploads/<int:pk>/status/", views.upload_status, name="upload_status"),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    path("uploads/<int:pk>/findings/", views.upload_findings, name="upload_findings"),
    path(
        "uploads/<int:pk>/findings.<str:fmt>",
        views.upload_findings_download,
        name="upload_findings_download",
    ),
    path("api-token/", views.api_token, name="api_token"),
]
