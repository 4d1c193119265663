from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/queue/", views.task_list, {"kind": "queue"}, name="queue"),
    path("tasks/inbox/", views.task_list, {"kind": "inbox"}, name="inbox"),
    path("tasks/archive/", views.task_list, {"kind": "archive"}, name="archive"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", views.task_release, name="task_release"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("processes/", views.process_list, name="process_list"),
    path("processes/<int:pk>/", views.process_detail, name="process_detail"),
    path("processes/<int:pk>/history.csv", views.process_history_csv, name="process_history_csv"),
    path("processes/<int:pk>/history.pdf", views.process_history_pdf, name="process_history_pdf"),
    path("audit/", views.audit_search, name="audit_search"),
    path("sla/", views.sla_list, name="sla_list"),
    path("sla/<int:pk>/", views.sla_edit, name="sla_edit"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/tokens/", views.token_create, name="token_create"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
