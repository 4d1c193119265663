from django.contrib import admin

from .models import Agreement, Authority, ContactLog, Municipality, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "capital"]
    search_fields = ["name", "code"]


class AuthorityInline(admin.TabularInline):
    model = Authority
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "is_member", "facilitator"]
    list_filter = ["region", "is_member"]
    search_fields = ["name", "code"]
    list_select_related = ["region", "facilitator"]
    inlines = [AuthorityInline]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """State changes go through the onboarding flow; the admin only reads agreements."""

    list_display = ["municipality", "state", "start_date", "end_date", "facilitator"]
    list_filter = ["state"]
    list_select_related = ["municipality", "facilitator"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContactLog)
class ContactLogAdmin(admin.ModelAdmin):
    list_display = ["municipality", "date", "kind", "recorded_by"]
    list_select_related = ["municipality", "recorded_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
