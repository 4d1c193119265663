"""Network setup: from a specialist's proposal to a launched network."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from agreements.models import Municipality
from workflows.flow import Flow
from workflows.forms import DecisionForm
from workflows.nodes import FanOut, HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import DesignForm, InvitationAnswersForm, ProposalRevisionForm
from .models import Network


def no_municipality(process):
    return None


def first_invited_municipality(process, data):
    """An invitation task is scoped to one of its municipalities, so its facilitator may take it."""
    return Municipality.objects.get(pk=data["municipalities"][0])


class NetworkFlow(Flow):
    """Thematic network

    A specialist proposes a network; the coordination approves it; the
    specialist designs it; each facilitator invites the target municipalities
    of their territory; the network is launched with those that accepted.
    """

    process_title = _("Network setup")

    start = Start(this.start_network).Next(this.review_proposal)

    review_proposal = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Approve or return the network proposal"),
            form_class=DecisionForm,
            scope=no_municipality,
            sla_days=10,
            panel="networks/panels/proposal.html",
            panel_context=selectors.proposal_panel,
        )
        .OnComplete(this.reviewed)
        .Next(this.check_review)
    )
    check_review = flow.If(this.is_approved).Then(this.design).Else(this.revise_proposal)
    revise_proposal = (
        HumanTask(
            role=Role.SPECIALIST,
            title=_("Revise the network proposal"),
            submit_label=_("Send the revised proposal"),
            form_class=ProposalRevisionForm,
            scope=no_municipality,
            sla_days=10,
        )
        .Assign(this.lead)
        .OnComplete(this.revised)
        .Next(this.review_proposal)
    )
    design = (
        HumanTask(
            role=Role.SPECIALIST,
            title=_("Design the network"),
            submit_label=_("Save the design and open the invitations"),
            form_class=DesignForm,
            scope=no_municipality,
            sla_days=20,
            panel="networks/panels/design.html",
            panel_context=selectors.design_panel,
        )
        .Assign(this.lead)
        .OnComplete(this.designed)
        .Next(this.invite)
    )
    invite = (
        FanOut()
        .Next(this.invite_municipalities, data_source=this.invitation_batches)
        .Next(this.invitations_done)
    )
    invite_municipalities = (
        HumanTask(
            role=Role.FACILITATOR,
            title=_("Invite the municipalities to the network"),
            submit_label=_("Record the answers"),
            form_class=InvitationAnswersForm,
            scope=first_invited_municipality,
            scope_takes_data=True,
            due=services.invitation_due,
            panel="networks/panels/invitations.html",
            panel_context=selectors.invitation_panel,
        )
        .Assign(this.batch_facilitator)
        .OnComplete(this.answers_recorded)
        .Next(this.invitations_done)
    )
    invitations_done = flow.Join().Next(this.launch)
    launch = (
        flow.Function(this.launch_network).Annotation(title=_("Launch the network")).Next(this.end)
    )
    end = flow.End()

    def start_network(self, activation, network, by=None):
        return activation.process.bind(network, by, self.process_title)

    def lead(self, activation):
        return activation.process.subject.specialist

    def is_approved(self, activation):
        return activation.process.subject.state == Network.State.APPROVED

    def invitation_batches(self, activation):
        return services.invitation_batches(activation.process.subject)

    def batch_facilitator(self, activation):
        return get_user_model().objects.filter(pk=activation.task.data["facilitator"]).first()

    def reviewed(self, activation, data, user):
        services.review(activation.process.subject, user, data, activation.task)

    def revised(self, activation, data, user):
        services.revise_proposal(activation.process.subject, user, data, activation.task)

    def designed(self, activation, data, user):
        services.save_design(activation.process.subject, user, data, activation.task)

    def answers_recorded(self, activation, data, user):
        services.record_answers(activation.process.subject, user, data["answers"], activation.task)

    def launch_network(self, activation):
        services.launch(activation.process.subject, process=activation.process)
