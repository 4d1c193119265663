import calendar
import datetime

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from networks.models import Network, Theme
from workflows import numbers
from workflows.forms import TaskForm

from .models import MANAGE_HIRING, Evaluation, Position
from .permissions import can_see_personal_data
from .validators import validate_pdf_document


def _pdf_help():
    return gettext("A PDF of at most %(size)d MB.") % {
        "size": settings.MAX_DOCUMENT_SIZE // (1024 * 1024)
    }


PDF_HELP = lazy(_pdf_help, str)()
TRAIL_HELP = _(
    "Kept in the audit trail: name candidates by their number, never by their name. "
    "What is said about each candidate goes in their notes."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def pdf_field(label, **kwargs):
    return forms.FileField(
        label=label,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf_document],
        help_text=PDF_HELP,
        **kwargs,
    )


def add_months(date, months):
    month_index = date.month - 1 + months
    year, month = date.year + month_index // 12, month_index % 12 + 1
    return date.replace(
        year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1])
    )


class PositionForm(forms.ModelForm):
    """The coordinator opens a position: what it is for, whom it serves and for how long."""

    class Meta:
        model = Position
        fields = [
            "title",
            "profile",
            "expertise",
            "theme",
            "network",
            "project_name",
            "term_months",
        ]
        widgets = {
            "profile": forms.Textarea(attrs={"rows": 4}),
            "expertise": forms.Textarea(attrs={"rows": 3}),
        }
        formfield_callback = numbers.formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.order_by("name")
        self.fields["theme"].required = False
        self.fields["theme"].help_text = _("Taken from the network when one is chosen.")
        self.fields["network"].queryset = Network.objects.select_related("theme").order_by("name")

    def clean(self):
        cleaned = super().clean()
        theme, network = cleaned.get("theme"), cleaned.get("network")
        if network is not None:
            if theme is not None and theme != network.theme:
                self.add_error("network", _("The network belongs to another theme."))
            cleaned["theme"] = theme = network.theme
            if cleaned.get("project_name", "").strip():
                self.add_error(
                    "project_name",
                    _("A position serves a network or a special project, not both."),
                )
        if theme is None and "theme" not in self.errors:
            self.add_error("theme", _("Choose the theme of the position."))
        return cleaned


class CandidateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    national_id = forms.CharField(label=_("Identity document"), max_length=20, required=False)
    cv = pdf_field(_("CV (PDF)"))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class CloseRegistrationForm(TaskForm):
    confirm = forms.BooleanField(
        label=_("Every candidate is registered with their CV: start the evaluation"),
        required=True,
    )

    field_order = ["confirm", "comment"]

    def clean(self):
        cleaned = super().clean()
        position = self.task.process.subject if self.task is not None else None
        if position is not None and not position.candidates.exists():
            raise forms.ValidationError(
                _("Register at least one candidate before closing the registration.")
            )
        return cleaned


