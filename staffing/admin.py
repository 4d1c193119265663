"""Read-only admin: changes go through the hiring flow; personal data stays off these pages.

Candidates appear by number; names, e-mails, phones, identity numbers, CVs and
evaluation notes are shown only on the position page, to coordination staff.
"""

from django.contrib import admin

from .models import Candidate, Contract, Evaluation, Position


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["title", "theme", "network", "project_name", "state", "created"]
    list_filter = ["state", "theme"]
    search_fields = ["title", "project_name"]
    list_select_related = ["theme", "network"]
    fields = [
        "title",
        "profile",
        "expertise",
        "theme",
        "network",
        "project_name",
        "term_months",
        "state",
        "hired",
        "decision_comment",
        "opened_by",
        "created",
        "ended_at",
    ]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "position",
        "registered_at",
        "anonymisation_requested_at",
        "anonymised_at",
    ]
    list_filter = ["anonymised_at"]
    list_select_related = ["position"]
    fields = [
        "position",
        "number",
        "registered_by",
        "registered_at",
        "anonymisation_requested_at",
        "anonymised_at",
    ]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["candidate", "evaluator", "expertise", "experience", "fit", "created"]
    list_select_related = ["candidate", "evaluator"]
    fields = ["candidate", "evaluator", "expertise", "experience", "fit", "created"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["position", "candidate", "start_date", "end_date", "specialist"]
    list_select_related = ["position", "candidate", "specialist"]
    fields = [
        "position",
        "candidate",
        "start_date",
        "end_date",
        "specialist",
        "recorded_by",
        "created",
        "invitation_sent_at",
    ]
