"""Finance data submission: from a period's opening to published, comparable data."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.flow import Flow
from workflows.forms import DecisionForm
from workflows.nodes import HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import SpecialistReviewForm, SubmitDataForm
from .models import Submission


def submission_due(process):
    """The period's deadline (end of day); after a return, at least a few days to correct."""
    deadline = process.subject.period.deadline
    due = timezone.make_aware(datetime.datetime.combine(deadline, datetime.time(23, 59)))
    if process.subject.state == Submission.State.RETURNED:
        due = max(due, timezone.now() + datetime.timedelta(days=settings.FINANCE_RESUBMIT_DAYS))
    return due


class FinanceSubmissionFlow(Flow):
    """Municipal finance data

    The municipality uploads its budget or its execution for a fiscal period;
    the checks run, the facilitator and a finance specialist review it, and on
    approval it is published with its indicators.
    """

    process_title = _("Finance data")

    start = Start(this.start_submission).Next(this.prepare_data)

    prepare_data = (
        HumanTask(
            role=Role.MUNICIPAL_OFFICER,
            title=_("Upload and submit the finance data"),
            submit_label=_("Send the data for review"),
            form_class=SubmitDataForm,
            due=submission_due,
            panel="finance/panels/prepare.html",
            panel_context=selectors.prepare_panel,
        )
        .OnComplete(this.data_submitted)
        .Next(this.facilitator_review)
    )
    facilitator_review = (
        HumanTask(
            role=Role.FACILITATOR,
            title=_("First review of the finance data"),
            form_class=DecisionForm,
            sla_days=5,
            panel="finance/panels/review.html",
            panel_context=selectors.review_panel,
        )
        .OnComplete(this.facilitator_reviewed)
        .Next(this.check_facilitator_review)
    )
    check_facilitator_review = (
        flow.If(this.is_returned).Then(this.prepare_data).Else(this.specialist_review)
    )
    specialist_review = (
        HumanTask(
            role=Role.SPECIALIST,
            title=_("Approve or return the finance data"),
            form_class=SpecialistReviewForm,
            sla_days=10,
            panel="finance/panels/review.html",
            panel_context=selectors.review_panel,
        )
        .OnComplete(this.specialist_reviewed)
        .Next(this.check_specialist_review)
    )
    check_specialist_review = (
        flow.If(this.is_approved).Then(this.publish_data).Else(this.prepare_data)
    )
    publish_data = (
        flow.Function(this.publish).Annotation(title=_("Publish the data")).Next(this.end)
    )
    end = flow.End()

    def start_submission(self, activation, submission, by=None):
        return activation.process.bind(
            submission,
            by,
            self.process_title,
            about=f"{submission.municipality.name}, {submission.period}",
            municipality=submission.municipality,
        )

    def is_returned(self, activation):
        return activation.process.subject.state == Submission.State.RETURNED

    def is_approved(self, activation):
        return activation.process.subject.state == Submission.State.APPROVED

    def data_submitted(self, activation, data, user):
        services.submit(
            activation.process.subject, user, data.get("justification", ""), activation.task
        )

    def facilitator_reviewed(self, activation, data, user):
        services.facilitator_review(activation.process.subject, data, user, activation.task)

    def specialist_reviewed(self, activation, data, user):
        services.specialist_review(activation.process.subject, data, user, activation.task)

    def publish(self, activation):
        services.publish(activation.process.subject, process=activation.process)
