from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.municipality_list, name="municipality_list"),
    path("<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("onboarding/start/", views.start_onboarding, name="start_onboarding"),
    path("scopes/", views.scope_list, name="scope_list"),
    path("agreements/<int:pk>/document/", views.signed_document, name="signed_document"),
    path("agreements/<int:pk>/agreement.pdf", views.agreement_pdf, name="agreement_pdf"),
    path(
        "agreements/<int:pk>/<str:action>/",
        views.agreement_change,
        name="agreement_change",
    ),
]
