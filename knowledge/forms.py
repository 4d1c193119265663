from django import forms
from django.forms import inlineformset_factory
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.fields import MunicipalityChoiceField
from agreements.models import Municipality
from networks.models import Theme
from workflows.forms import DecisionForm, TaskForm

from .models import (
    CRITERIA,
    STEP_FIELDS,
    STEPS,
    Case,
    Evidence,
    Milestone,
    Replication,
    ResultIndicator,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseRegistrationForm(forms.ModelForm):
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


def step_form(step):
    """The form of one step of the guided systematisation."""
    fields = STEP_FIELDS[step] + (["results_type"] if step == 5 else [])
    return forms.modelform_factory(
        Case,
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
    extra=2,
    can_delete=True,
)


class EvidenceForm(forms.ModelForm):
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
    """The knowledge team's checklist: the OECD OPSI inclusion criteria, then a decision."""

    field_order = [key for key, _label in CRITERIA] + ["decision", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CRITERIA:
            self.fields[key] = forms.BooleanField(label=label, required=False)
        self.order_fields(self.field_order)

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


class ReplicationForm(forms.ModelForm):
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


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label=_("How useful is this case?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
