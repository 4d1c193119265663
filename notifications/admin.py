from django.contrib import admin

from .models import Job, Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created",
        "recipient",
        "kind",
        "title",
        "email_state",
        "email_attempts",
        "read_at",
    ]
    list_filter = ["kind", "email_state"]
    search_fields = ["title", "recipient__username", "key"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery"]
    list_filter = ["kind", "delivery"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """The outbox, read-only: what waits for the broker and what failed."""

    list_display = ["created", "task", "state", "publications", "published_at", "done_at"]
    list_filter = ["state", "task"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