class EvaluationForm(TaskForm):
    """One score per criterion (1 to 5) and notes for every candidate of the position.

    Each candidate's fields are grouped under their label (and their name, for those who
    may see it), so that each field's own label stays short ("Relevant experience").
    """

    template_name_p = "staffing/forms/evaluation.html"

    def __init__(self, *args, task=None, user=None, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        self.candidates = []
        if task is None:
            return
        position = task.process.subject
        self.candidates = list(position.candidates.select_related("evaluation").order_by("number"))
        fields = {}
        for candidate in self.candidates:
            previous = getattr(candidate, "evaluation", None)
            for criterion, label in Evaluation.CRITERIA:
                fields[f"c{candidate.pk}_{criterion}"] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", "—"), *Evaluation.SCORES],
                    coerce=int,
                    initial=getattr(previous, criterion, None),
                )
            fields[f"c{candidate.pk}_notes"] = forms.CharField(
                label=_("Notes against the profile"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=getattr(previous, "notes", ""),
            )
        comment = self.fields.pop("comment")
        comment.help_text = TRAIL_HELP
        self.fields.update(fields)
        self.fields["comment"] = comment

    def candidate_groups(self):
        """(candidate, legend, bound fields) for each candidate, in their order."""
        personal = self.user is not None and can_see_personal_data(self.user)
        groups = []
        for candidate in self.candidates:
            legend = candidate.label
            if personal and not candidate.is_anonymised:
                legend = f"{candidate.label} · {candidate.full_name}"
            names = [f"c{candidate.pk}_{criterion}" for criterion, _label in Evaluation.CRITERIA]
            names.append(f"c{candidate.pk}_notes")
            groups.append((candidate, legend, [self[name] for name in names]))
        return groups

    def clean(self):
        cleaned = super().clean()
        if not self.candidates:
            raise forms.ValidationError(_("The position has no candidates to evaluate."))
        scores = {}
        for candidate in self.candidates:
            values = {
                criterion: cleaned.get(f"c{candidate.pk}_{criterion}")
                for criterion, _label in Evaluation.CRITERIA
            }
            if None in values.values():
                continue  # the field's own error says which
            values["notes"] = cleaned.get(f"c{candidate.pk}_notes", "")
            scores[candidate.pk] = values
        cleaned["scores"] = scores
        return cleaned


class CandidateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        evaluation = getattr(obj, "evaluation", None)
        score = f" · {evaluation.total}/15" if evaluation is not None else ""
        return f"{obj.label} · {obj.full_name}{score}"


class HiringDecisionForm(TaskForm):
    HIRE = "hire"
    CANCEL = "cancel"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(HIRE, _("Hire the chosen candidate")), (CANCEL, _("Cancel the position"))],
        widget=forms.RadioSelect,
    )
    candidate = CandidateChoiceField(
        label=_("Candidate"), queryset=None, required=False, widget=forms.RadioSelect
    )

    field_order = ["decision", "candidate", "comment"]

    def __init__(self, *args, task=None, user=None, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        self.fields["comment"].help_text = _(
            "Required when cancelling. Kept in the audit trail: name candidates by their "
            "number, never by their name."
        )
        position = task.process.subject if task is not None else None
        self.position = position
        qs = position.candidates.filter(evaluation__isnull=False) if position else None
        if qs is not None:
            qs = qs.select_related("evaluation").order_by("number")
        self.fields["candidate"].queryset = qs if qs is not None else Position.objects.none()

    def clean(self):
        from .services import evaluators_of

        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == self.HIRE and not cleaned.get("candidate"):
            self.add_error("candidate", _("Choose the candidate to hire."))
        if decision == self.CANCEL and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say why the position is cancelled."))
        if self.user is not None and not self.user.has_perm(MANAGE_HIRING):
            raise forms.ValidationError(_("Only the coordinator decides hires."))
        if self.user is not None and self.position is not None:
            if self.user.pk in evaluators_of(self.position):
                raise forms.ValidationError(
                    _("You evaluated the candidates: another coordinator must take the decision.")
                )
        return cleaned


class ContractForm(TaskForm):
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    terms = forms.CharField(
        label=_("Terms"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dedication, fees, deliverables and any special condition."),
    )
    signed_contract = pdf_field(_("Signed contract (PDF)"))

    field_order = ["start_date", "end_date", "terms", "signed_contract", "comment"]

    def __init__(self, *args, task=None, user=None, **kwargs):
        position = task.process.subject if task is not None else None
        if position is not None and "initial" not in kwargs:
            start = timezone.localdate() + datetime.timedelta(days=1)
            kwargs["initial"] = {
                "start_date": start,
                "end_date": add_months(start, position.term_months) - datetime.timedelta(days=1),
            }
        super().__init__(*args, task=task, user=user, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The end date must be after the start date."))
        return cleaned


class CancelPositionForm(forms.Form):
    comment = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
