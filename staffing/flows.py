"""Specialist hiring: from an open position to an active specialist."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.flow import Flow
from workflows.nodes import HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import CloseRegistrationForm, ContractForm, EvaluationForm, HiringDecisionForm
from .models import Position


class HiringFlow(Flow):
    """Specialist hiring

    The coordinator opens a position; the coordination assistant registers the
    candidates with their CVs; the deputy coordinator evaluates each against the
    profile; the coordinator decides; the contract is recorded and the new
    specialist gets an account, the specialist role, their theme and an invitation.
    """

    process_title = _("Specialist hiring")

    start = Start(this.start_hiring).Next(this.register_candidates)

    register_candidates = (
        HumanTask(
            role=Role.ASSISTANT,
            title=_("Register the candidates and their CVs"),
            submit_label=_("Close the registration"),
            panel="staffing/panels/registration.html",
            panel_context=selectors.position_panel,
            form_class=CloseRegistrationForm,
            sla_days=15,
        )
        .OnComplete(this.registration_closed)
        .Next(this.evaluate_candidates)
    )
    evaluate_candidates = (
        HumanTask(
            role=Role.DEPUTY_COORDINATOR,
            title=_("Evaluate the candidates against the profile"),
            submit_label=_("Record the evaluations"),
            panel="staffing/panels/evaluation.html",
            panel_context=selectors.position_panel,
            form_class=EvaluationForm,
            sla_days=10,
        )
        .OnComplete(this.candidates_evaluated)
        .Next(this.decide)
    )
    decide = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Decide the hire"),
            submit_label=_("Record the decision"),
            panel="staffing/panels/decision.html",
            panel_context=selectors.position_panel,
            form_class=HiringDecisionForm,
            sla_days=5,
        )
        .OnComplete(this.decided)
        .Next(this.check_decision)
    )
    check_decision = flow.If(this.is_cancelled).Then(this.end).Else(this.record_contract)
    record_contract = (
        HumanTask(
            role=Role.ASSISTANT,
            title=_("Record the signed contract"),
            submit_label=_("Record the contract"),
            panel="staffing/panels/contract.html",
            panel_context=selectors.position_panel,
            form_class=ContractForm,
            sla_days=15,
        )
        .OnComplete(this.contract_recorded)
        .Next(this.onboard)
    )
    onboard = (
        flow.Function(this.onboard_specialist)
        .Annotation(title=_("Give the specialist access"))
        .Next(this.end)
    )
    end = flow.End()

    def start_hiring(self, activation, position, by=None):
        return activation.process.bind(position, by, self.process_title)

    def is_cancelled(self, activation):
        return activation.process.subject.state == Position.State.CANCELLED

    def registration_closed(self, activation, data, user):
        services.close_registration(
            activation.process.subject, user, activation.task, data.get("comment", "")
        )

    def candidates_evaluated(self, activation, data, user):
        services.record_evaluations(
            activation.process.subject, user, data["scores"], activation.task
        )

    def decided(self, activation, data, user):
        services.decide(activation.process.subject, user, data, activation.task)

    def contract_recorded(self, activation, data, user):
        services.record_contract(activation.process.subject, user, data, activation.task)

    def onboard_specialist(self, activation):
        services.onboard_specialist(activation.process.subject, process=activation.process)
