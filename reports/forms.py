import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agreements.models import Region


class ReportPeriodForm(forms.Form):
    """The dates a report covers: this month so far unless chosen."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        cleaned["end"] = cleaned.get("end") or today
        cleaned["start"] = cleaned.get("start") or today.replace(day=1)
        start, end = cleaned["start"], cleaned["end"]
        if end < start:
            self.add_error("end", _("The end date must be after the start date."))
        elif end - start > datetime.timedelta(days=3660):
            self.add_error("start", _("Choose a period of at most ten years."))
        return cleaned


class ReportFilterForm(ReportPeriodForm):
    """The page's filters: the dates and, within the reader's scope, one state."""

    region = forms.ModelChoiceField(
        label=pgettext_lazy("Venezuelan state", "State"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=pgettext_lazy("Venezuelan states", "All"),
    )
    field_order = ["region", "start", "end"]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            regions if regions is not None else Region.objects.order_by("name")
        )
