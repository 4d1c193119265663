import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from agreements.fields import MunicipalityMultipleChoiceField
from agreements.models import Municipality
from workflows.forms import TaskForm
from workflows.roles import Role

from .models import ProjectLine, TeamMember


def _lines(text):
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _decimal(text):
    text = text.strip().replace(".", "").replace(",", ".") if "," in text else text.strip()
    return Decimal(text)


class ProposalForm(TaskForm):
    """The lead's proposal; indicators and milestones one per line, fields separated by ``|``."""

    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_results = forms.CharField(
        label=_("Expected results"), widget=forms.Textarea(attrs={"rows": 3})
    )
    indicators = forms.CharField(
        label=_("Indicators"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "Municipios con datos publicados | municipios | 0 | 40",
            }
        ),
        help_text=_("One per line: name | unit | baseline | target."),
    )
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "2027-01-10 | 2027-03-31 | Plantilla publicada | Plantilla XLSX",
            }
        ),
        help_text=_(
            "One per line: start | due date | milestone | deliverable (dates as YYYY-MM-DD)."
        ),
    )
    municipalities = MunicipalityMultipleChoiceField(
        label=_("Participating municipalities"),
        queryset=Municipality.objects.filter(is_member=True),
        required=False,
    )
    budget = forms.DecimalField(label=_("Budget"), max_digits=20, decimal_places=2, min_value=0)
    risks = forms.CharField(
        label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = [
        "objectives",
        "expected_results",
        "indicators",
        "milestones",
        "municipalities",
        "budget",
        "risks",
        "comment",
    ]

    def clean_indicators(self):
        rows, problems = [], []
        for number, line in _lines(self.cleaned_data["indicators"]):
            parts = [p.strip() for p in line.split("|")]
            try:
                name, unit, baseline, target = parts
                rows.append((name[:200], unit[:40], _decimal(baseline), _decimal(target)))
            except (ValueError, InvalidOperation):
                problems.append(
                    _("Line %(number)s: write name | unit | baseline | target.")
                    % {"number": number}
                )
        if problems:
            raise forms.ValidationError(problems)
        return rows

    def clean_milestones(self):
        rows, problems = [], []
        for number, line in _lines(self.cleaned_data["milestones"]):
            parts = [p.strip() for p in line.split("|")]
            try:
                start, due, title, deliverable = parts
                start, due = datetime.date.fromisoformat(start), datetime.date.fromisoformat(due)
                if due < start or not title:
                    raise ValueError
                rows.append((start, due, title[:200], deliverable[:200]))
            except ValueError:
                problems.append(
                    _(
                        "Line %(number)s: write start | due date | milestone | deliverable, "
                        "with the due date after the start."
                    )
                    % {"number": number}
                )
        if problems:
            raise forms.ValidationError(problems)
        if not rows:
            raise forms.ValidationError(_("A project needs at least one milestone."))
        return rows


class TeamForm(TaskForm):
    specialists = forms.ModelMultipleChoiceField(
        label=_("Specialists"), queryset=None, required=False
    )
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Facilitators"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["specialists"].queryset = User.objects.filter(
            groups__name=Role.SPECIALIST, is_active=True
        ).order_by("username")
        self.fields["facilitators"].queryset = User.objects.filter(
            groups__name=Role.FACILITATOR, is_active=True
        ).order_by("username")

    def clean(self):
        cleaned = super().clean()
        project = self.task.process.subject if self.task else None
        lead = project.lead_id if project else None
        cleaned["members"] = [
            (user, TeamMember.Role.SPECIALIST, "")
            for user in cleaned.get("specialists") or []
            if user.pk != lead
        ] + [
            (user, TeamMember.Role.FACILITATOR, "")
            for user in cleaned.get("facilitators") or []
            if user.pk != lead
        ]
        return cleaned


class ConfirmForm(TaskForm):
    accept = forms.ChoiceField(
        label=_("Will you take part in the project?"),
        choices=[("yes", _("Yes, I confirm")), ("no", _("No, I cannot"))],
        widget=forms.RadioSelect,
    )
    field_order = ["accept", "comment"]


class MilestoneForm(TaskForm):
    """The deliverable and the indicators' current values."""

    deliverable_file = forms.FileField(label=_("Deliverable"))
    report = forms.CharField(
        label=_("Report"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, task=task, **kwargs)
        if task is None:
            return
        for indicator in task.process.subject.indicators.all():
            self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                label=_("%(name)s: current value (%(unit)s)")
                % {"name": indicator.name, "unit": indicator.unit or "—"},
                initial=indicator.current,
                max_digits=18,
                decimal_places=2,
            )

    def clean_deliverable_file(self):
        from knowledge.validators import validate_evidence_file

        upload = self.cleaned_data["deliverable_file"]
        validate_evidence_file(upload)
        return upload


class ClosureForm(TaskForm):
    results_summary = forms.CharField(
        label=_("Results against targets"), widget=forms.Textarea(attrs={"rows": 4})
    )
    lessons = forms.CharField(label=_("Lessons learned"), widget=forms.Textarea(attrs={"rows": 3}))
    suggest_case = forms.BooleanField(
        label=_("Suggest registering it as an innovation case"), required=False
    )
    field_order = ["results_summary", "lessons", "suggest_case", "comment"]


class ProjectDefinitionForm(forms.Form):
    line = forms.ModelChoiceField(
        label=_("Project line"), queryset=ProjectLine.objects.all(), required=False
    )
    new_line = forms.CharField(label=_("Or a new line"), max_length=150, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    lead = forms.ModelChoiceField(label=_("Project lead"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (
            get_user_model()
            .objects.filter(groups__name=Role.SPECIALIST, is_active=True)
            .order_by("username")
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("line") and not cleaned.get("new_line", "").strip():
            self.add_error("line", _("Choose a line or name a new one."))
        return cleaned
