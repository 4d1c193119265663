from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agreements.fields import MunicipalityMultipleChoiceField
from agreements.models import Municipality
from finance.models import Currency
from workflows.forms import PersonChoiceField as PersonField
from workflows.forms import TaskForm
from workflows.numbers import MoneyField, NumberField
from workflows.roles import Role

from .models import ProjectLine, TeamMember


def currencies_in_use(day=None):
    """The bolivar in force on ``day`` (today) and any announced after it.

    Old units (the bolivar of 2008, 2018...) only measure amounts of their time: a
    project's budget is never written in them.
    """
    in_force = Currency.in_force_on(day or timezone.localdate())
    if in_force is None:
        return Currency.objects.order_by("-valid_from")
    return Currency.objects.filter(valid_from__gte=in_force.valid_from).order_by("valid_from")


NAME = pgettext_lazy("an indicator's or a milestone's", "Name")


class RowForm(forms.Form):
    """One row of a proposal's table (an indicator, a milestone): left blank, it is skipped.

    Its fields are all optional to the formset, so that a blank row (one of the spare
    rows offered, or one a person emptied) says nothing; a row begun must be whole.
    """

    required = ()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def is_blank(self):
        return not any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in self.fields
            if name != "DELETE"
        )

    def clean(self):
        cleaned = super().clean()
        if self.is_bound and self.is_blank():
            return cleaned
        for name in self.required:
            if cleaned.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        return cleaned


class IndicatorRowForm(RowForm):
    name = forms.CharField(label=NAME, max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=40, required=False)
    baseline = NumberField(label=_("Baseline"), required=False)
    target = NumberField(label=_("Target"), required=False)
    required = ("name", "baseline", "target")


class DateInput(forms.DateInput):
    """A phone's own date picker; it sends the date as yyyy-mm-dd whatever it shows."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MilestoneRowForm(RowForm):
    title = forms.CharField(label=NAME, max_length=200, required=False)
    deliverable = forms.CharField(label=_("Deliverable"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DateInput())
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    required = ("title", "deliverable", "starts_on", "due_on")

    def clean(self):
        cleaned = super().clean()
        start, due = cleaned.get("starts_on"), cleaned.get("due_on")
        if start and due and due < start:
            self.add_error("due_on", _("The due date cannot come before the start."))
        return cleaned


class RowFormSet(forms.BaseFormSet):
    """A proposal's rows: spare blank rows offered, each row removable, at least one kept."""

    noun = ""  # how a row is called in its legend and its errors ("Indicator 2")
    at_least_one = ""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Whether a row is blank is the row's own judgement (``RowForm.is_blank``), from
        # what was sent: not Django's, from whether it differs from the row it opened with.
        form.empty_permitted = False
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this row")

    def kept(self):
        """The rows that stay: neither blank nor marked to be removed."""
        return [
            form
            for form in self.forms
            if not form.is_blank() and not self._should_delete_form(form)
        ]

    def clean(self):
        if any(self.errors):
            return
        if not self.kept():
            raise forms.ValidationError(self.at_least_one)

    def problems(self):
        """Each error as "Milestone 2, Due date: ...", so that a summary says where."""
        found = list(self.non_form_errors())
        for number, form in enumerate(self.forms, 1):
            if self._should_delete_form(form):
                continue
            for name, errors in form.errors.as_data().items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    if "field" in (error.params or {}):  # it names its field already
                        found.append(
                            _("%(row)s %(number)s, %(error)s")
                            % {"row": self.noun, "number": number, "error": next(iter(error))}
                        )
                        continue
                    found.append(
                        _("%(row)s %(number)s, %(field)s: %(error)s")
                        % {
                            "row": self.noun,
                            "number": number,
                            "field": label,
                            "error": next(iter(error)),
                        }
                    )
        return found


class IndicatorRows(RowFormSet):
    noun = _("Indicator")
    at_least_one = _("Propose at least one indicator.")


