from django import forms
from django.utils.translation import gettext_lazy as _

from . import numbers
from .models import SlaPolicy


class TaskForm(forms.Form):
    """Base of every task form: it knows its task and user, and takes a comment."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, task=None, user=None, **kwargs):
        self.task = task
        self.user = user
        kwargs.setdefault("label_suffix", "")  # labels stand above their field, bold
        super().__init__(*args, **kwargs)


class DecisionForm(TaskForm):
    """Approve or return with comments: the shape of every review step."""

    APPROVE = "approve"
    RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return with comments"))],
        widget=forms.RadioSelect,
    )

    field_order = ["decision", "comment"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what must change when returning."))
        return cleaned


class PersonChoiceField(forms.ModelChoiceField):
    """People chosen by their full name (their user name only when they have none)."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ReassignForm(forms.Form):
    owner = PersonChoiceField(label=_("New owner"), queryset=None, empty_label=_("Choose a person"))
    comment = forms.CharField(label=_("Reason"), required=False)

    def __init__(self, *args, candidates, holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        if holder is not None:  # giving it to whoever holds it already changes nothing
            candidates = candidates.exclude(pk=holder.pk)
        self.fields["owner"].queryset = candidates.order_by("first_name", "last_name", "pk")


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["days", "due_soon_days", "escalate_after_days"]
        formfield_callback = numbers.formfield


class AuditSearchForm(forms.Form):
    """Filters of the auditor's search; every field optional."""

    flow = forms.ChoiceField(label=_("Process type"), required=False)
    region = forms.IntegerField(label=_("State (territory)"), required=False, widget=forms.Select)
    municipality = forms.CharField(label=_("Municipality"), required=False)
    actor = forms.CharField(
        label=_("Person"),
        required=False,
        help_text=_("Name, surname or user name of who acted."),
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    subject = forms.CharField(label=_("Object"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, flows, regions, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["flow"].choices = [("", _("All"))] + list(flows)
        self.fields["region"].widget.choices = [("", _("All"))] + list(regions)
        self.fields["action"].choices = [("", _("All"))] + list(actions)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be after the start date."))
        return cleaned


class ApiTokenForm(forms.Form):
    """A new personal token: what it is for, and how long it lives."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Upload from the accounting system”."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        coerce=int,
        initial=90,
    )

    def __init__(self, *args, **kwargs):
        from .tokens import DEFAULT_LIFETIME, LIFETIMES

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = list(LIFETIMES.items())
        self.fields["days"].initial = DEFAULT_LIFETIME
