import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from agreements.fields import MunicipalityMultipleChoiceField
from agreements.models import Municipality
from finance.models import Currency
from workflows.forms import TaskForm
from workflows.roles import Role

from .models import ProjectLine, TeamMember


def _lines(text):
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _decimal(text):
    text = text.strip().replace(".", "").replace(",", ".") if "," in text else text.strip()
    return Decimal(text)


def _date(text):
    """dd/mm/yyyy as people write it here, or yyyy-mm-dd as systems do."""
    text = text.strip()
    if "/" in text:
        return datetime.datetime.strptime(text, "%d/%m/%Y").date()
    return datetime.date.fromisoformat(text)


def _plain(value):
    """A figure the proposal's parser reads back: decimal comma, no grouping."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def proposal_initial(project):
    """The proposal's fields as the project holds them now (empty for a new project)."""
    milestones = project.milestones.filter(completed_at__isnull=True).order_by("due_on", "pk")
    return {
        "objectives": project.objectives,
        "expected_results": project.expected_results,
        "indicators": "\n".join(
            f"{i.name} | {i.unit} | {_plain(i.baseline)} | {_plain(i.target)}"
            for i in project.indicators.all()
        ),
        "milestones": "\n".join(
            f"{m.starts_on:%d/%m/%Y} | {m.due_on:%d/%m/%Y} | {m.title} | {m.deliverable}"
            for m in milestones
        ),
        "municipalities": list(project.municipalities.values_list("pk", flat=True)),
        "budget": project.budget,
        "currency": project.currency_id or getattr(Currency.current(), "pk", None),
        "risks": project.risks,
    }


class ProposalForm(TaskForm):
    """The lead's proposal; indicators and milestones one per line, fields separated by ``|``.

    A proposal that comes back (returned, or drafted before) opens with what the
    project holds now, so that its lead corrects it rather than writes it again.
    """

    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_results = forms.CharField(
        label=_("Expected results"), widget=forms.Textarea(attrs={"rows": 3})
    )
    indicators = forms.CharField(
        label=_("Indicators"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: name | unit | baseline | target. For example: "
            "Municipalities with published data | municipalities | 0 | 40"
        ),
    )
    milestones = forms.CharField(
        label=_("Milestones"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: start | due date | milestone | deliverable, dates as dd/mm/yyyy. "
            "For example: 10/01/2027 | 31/03/2027 | Template published | XLSX template"
        ),
    )
    municipalities = MunicipalityMultipleChoiceField(
        label=_("Participating municipalities"),
        queryset=Municipality.objects.filter(is_member=True),
        required=False,
    )
    budget = forms.DecimalField(label=_("Budget"), max_digits=20, decimal_places=2, min_value=0)
    currency = forms.ModelChoiceField(
        label=_("Currency of the budget"),
        queryset=Currency.objects.order_by("-valid_from"),
        required=False,
        empty_label=None,
    )
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
        "currency",
        "risks",
        "comment",
    ]

    def __init__(self, *args, task=None, **kwargs):
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = proposal_initial(task.process.subject)
        super().__init__(*args, task=task, **kwargs)

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
                start, due = _date(start), _date(due)
                if due < start or not title:
                    raise ValueError
                rows.append((start, due, title[:200], deliverable[:200]))
            except ValueError:
                problems.append(
                    _(
                        "Line %(number)s: write start | due date | milestone | deliverable, "
                        "with dates as dd/mm/yyyy and the due date after the start."
                    )
                    % {"number": number}
                )
        if problems:
            raise forms.ValidationError(problems)
        if not rows:
            raise forms.ValidationError(_("A project needs at least one milestone."))
        return rows


class PersonChoiceField(forms.ModelMultipleChoiceField):
    """People by their name, as colleagues know them (the user name when it is missing)."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class TeamForm(TaskForm):
    """The coordinator names the team; a second round opens with the team named before."""

    specialists = PersonChoiceField(label=_("Specialists"), queryset=None, required=False)
    facilitators = PersonChoiceField(label=_("Facilitators"), queryset=None, required=False)
    field_order = ["specialists", "facilitators", "comment"]

    def __init__(self, *args, task=None, **kwargs):
        if task is not None and "initial" not in kwargs:
            kwargs["initial"] = team_initial(task.process.subject)
        super().__init__(*args, task=task, **kwargs)
        # The lead is on the team already: offering them would be a choice that does nothing.
        lead = task.process.subject.lead_id if task is not None else None
        people = (
            get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk=lead)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["specialists"].queryset = people.filter(groups__name=Role.SPECIALIST)
        self.fields["facilitators"].queryset = people.filter(groups__name=Role.FACILITATOR)

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


def team_initial(project):
    """The members named before who have not declined, by their role in the project."""
    named = {TeamMember.Role.SPECIALIST: [], TeamMember.Role.FACILITATOR: []}
    for user_id, role in project.team.filter(declined=False).values_list("user_id", "role"):
        if role in named:
            named[role].append(user_id)
    return {
        "specialists": named[TeamMember.Role.SPECIALIST],
        "facilitators": named[TeamMember.Role.FACILITATOR],
    }


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
            current = indicator.current
            self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                label=_("%(name)s: current value (%(unit)s)")
                % {"name": indicator.name, "unit": indicator.unit or "—"},
                initial=current.to_integral_value()
                if current == current.to_integral_value()
                else current,
                max_digits=18,
                decimal_places=2,
            )
        self.fields["comment"] = self.fields.pop("comment")  # last, after the delivery

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

    def __init__(self, *args, task=None, **kwargs):
        if task is not None and "initial" not in kwargs:
            project = task.process.subject
            kwargs["initial"] = {
                "results_summary": project.results_summary,
                "lessons": project.lessons,
                "suggest_case": project.suggest_case,
            }
        super().__init__(*args, task=task, **kwargs)


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
