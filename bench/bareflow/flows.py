"""Municipal onboarding as viewflow's documentation writes a flow, and nothing more.

The same nodes as ``agreements.flows.OnboardingFlow``, each a ``flow.View`` with
viewflow's own ``UpdateProcessView``: no audit trail, no notifications, no SLA due
dates, no territorial scope, no FSM subject. What our flow costs over this is the
price of those.
"""

from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import UpdateProcessView

from .models import BareOnboarding


class BareOnboardingFlow(flow.Flow):
    process_class = BareOnboarding

    start = flow.StartHandle(this.start_onboarding).Next(this.draft_agreement)
    draft_agreement = (
        flow.View(
            UpdateProcessView.as_view(
                fields=["scope", "commitments", "start_date", "end_date", "contacts"]
            )
        )
        .Permission(auto_create=True)
        .Next(this.review_agreement)
    )
    review_agreement = (
        flow.View(UpdateProcessView.as_view(fields=["approved"]))
        .Permission(auto_create=True)
        .Next(this.check_review)
    )
    check_review = (
        flow.If(lambda activation: activation.process.approved)
        .Then(this.end)
        .Else(this.draft_agreement)
    )
    end = flow.End()

    def start_onboarding(self, activation, municipality):
        activation.process.municipality = municipality
        return activation.process
