from django.contrib import admin

from .models import Membership, Network, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["specialists"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    """State changes go through the setup flow; the admin manages memberships."""

    list_display = ["name", "theme", "state", "visibility", "specialist"]
    list_filter = ["state", "theme", "visibility"]
    readonly_fields = ["state", "launched_on", "created"]
    inlines = [MembershipInline]
