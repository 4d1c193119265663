from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import tokens
from .models import ApiToken, AuditCheckpoint, AuditEvent, SlaPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records can be read in the admin, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "chain_key", "seq", "action", "actor_label", "subject_repr"]
    list_filter = ["action"]
    search_fields = ["chain_key", "subject_repr", "actor_label", "comment"]
    date_hierarchy = "at"
    list_select_related = True
    show_full_result_count = False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ["pk", "at", "hash"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "flow_label",
        "task_name",
        "label",
        "days",
        "due_soon_days",
        "escalate_after_days",
    ]
    readonly_fields = ["flow_label", "task_name", "updated_at", "updated_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Everybody's tokens, for an administrator to revoke one whose key has leaked.

    Nothing else is changed here: a token is made by its owner, on their profile page.
    """

    list_display = ["name", "user", "prefix", "created", "expires_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token=token, actor=request.user)
