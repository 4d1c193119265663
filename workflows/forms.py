from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SlaPolicy


class TaskForm(forms.Form):
    """Base of every task form: it knows its task and user, and takes a comment."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, task=None, user=None, **kwargs):
        self.task = task
        self.user = user
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


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)
    comment = forms.CharField(label=_("Reason"), required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = candidates


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ["days", "due_soon_days", "escalate_after_days"]
