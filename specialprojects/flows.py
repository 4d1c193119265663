"""Special project: from its definition in a line to its closure."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import STATUS

from workflows.flow import Flow
from workflows.forms import DecisionForm
from workflows.nodes import FanOut, HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import ClosureForm, ConfirmForm, MilestoneForm, ProposalForm, TeamForm
from .models import Milestone, Project


def the_project(process):
    return process.subject


def no_scope(process):
    return None


class ProjectFlow(Flow):
    """Special project

    The coordination defines a project in a line and names its lead; the lead
    proposes it; the team is named and each member confirms; the coordination
    approves it; milestones are delivered on their dates; the lead reports and
    the coordination closes it.
    """

    process_title = _("Special project")

    start = Start(this.start_project).Next(this.draft_proposal)

    draft_proposal = (
        HumanTask(
            role=Role.PROJECT_TEAM,
            title=_("Draft the project proposal"),
            submit_label=_("Send the proposal"),
            panel="specialprojects/panels/draft.html",
            panel_context=selectors.project_panel,
            form_class=ProposalForm,
            scope=the_project,
            sla_days=20,
        )
        .Assign(this.lead)
        .OnComplete(this.proposal_saved)
        .Next(this.check_team)
    )
    # A reworked proposal goes straight back to the decision when the team it named
    # stands; a team still short (or never named) is named first.
    check_team = flow.If(this.team_stands).Then(this.approve_project).Else(this.form_team)
    form_team = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Name the project team"),
            submit_label=_("Name the team and ask them to confirm"),
            panel="specialprojects/panels/team.html",
            panel_context=selectors.project_panel,
            form_class=TeamForm,
            scope=no_scope,
            sla_days=5,
        )
        .OnComplete(this.team_named)
        .Next(this.ask_team)
    )
    ask_team = (
        FanOut()
        .Next(this.confirm_participation, data_source=this.pending_confirmations)
        .Next(this.team_formed)
    )
    confirm_participation = (
        HumanTask(
            role=Role.PROJECT_TEAM,
            title=_("Confirm your participation in the project"),
            submit_label=_("Send my answer"),
            panel="specialprojects/panels/confirm.html",
            panel_context=selectors.project_panel,
            form_class=ConfirmForm,
            scope=the_project,
            sla_days=5,
        )
        .Assign(this.member)
        .OnComplete(this.confirmed)
        .Next(this.team_formed)
    )
    team_formed = flow.Join().Next(this.approve_project)
    approve_project = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Approve or return the project"),
            panel="specialprojects/panels/proposal.html",
            panel_context=selectors.project_panel,
            form_class=DecisionForm,
            scope=no_scope,
            sla_days=5,
        )
        .OnComplete(this.decided)
        .Next(this.check_approval)
    )
    check_approval = flow.If(this.is_approved).Then(this.launch).Else(this.draft_proposal)
    launch = (
        flow.Function(this.launch_project)
        .Annotation(title=_("Launch the project"))
        .Next(this.deliver)
    )
    deliver = (
        FanOut()
        .Next(this.deliver_milestone, data_source=this.open_milestones)
        .Next(this.milestones_done)
    )
    deliver_milestone = (
        HumanTask(
            role=Role.PROJECT_TEAM,
            title=_("Deliver the milestone"),
            submit_label=_("Deliver the milestone"),
            panel="specialprojects/panels/milestone.html",
            panel_context=selectors.project_panel,
            form_class=MilestoneForm,
            scope=the_project,
            due=services.milestone_due,
            due_takes_task=True,
        )
        .Assign(this.milestone_responsible)
        .OnComplete(this.milestone_delivered)
        .Next(this.milestones_done)
    )
    milestones_done = flow.Join().Next(this.closure_report)
    closure_report = (
        HumanTask(
            role=Role.PROJECT_TEAM,
            title=_("Write the closure report"),
            submit_label=_("Send the closure report"),
            panel="specialprojects/panels/closure_report.html",
            panel_context=selectors.project_panel,
            form_class=ClosureForm,
            scope=the_project,
            sla_days=15,
        )
        .Assign(this.lead)
        .OnComplete(this.closure_written)
        .Next(this.close_project)
    )
    close_project = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Close the project"),
            panel="specialprojects/panels/close.html",
            panel_context=selectors.project_panel,
            form_class=DecisionForm,
            scope=no_scope,
            sla_days=10,
        )
        .OnComplete(this.closure_decided)
        .Next(this.check_closed)
    )
    check_closed = flow.If(this.is_closed).Then(this.end).Else(this.closure_report)
    end = flow.End()

    def start_project(self, activation, project, by=None):
        return activation.process.bind(project, by, self.process_title)

    def lead(self, activation):
        return activation.process.subject.lead

    def member(self, activation):
        return get_user_model().objects.filter(pk=activation.task.data["user"]).first()

    def milestone_responsible(self, activation):
        milestone = Milestone.objects.get(pk=activation.task.data["milestone"])
        return milestone.responsible or activation.process.subject.lead

    def pending_confirmations(self, activation):
        return services.pending_confirmations(activation.process.subject)

    def open_milestones(self, activation):
        return services.milestone_tasks(activation.process.subject)

    def team_stands(self, activation):
        team_named = activation.process.task_set.filter(
            flow_task=self.form_team, status=STATUS.DONE
        ).exists()
        return team_named and activation.process.subject.team_stands()

    def is_approved(self, activation):
        return activation.process.subject.state == Project.State.APPROVED

    def is_closed(self, activation):
        return activation.process.subject.state == Project.State.CLOSED

    def proposal_saved(self, activation, data, user):
        services.save_proposal(activation.process.subject, user, data, activation.task)

    def team_named(self, activation, data, user):
        services.form_team(activation.process.subject, user, data["members"], activation.task)

    def confirmed(self, activation, data, user):
        services.confirm(activation.process.subject, user, data["accept"] == "yes", activation.task)

    def decided(self, activation, data, user):
        services.decide(activation.process.subject, user, data, activation.task)

    def launch_project(self, activation):
        services.launch(activation.process.subject, process=activation.process)

    def milestone_delivered(self, activation, data, user):
        services.complete_milestone(activation.process.subject, user, data, activation.task)

    def closure_written(self, activation, data, user):
        services.write_closure(activation.process.subject, user, data, activation.task)

    def closure_decided(self, activation, data, user):
        services.decide_closure(activation.process.subject, user, data, activation.task)
