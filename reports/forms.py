import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import Region


class ReportFilterForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("State"), queryset=Region.objects.all(), required=False, empty_label=_("All")
    )
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
