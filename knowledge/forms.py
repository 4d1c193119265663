from django import forms
from django.forms import inlineformset_factory
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.fields import MunicipalityChoiceField
from agreements.models import Municipality
from networks.models import Theme
from workflows import numbers
from workflows.forms import DecisionForm, TaskForm

from .models import (
    CRITERIA,
    DETAILS_FIELDS,
    STEP_FIELDS,
    STEPS,
    Case,
    Curation,
    Evidence,
    Milestone,
    Replication,
    ResultIndicator,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoColon:
    """Labels stand above their fields, bold, as on the task pages: no colon after them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class CaseRegistrationForm(NoColon, forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "title",
            "municipality",
            "theme",
            "summary",
            "contact_name",
            "contact_email",
            "contact_phone",
            "started_on",
            "ended_on",
            "partners",
        ]
        widgets = {
            "started_on": DATE,
            "ended_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "partners": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"municipality": MunicipalityChoiceField}

    def __init__(self, *args, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = (
            municipalities if municipalities is not None else Municipality.objects.all()
        )
        self.fields["theme"].queryset = Theme.objects.all()

    def _post_clean(self):
        # The service builds and validates the case; keep only the field cleaning here.
        cleaned = self.cleaned_data
        if cleaned.get("started_on") and cleaned.get("ended_on"):
            if cleaned["ended_on"] < cleaned["started_on"]:
                self.add_error("ended_on", _("The end date must not precede the start."))


class CaseDetailsForm(NoColon, forms.ModelForm):
    """What registration set, for the specialist to correct when curation questions it."""

    class Meta:
        model = Case
        fields = DETAILS_FIELDS
        widgets = {
            "title": forms.TextInput(attrs={"size": 80}),
            "started_on": DATE,
            "ended_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 5}),
            "partners": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.all()

    def _post_clean(self):
        # The service saves and validates the case; keep only the field cleaning here.
        cleaned = self.cleaned_data
        if cleaned.get("started_on") and cleaned.get("ended_on"):
            if cleaned["ended_on"] < cleaned["started_on"]:
                self.add_error("ended_on", _("The end date must not precede the start."))


class StepForm(NoColon, forms.ModelForm):
    """One step of the guided systematisation; ``step_form`` names its fields."""


def step_form(step):
    """The form of one step of the guided systematisation."""
    fields = STEP_FIELDS[step] + (["results_type"] if step == 5 else [])
    return forms.modelform_factory(
        Case,
        form=StepForm,
        fields=fields,
        widgets={
            name: forms.Textarea(attrs={"rows": 6}) for name in fields if name != "results_type"
        },
    )


MilestoneFormSet = inlineformset_factory(
    Case,
    Milestone,
    fields=["date", "title", "description"],
    widgets={"date": DATE, "description": forms.Textarea(attrs={"rows": 2})},
    extra=2,
    can_delete=True,
)
IndicatorFormSet = inlineformset_factory(
    Case,
    ResultIndicator,
    fields=["name", "unit", "before", "after", "source"],
    formfield_callback=numbers.formfield,
    extra=2,
    can_delete=True,
)


class EvidenceForm(NoColon, forms.ModelForm):
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    class Meta:
        model = Evidence
        fields = ["kind", "title", "file", "url"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Evidence.Kind.LINK and not cleaned.get("url"):
            self.add_error("url", _("A link needs its address."))
        if kind in (Evidence.Kind.DOCUMENT, Evidence.Kind.IMAGE) and not cleaned.get("file"):
            self.add_error("file", _("Attach the file."))
        if kind == Evidence.Kind.IMAGE and cleaned.get("file"):
            name = cleaned["file"].name.lower()
            if not name.endswith((".png", ".jpg", ".jpeg")):
                self.add_error("file", _("An image is a PNG or JPEG file."))
        return cleaned


def missing_steps_message(case):
    """ "Complete these steps first: ...", each missing step named and linked to its page."""
    labels = dict(STEPS)
    links = format_html_join(
        ", ",
        '<a href="{}">{}. {}</a>',
        (
            (reverse("knowledge:systematise", args=[case.pk, number]), number, labels[number])
            for number in case.missing_steps()
        ),
    )
    return format_html(gettext("Complete these steps first: {steps}."), steps=links)


class SubmitCaseForm(TaskForm):
    """Send the systematised case to curation: every step must be complete."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = _("Note for the curation team")

    def clean(self):
        cleaned = super().clean()
        case = self.task.process.subject if self.task else None
        if case is not None and case.missing_steps():
            raise forms.ValidationError(missing_steps_message(case))
        return cleaned


class CurationForm(DecisionForm):
    """The knowledge team's checklist: the OECD OPSI inclusion criteria, then a decision.

    A second round starts from what the previous curation found, so that the criteria
    already confirmed need not be ticked again.
    """

    field_order = [key for key, _label in CRITERIA] + ["decision", "comment"]
    # The criteria as a checklist (each box before its sentence), then the decision.
    template_name_p = "knowledge/forms/curation.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        found = self._previous_criteria() if not self.is_bound else {}
        for key, label in CRITERIA:
            self.fields[key] = forms.BooleanField(
                label=label, required=False, initial=bool(found.get(key))
            )
        self.order_fields(self.field_order)

    def _previous_criteria(self):
        """What the curation before this task's round found, or {} in a first round."""
        if self.task is None:
            return {}
        previous = (
            Curation.objects.filter(case_id=self.task.process.subject_id)
            .filter(created__lte=self.task.created)
            .order_by("-created", "-pk")
            .first()
        )
        return previous.criteria if previous is not None else {}

    def clean(self):
        cleaned = super().clean()
        cleaned["criteria_keys"] = [key for key, _label in CRITERIA]
        if cleaned.get("decision") == self.APPROVE:
            missing = [str(label) for key, label in CRITERIA if not cleaned.get(key)]
            if missing:
                raise forms.ValidationError(
                    _("To approve, the case must meet every criterion; it does not meet: %(m)s.")
                    % {"m": "; ".join(missing)}
                )
        if self.task and self.user and self.task.process.subject.specialist_id == self.user.pk:
            raise forms.ValidationError(
                _("A case is curated by someone other than who systematised it.")
            )
        return cleaned


class ReplicationForm(NoColon, forms.ModelForm):
    class Meta:
        model = Replication
        fields = ["municipality", "state", "started_on", "report"]
        widgets = {"started_on": DATE, "report": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"municipality": MunicipalityChoiceField}

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities

    def _post_clean(self):
        pass  # the service records it (and its uniqueness per municipality)


class CommentForm(NoColon, forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(NoColon, forms.Form):
    usefulness = forms.TypedChoiceField(
        label=_("How useful is this case?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
