from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import csvfiles

from . import classifier, parsing
from .models import ClassifierEntry, Currency, FiscalPeriod, Submission, Upload


class ClassifierImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Classifier file (CSV or XLSX)"))
    deactivate_missing = forms.BooleanField(
        label=gettext_lazy("Mark codes missing from the file as no longer in use"),
        required=False,
    )


@admin.register(ClassifierEntry)
class ClassifierEntryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "cofog", "is_active"]
    list_filter = ["kind", "level", "is_active"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "kind", "level", "parent"]
    change_list_template = "admin/finance/classifierentry/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="finance_classifierentry_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="finance_classifierentry_export",
            ),
        ] + super().get_urls()

    def has_add_permission(self, request):
        return False  # codes arrive by file, so that parents and levels stay consistent

    def import_view(self, request):
        if not request.user.has_perm("finance.change_classifierentry"):
            raise PermissionDenied
        form = ClassifierImportForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                entries = classifier.parse(upload.name, upload.read())
            except classifier.ClassifierFileError as error:
                problems = error.problems
            except parsing.Refused as error:
                problems = [str(error)]
            else:
                summary = classifier.load(
                    entries,
                    by=request.user,
                    deactivate_missing=form.cleaned_data["deactivate_missing"],
                )
                messages.success(
                    request,
                    _(
                        "Classifier loaded: %(created)s new, %(updated)s changed, "
                        "%(deactivated)s no longer in use."
                    )
                    % summary,
                )
                return redirect("admin:finance_classifierentry_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "title": _("Load the budget classifier"),
        }
        return render(request, "admin/finance/classifierentry/import.html", context)

    def export_view(self, request):
        response = HttpResponse(
            classifier.export_csv(
                ClassifierEntry.objects.order_by("code"), csvfiles.dialect_for(request)
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="clasificador.csv"'
        return response


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "symbol", "valid_from", "per_previous"]


@admin.register(FiscalPeriod)
class FiscalPeriodAdmin(admin.ModelAdmin):
    """Periods are opened from the finance pages so that their processes start too."""

    list_display = ["__str__", "opens_on", "deadline", "currency", "state"]
    list_filter = ["year", "state"]
    readonly_fields = ["state", "opened_by", "created"]

    def has_add_permission(self, request):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Submissions change state through their flow; the admin only reads them."""

    list_display = ["municipality", "period", "version", "state", "quality"]
    list_filter = ["state", "period"]
    search_fields = ["municipality__name"]
    list_select_related = ["municipality", "period"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "submission", "part", "result", "uploaded_by", "uploaded_at"]
    list_filter = ["result", "part"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
