from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from workflows.forms import DecisionForm, TaskForm

from .models import FiscalPeriod, Part


class SubmitDataForm(TaskForm):
    """Send the validated data for review; warnings need a written justification."""

    justification = forms.CharField(
        label=_("Justification of the warnings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the checks gave warnings: explain each one."),
    )
    field_order = ["justification", "comment"]

    def __init__(self, *args, task=None, user=None, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        # Returned data opens with the justification sent last time, kept through a new file.
        if task is not None and not self.is_bound and "initial" not in kwargs:
            self.initial = {"justification": task.process.subject.justification}

    def clean(self):
        cleaned = super().clean()
        submission = self.task.process.subject if self.task else None
        if submission is None:
            return cleaned
        from . import services

        missing = submission.missing_parts_message()
        if missing:
            raise ValidationError(missing)
        # The rules that span parts (the balanced budget) are checked on the whole here.
        problems = services.whole_check_errors(submission)
        if problems:
            raise ValidationError(problems)
        if submission.checks_failed and not cleaned.get("justification", "").strip():
            self.add_error(
                "justification", _("Explain the warnings of the checks before submitting.")
            )
        return cleaned


class SpecialistReviewForm(DecisionForm):
    """Approve, or return with comments on specific lines (one ``code: comment`` per line)."""

    line_comments = forms.CharField(
        label=_("Comments on lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "4.01.01.01.00: …"}),
        help_text=_("One per line: the code, a colon, and the comment."),
    )
    field_order = ["decision", "comment", "line_comments"]

    def clean_line_comments(self):
        text = self.cleaned_data.get("line_comments", "")
        submission = self.task.process.subject if self.task else None
        codes = set(submission.lines.values_list("code", flat=True)) if submission else set()
        comments, problems = [], []
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            code, sep, comment = raw.partition(":")
            code, comment = code.strip(), comment.strip()
            if not sep or not comment:
                problems.append(
                    _("Line %(number)s: write the code, a colon and the comment.")
                    % {"number": number}
                )
            elif code not in codes:
                problems.append(
                    _("Line %(number)s: the code %(code)s is not in this submission.")
                    % {"number": number, "code": code}
                )
            else:
                comments.append((code, comment))
        if problems:
            raise ValidationError(problems)
        return comments

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.APPROVE and cleaned.get("line_comments"):
            self.add_error(
                "line_comments", _("Line comments go with a return, not with an approval.")
            )
        return cleaned


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("The XLSX template, or a CSV file. Up to %(size)s MB.")
        % {"size": settings.FINANCE_MAX_UPLOAD_SIZE // (1024 * 1024)},
    )
    part = forms.ChoiceField(
        label=_("Part"),
        required=False,
        choices=[
            ("", _("Read it from the file's columns")),
            (Part.EXPENDITURE, Part.EXPENDITURE.label),
            (Part.REVENUE, Part.REVENUE.label),
            (Part.BOTH, Part.BOTH.label),
        ],
        help_text=_(
            "Expenditure and revenue may come as separate files, in either order; a new "
            "file of one part replaces that part only."
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels stand above their field, as on task forms
        super().__init__(*args, **kwargs)

    def clean_file(self):
        """Refuse an oversized file by its size, before anyone reads it into memory."""
        upload = self.cleaned_data["file"]
        if upload.size > settings.FINANCE_MAX_UPLOAD_SIZE:
            raise ValidationError(too_large_message())
        return upload


def too_large_message():
    return _("The file weighs more than the limit of %(limit)s.") % {
        "limit": filesizeformat(settings.FINANCE_MAX_UPLOAD_SIZE)
    }


class PeriodForm(forms.ModelForm):
    class Meta:
        model = FiscalPeriod
        fields = ["year", "quarter", "opens_on", "deadline"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {"opens_on": _("Leave empty for the usual day.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opens_on"].required = False
        self.fields["deadline"].required = False

    def validate_unique(self):
        pass  # the service reports an existing period in words

    def _post_clean(self):
        pass  # currency and state are set by the service
