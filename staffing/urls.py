from django.urls import path

from . import views

app_name = "staffing"

urlpatterns = [
    path("positions/", views.position_list, name="position_list"),
    path("positions/new/", views.position_create, name="position_create"),
    path("positions/<int:pk>/", views.position_detail, name="position_detail"),
    path("positions/<int:pk>/candidates/", views.candidate_add, name="candidate_add"),
    path("positions/<int:pk>/cancel/", views.position_cancel, name="position_cancel"),
    path("positions/<int:pk>/contract.pdf", views.position_contract, name="position_contract"),
    path("positions/<int:pk>/invitation/", views.invitation_resend, name="invitation_resend"),
    path("candidates/<int:pk>/cv/", views.candidate_cv, name="candidate_cv"),
    path(
        "candidates/<int:pk>/anonymisation/",
        views.candidate_anonymisation,
        name="candidate_anonymisation",
    ),
    path("welcome/<uidb64>/<token>/", views.welcome, name="welcome"),
]
