from django.contrib import admin

from .models import Case, Replication


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases change state through their flow; the admin only reads them."""

    list_display = ["title", "municipality", "theme", "state", "version", "published_at"]
    list_filter = ["state", "theme"]
    search_fields = ["title", "municipality__name"]
    list_select_related = ["municipality", "theme"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Replication)
class ReplicationAdmin(admin.ModelAdmin):
    list_display = ["case", "municipality", "state", "updated"]
    list_filter = ["state"]

    def has_add_permission(self, request):
        return False