class MilestoneRows(RowFormSet):
    noun = _("Milestone")
    at_least_one = _("A project needs at least one milestone.")


IndicatorFormSet = forms.formset_factory(
    IndicatorRowForm, formset=IndicatorRows, extra=2, can_delete=True, max_num=50
)
MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm, formset=MilestoneRows, extra=2, can_delete=True, max_num=50
)


def proposal_initial(project):
    """The proposal's fields as the project holds them now (empty for a new project)."""
    return {
        "objectives": project.objectives,
        "expected_results": project.expected_results,
        "municipalities": list(project.municipalities.values_list("pk", flat=True)),
        "budget": project.budget,
        "currency": project.currency_id or getattr(currencies_in_use().first(), "pk", None),
        "risks": project.risks,
    }


def indicator_rows(project):
    return [
        {
            "name": i.name,
            "unit": i.unit,
            "baseline": i.baseline,
            "target": i.target,
        }
        for i in project.indicators.all()
    ]


def milestone_rows(project):
    milestones = project.milestones.filter(completed_at__isnull=True).order_by("due_on", "pk")
    return [
        {
            "title": m.title,
            "deliverable": m.deliverable,
            "starts_on": m.starts_on,
            "due_on": m.due_on,
        }
        for m in milestones
    ]


class ProposalForm(TaskForm):
    """The lead's proposal; its indicators and milestones as rows of fields.

    A proposal that comes back (returned, or drafted before) opens with what the
    project holds now, so that its lead corrects it rather than writes it again.
    """

    template_name_p = "specialprojects/forms/proposal.html"

    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_results = forms.CharField(
        label=_("Expected results"), widget=forms.Textarea(attrs={"rows": 3})
    )
    municipalities = MunicipalityMultipleChoiceField(
        label=_("Participating municipalities"),
        queryset=Municipality.objects.filter(is_member=True),
        required=False,
    )
    budget = MoneyField(label=_("Budget"), min_value=0)
    currency = forms.ModelChoiceField(
        label=_("Currency of the budget"), queryset=None, required=False, empty_label=None
    )
    risks = forms.CharField(
        label=_("Risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = [
        "objectives",
        "expected_results",
        "municipalities",
        "budget",
        "currency",
        "risks",
        "comment",
    ]

    def __init__(self, *args, task=None, **kwargs):
        project = task.process.subject if task is not None else None
        if project is not None and "initial" not in kwargs:
            kwargs["initial"] = proposal_initial(project)
        super().__init__(*args, task=task, **kwargs)
        self.fields["currency"].queryset = currencies_in_use()
        data = self.data if self.is_bound else None
        self.indicator_rows = IndicatorFormSet(
            data, prefix="indicators", initial=indicator_rows(project) if project else []
        )
        self.milestone_rows = MilestoneFormSet(
            data, prefix="milestones", initial=milestone_rows(project) if project else []
        )

    def clean(self):
        cleaned = super().clean()
        problems = []
        for rows in (self.indicator_rows, self.milestone_rows):
            if not rows.is_valid():
                problems += rows.problems()
        if problems:
            raise forms.ValidationError([_("Some rows need correcting:"), *problems], code="rows")
        cleaned["indicators"] = [
            (row["name"], row["unit"], row["baseline"], row["target"])
            for row in (form.cleaned_data for form in self.indicator_rows.kept())
        ]
        cleaned["milestones"] = [
            (row["starts_on"], row["due_on"], row["title"], row["deliverable"])
            for row in (form.cleaned_data for form in self.milestone_rows.kept())
        ]
        return cleaned


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
            self.fields[f"indicator_{indicator.pk}"] = NumberField(
                label=_("%(name)s: current value (%(unit)s)")
                % {"name": indicator.name, "unit": indicator.unit or "—"},
                initial=indicator.current,
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
    lead = PersonField(label=_("Project lead"), queryset=None)

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
