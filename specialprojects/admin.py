from django.contrib import admin

from .models import Project, ProjectLine


@admin.register(ProjectLine)
class ProjectLineAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Projects change state through their flow; the admin only reads them."""

    list_display = ["title", "line", "state", "lead", "budget"]
    list_filter = ["state", "line"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
