from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [
    path("", views.library, name="library"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/case.pdf", views.case_pdf, name="case_pdf"),
    path("cases/new/", views.register, name="register"),
    path("cases/mine/", views.my_cases, name="my_cases"),
    path("cases/<int:pk>/steps/<int:step>/", views.systematise, name="systematise"),
    path("cases/<int:pk>/steps/<int:step>/autosave/", views.autosave, name="autosave"),
    path("cases/<int:pk>/evidence/", views.add_evidence, name="add_evidence"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
    path("cases/<int:pk>/revise/", views.revise, name="revise"),
    path("cases/<int:pk>/replications/", views.replication, name="replication"),
    path("cases/<int:pk>/comments/", views.comment, name="comment"),
    path("cases/<int:pk>/rating/", views.rate, name="rate"),
    path("comments/<int:pk>/moderate/", views.moderate, name="moderate"),
    path("data/cases.<str:fmt>", views.export, name="export"),
]
