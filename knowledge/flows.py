"""Case systematisation: from a registered experience to a published case."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.flow import Flow
from workflows.forms import DecisionForm
from workflows.nodes import HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import CurationForm, SubmitCaseForm
from .models import Case


class CaseFlow(Flow):
    """Innovation case

    A case registered by a facilitator, specialist or municipal officer is
    systematised by a specialist of its theme, curated by the knowledge team
    against the inclusion criteria and published with the coordinator's approval.
    """

    process_title = _("Innovation case")

    start = Start(this.start_case).Annotation(title=_("Case registered")).Next(this.systematise)
    revise = (
        Start(this.start_revision)
        .Annotation(title=_("Revision of a published case"))
        .Next(this.systematise)
    )

    systematise = (
        HumanTask(
            role=Role.SPECIALIST,
            title=_("Systematise the case"),
            submit_label=_("Send to curation"),
            form_class=SubmitCaseForm,
            sla_days=30,
            panel="knowledge/panels/systematise.html",
            panel_context=selectors.systematise_panel,
        )
        .Assign(this.case_specialist)
        .OnComplete(this.systematised)
        .Next(this.curate)
    )
    curate = (
        HumanTask(
            role=Role.KNOWLEDGE_CURATOR,
            title=_("Curate the case"),
            form_class=CurationForm,
            sla_days=10,
            panel="knowledge/panels/curation.html",
            panel_context=selectors.curation_panel,
        )
        .OnComplete(this.curated)
        .Next(this.check_curation)
    )
    check_curation = flow.If(this.is_approved).Then(this.approve_publication).Else(this.systematise)
    approve_publication = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Approve the publication of the case"),
            form_class=DecisionForm,
            sla_days=5,
            panel="knowledge/panels/publication.html",
            panel_context=selectors.publication_panel,
        )
        .OnComplete(this.decided)
        .Next(this.check_publication)
    )
    check_publication = flow.If(this.is_published).Then(this.end).Else(this.systematise)
    end = flow.End()

    def start_case(self, activation, case, by=None):
        return activation.process.bind(case, by, self.process_title, municipality=case.municipality)

    def start_revision(self, activation, case, by=None):
        return activation.process.bind(case, by, _("Case revision"), municipality=case.municipality)

    def case_specialist(self, activation):
        """Who systematised it before, else the theme's specialist with the least open work."""
        case = activation.process.subject
        if case.specialist_id:
            return case.specialist
        return (
            case.theme.specialists.filter(is_active=True)
            .annotate(
                open_work=Count(
                    "task",
                    filter=Q(task__flow_task_type="HUMAN", task__finished__isnull=True),
                )
            )
            .order_by("open_work", "pk")
            .first()
        )

    def is_approved(self, activation):
        return activation.process.subject.state == Case.State.APPROVED

    def is_published(self, activation):
        return activation.process.subject.state == Case.State.PUBLISHED

    def systematised(self, activation, data, user):
        services.submit_for_curation(activation.process.subject, user, activation.task)

    def curated(self, activation, data, user):
        services.curate(activation.process.subject, user, data, activation.task)

    def decided(self, activation, data, user):
        services.decide_publication(activation.process.subject, user, data, activation.task)
