import datetime

from django import forms
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from agreements.fields import MunicipalityMultipleChoiceField
from agreements.models import Municipality
from workflows.forms import TaskForm

from .models import Invitation, Membership, Network, Resource, Solution, Theme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Labels above their fields without a colon, a checkbox before its sentence.
STACKED = "networks/forms/stacked.html"


def _day(date):
    return date_format(date, "SHORT_DATE_FORMAT")


class ProposalForm(forms.ModelForm):
    template_name_p = STACKED

    class Meta:
        model = Network
        fields = ["theme", "name", "sector", "objectives", "visibility", "target_municipalities"]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "target_municipalities": forms.SelectMultiple(attrs={"size": 12}),
        }
        field_classes = {"target_municipalities": MunicipalityMultipleChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_municipalities"].queryset = Municipality.objects.filter(is_member=True)
        self.fields["target_municipalities"].required = True

    def _post_clean(self):
        pass  # the service builds the network


class ProposalRevisionForm(TaskForm):
    """The returned proposal, opened as it stands, to be corrected and sent back."""

    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all())
    name = forms.CharField(label=_("Name"), max_length=150)
    sector = forms.CharField(label=_("Sector"), max_length=120, required=False)
    objectives = forms.CharField(label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Network.Visibility.choices)
    target_municipalities = MunicipalityMultipleChoiceField(
        label=_("Target municipalities"),
        queryset=Municipality.objects.filter(is_member=True),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    field_order = [
        "theme",
        "name",
        "sector",
        "objectives",
        "visibility",
        "target_municipalities",
        "comment",
    ]

    def __init__(self, *args, task=None, **kwargs):
        network = task.process.subject if task else None
        targets = []
        if network is not None:
            targets = list(network.target_municipalities.values_list("pk", flat=True))
            if not kwargs.get("initial") and not args:
                kwargs["initial"] = {
                    "theme": network.theme_id,
                    "name": network.name,
                    "sector": network.sector,
                    "objectives": network.objectives,
                    "visibility": network.visibility,
                    "target_municipalities": targets,
                }
        super().__init__(*args, task=task, **kwargs)
        # A target that has since left the programme stays offered, so that keeping the
        # list as it was does not drop it without a word.
        self.fields["target_municipalities"].queryset = Municipality.objects.filter(
            Q(is_member=True) | Q(pk__in=targets)
        ).order_by("region__name", "name")
        self.fields["comment"].label = _("Note for the reviewer")


class DesignForm(TaskForm):
    """The conceptual and operational design: work plan, activities, calendar, deadline."""

    concept = forms.CharField(
        label=_("Conceptual design"), widget=forms.Textarea(attrs={"rows": 4})
    )
    work_plan = forms.CharField(label=_("Work plan"), widget=forms.Textarea(attrs={"rows": 4}))
    activities = forms.CharField(
        label=_("Activities"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    calendar = forms.CharField(
        label=_("Calendar"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    invitation_deadline = forms.DateField(label=_("Invitations close on"), widget=DATE)
    field_order = ["concept", "work_plan", "activities", "calendar", "invitation_deadline"]

    def __init__(self, *args, task=None, **kwargs):
        network = task.process.subject if task else None
        if network is not None and not args and not kwargs.get("initial"):
            # A design saved before opens as it was, calendar included.
            kwargs["initial"] = {
                "concept": network.concept,
                "work_plan": network.work_plan,
                "activities": network.activities,
                "calendar": "\n".join(
                    f"{_day(entry.date)}: {entry.title}" for entry in network.calendar.all()
                ),
                "invitation_deadline": network.invitation_deadline,
            }
        super().__init__(*args, task=task, **kwargs)
        # Dates are written as the reader writes them (31/12/2027 in Spanish); the example
        # says so in the language of the page.
        first_meeting = _("First meeting")
        example = f"{_day(datetime.date(2027, 2, 15))}: {first_meeting}"
        self.fields["calendar"].widget.attrs["placeholder"] = example
        self.fields["calendar"].help_text = _(
            "One activity per line: the date, a colon and the activity, as in “%(example)s”."
        ) % {"example": example}

    def clean_calendar(self):
        entries, problems = [], []
        for number, line in enumerate(self.cleaned_data.get("calendar", "").splitlines(), 1):
            if not line.strip():
                continue
            day, sep, title = line.partition(":")
            try:
                date = forms.DateField().to_python(day.strip())
            except forms.ValidationError:
                date = None
            if not sep or not title.strip() or date is None:
                problems.append(
                    _(
                        "Line %(number)s: write the date as in %(example)s, "
                        "a colon and the activity."
                    )
                    % {"number": number, "example": _day(datetime.date(2027, 2, 15))}
                )
            else:
                entries.append((date, title.strip()[:200]))
        if problems:
            raise forms.ValidationError(problems)
        return entries

    def clean_invitation_deadline(self):
        deadline = self.cleaned_data["invitation_deadline"]
        from django.utils import timezone

        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline must not be in the past."))
        return deadline


class InvitationAnswersForm(TaskForm):
    """One answer per municipality of the facilitator's batch.

    Each municipality is a group of its own (its answer and a note about it), so that a
    screen reader names the municipality with each choice. A municipality starts at the
    answer recorded so far, or at "no answer": only those that answered need a tap.
    """

    template_name_p = "networks/forms/invitation_answers.html"

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, task=task, **kwargs)
        self.invitations = []
        if task is None:
            return
        ids = task.data.get("municipalities", [])
        network = task.process.subject
        # In the order the task's panel lists them: by state, then by name.
        self.invitations = list(
            Invitation.objects.filter(network=network, municipality_id__in=ids)
            .select_related("municipality__region")
            .order_by("municipality__region__name", "municipality__name")
        )
        choices = [
            (Invitation.Answer.ACCEPTED, Invitation.Answer.ACCEPTED.label),
            (Invitation.Answer.DECLINED, Invitation.Answer.DECLINED.label),
            (Invitation.Answer.NO_ANSWER, _("No answer")),
        ]
        answered = {code for code, _label in choices}
        for invitation in self.invitations:
            municipality = invitation.municipality
            self.fields[f"answer_{municipality.pk}"] = forms.ChoiceField(
                label=str(municipality),
                choices=choices,
                widget=forms.RadioSelect,
                initial=invitation.answer
                if invitation.answer in answered
                else Invitation.Answer.NO_ANSWER,
            )
            self.fields[f"note_{municipality.pk}"] = forms.CharField(
                label=_("Note about %(municipality)s") % {"municipality": municipality.name},
                required=False,
                max_length=500,
                initial=invitation.note,
            )
        self.order_fields([*self.fields.keys()][1:] + ["comment"])

    def rows(self):
        """(municipality, its answer's field, its note's field), in the panel's order."""
        return [
            (
                invitation.municipality,
                self[f"answer_{invitation.municipality_id}"],
                self[f"note_{invitation.municipality_id}"],
            )
            for invitation in self.invitations
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["answers"] = {
            invitation.municipality_id: (
                cleaned.get(f"answer_{invitation.municipality_id}"),
                cleaned.get(f"note_{invitation.municipality_id}", ""),
            )
            for invitation in self.invitations
        }
        return cleaned


class StackedForm(forms.Form):
    """A community form: labels above their fields, a checkbox before its sentence."""

    template_name_p = STACKED


class PostForm(StackedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Formatting: paragraphs, bold, italics, lists, quotes and links."),
    )
    is_public = forms.BooleanField(label=_("Visible to the public"), required=False)


class CommentForm(StackedForm):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SolutionForm(forms.ModelForm):
    template_name_p = STACKED

    class Meta:
        model = Solution
        fields = ["title", "problem", "solution", "requirements", "case", "is_public"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "solution": forms.Textarea(attrs={"rows": 4}),
            "requirements": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        from knowledge.models import Case

        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = Case.objects.filter(state=Case.State.PUBLISHED)

    def _post_clean(self):
        pass


class ResourceForm(StackedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Resource.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    is_public = forms.BooleanField(label=_("Visible to the public"), required=False)


class MemberForm(StackedForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role in the network"), choices=Membership.Role.choices)
