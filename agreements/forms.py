from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workflows.forms import DecisionForm, PersonChoiceField, TaskForm
from workflows.numbers import CountField
from workflows.roles import Role

from .fields import MunicipalityChoiceField
from .models import ContactLog
from .validators import validate_pdf_document


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StartOnboardingForm(forms.Form):
    """The facilitator registers the municipality's authorities to start onboarding."""

    municipality = MunicipalityChoiceField(label=_("Municipality"), queryset=None)
    population = CountField(label=_("Population"), min_value=0, required=False)
    mayor_name = forms.CharField(label=_("Mayor"), max_length=200)
    mayor_email = forms.EmailField(label=_("Mayor's e-mail"), required=False)
    mayor_phone = forms.CharField(label=_("Mayor's phone"), max_length=40, required=False)
    official_name = forms.CharField(label=_("Contact official"), max_length=200)
    official_position = forms.CharField(label=_("Official's position"), max_length=200)
    official_email = forms.EmailField(label=_("Official's e-mail"))
    official_phone = forms.CharField(label=_("Official's phone"), max_length=40, required=False)

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


class AgreementDraftForm(TaskForm):
    scope = forms.CharField(
        label=_("Scope of cooperation"), widget=forms.Textarea(attrs={"rows": 4})
    )
    commitments = forms.CharField(label=_("Commitments"), widget=forms.Textarea(attrs={"rows": 4}))
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    contacts = forms.CharField(label=_("Contacts"), widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["scope", "commitments", "start_date", "end_date", "contacts", "comment"]

    def __init__(self, *args, task=None, user=None, **kwargs):
        super().__init__(*args, task=task, user=user, **kwargs)
        # A submitted form keeps what was sent: only an empty one shows the agreement.
        agreement = task.process.subject if task is not None and not self.is_bound else None
        if agreement is not None and "initial" not in kwargs:
            self.initial = {
                "scope": agreement.scope,
                "commitments": agreement.commitments,
                "start_date": agreement.start_date,
                "end_date": agreement.end_date,
                "contacts": agreement.contacts,
            }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("The end date must be after the start date."))
        return cleaned


class SignedAgreementForm(TaskForm):
    signed_document = forms.FileField(
        label=_("Signed agreement (PDF)"),
        validators=[FileExtensionValidator(["pdf"]), validate_pdf_document],
        help_text=_("A PDF of at most %(size)d MB.")
        % {"size": settings.MAX_DOCUMENT_SIZE // (1024 * 1024)},
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())

    field_order = ["signed_document", "signed_on", "comment"]

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The signature date cannot be in the future."))
        return value


class ActivationForm(DecisionForm):
    """Activate the membership, or return the signed copy to the facilitator.

    A form that says nothing of the decision activates (with the confirmation), as the
    step did before it could return.
    """

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (DecisionForm.APPROVE, _("Activate the membership")),
            (DecisionForm.RETURN, _("Return the signed agreement with comments")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=DecisionForm.APPROVE,
    )
    confirm = forms.BooleanField(
        label=_("I have checked the signed agreement and the municipality joins the programme"),
        required=False,
    )

    field_order = ["decision", "confirm", "comment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = _(
            "When returning: what is wrong with the signed copy (a missing signature, "
            "an illegible page...)."
        )

    def clean(self):
        if not self.cleaned_data.get("decision"):
            self.cleaned_data["decision"] = self.APPROVE
        cleaned = super().clean()
        if cleaned["decision"] == self.APPROVE and not cleaned.get("confirm"):
            self.add_error(
                "confirm", _("Confirm that you checked the signed agreement to activate it.")
            )
        return cleaned


class ContactLogForm(forms.ModelForm):
    follow_up = forms.CharField(
        label=_("Follow-up task"),
        required=False,
        max_length=255,
        help_text=_("Leave empty when nothing needs following up."),
    )
    follow_up_role = forms.ChoiceField(
        label=_("Follow-up by (role)"),
        required=False,
        choices=[
            (Role.FACILITATOR.value, Role.FACILITATOR.label),
            (Role.MUNICIPAL_OFFICER.value, Role.MUNICIPAL_OFFICER.label),
            (Role.COORDINATOR.value, Role.COORDINATOR.label),
            (Role.SPECIALIST.value, Role.SPECIALIST.label),
            (Role.LOGISTICS_COORDINATOR.value, Role.LOGISTICS_COORDINATOR.label),
            (Role.ASSISTANT.value, Role.ASSISTANT.label),
        ],
    )
    follow_up_assignee = PersonChoiceField(
        label=_("Follow-up by (person)"),
        required=False,
        queryset=None,
        help_text=_("Optional: without a person the task goes to the role's queue."),
    )
    follow_up_due = forms.DateField(label=_("Follow-up due"), required=False, widget=DateInput())

    class Meta:
        model = ContactLog
        fields = ["date", "kind", "participants", "agreed"]
        widgets = {
            "date": DateInput(),
            "participants": forms.Textarea(attrs={"rows": 2}),
            "agreed": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_assignee"].queryset = people

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A contact cannot be recorded in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("follow_up"):
            if not cleaned.get("follow_up_role"):
                self.add_error("follow_up_role", _("Choose who follows up."))
            due = cleaned.get("follow_up_due")
            if not due:
                self.add_error("follow_up_due", _("A follow-up needs a due date."))
            elif due < timezone.localdate():
                self.add_error("follow_up_due", _("The due date cannot be in the past."))
        return cleaned


class FollowUpForm(TaskForm):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["outcome", "comment"]


class ScopeForm(forms.Form):
    """A coordinator grants or revokes a territorial scope."""

    GRANT, REVOKE = "grant", "revoke"

    user = PersonChoiceField(label=_("Person"), queryset=None)
    role = forms.ChoiceField(
        label=_("As"),
        choices=[
            (Role.FACILITATOR.value, Role.FACILITATOR.label),
            (Role.MUNICIPAL_OFFICER.value, Role.MUNICIPAL_OFFICER.label),
        ],
    )
    region = forms.ModelChoiceField(
        label=pgettext_lazy("Venezuelan state", "State"), queryset=None, required=False
    )
    municipality = MunicipalityChoiceField(label=_("Municipality"), queryset=None, required=False)
    action = forms.ChoiceField(
        label=_("Action"), choices=[(GRANT, _("Grant")), (REVOKE, _("Revoke"))]
    )

    def __init__(self, *args, people, regions, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["region"].queryset = regions
        self.fields["municipality"].queryset = municipalities

    def clean(self):
        cleaned = super().clean()
        region, municipality = cleaned.get("region"), cleaned.get("municipality")
        if bool(region) == bool(municipality):
            raise forms.ValidationError(_("Choose either a state or a municipality."))
        if cleaned.get("role") == Role.MUNICIPAL_OFFICER and region:
            self.add_error("region", _("A municipal officer acts for one municipality."))
        user = cleaned.get("user")
        if user and cleaned.get("role") and not user.groups.filter(name=cleaned["role"]).exists():
            self.add_error("user", _("This person does not have that role."))
        return cleaned
