"""Opening a fiscal period through the API: one submission process per member municipality."""

from workflows.api import StartProcessView, start_schema
from workflows.selectors import processes_about

from . import services
from .forms import PeriodForm
from .scope import MANAGE_PERIODS


@start_schema(
    "finance_period",
    {"year": 2026, "quarter": 2, "deadline": "2026-07-31"},
    "Open a fiscal period (the coordination): one finance submission process starts for "
    "each member municipality, its upload the first task. ``subject`` is the period; "
    "``processes`` lists every process started.",
)
class OpenPeriod(StartProcessView):
    form_class = PeriodForm

    def allowed(self, user):
        return user.has_perm(MANAGE_PERIODS)

    def start(self, user, cleaned_data):
        period = services.open_period(
            cleaned_data["year"],
            cleaned_data["quarter"],
            by=user,
            deadline=cleaned_data.get("deadline"),
            opens_on=cleaned_data.get("opens_on"),
        )
        processes = [
            process
            for submission in period.submissions.order_by("pk")
            for process in processes_about(submission)
        ]
        return period, processes
