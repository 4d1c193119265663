"""Municipal onboarding: from registering a municipality to its active membership."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from workflows.flow import Flow
from workflows.forms import DecisionForm
from workflows.nodes import HumanTask, Start
from workflows.roles import Role

from . import selectors, services
from .forms import ActivationForm, AgreementDraftForm, FollowUpForm, SignedAgreementForm
from .models import Agreement


class OnboardingFlow(Flow):
    """Municipal onboarding

    A facilitator registers the municipality and drafts its cooperation agreement;
    the coordination approves it; the signed agreement makes it a member.
    """

    process_title = _("Municipal onboarding")

    start = (
        Start(this.start_onboarding)
        .Annotation(title=_("Municipality registered"))
        .Next(this.draft_agreement)
    )
    renew = (
        Start(this.start_renewal).Annotation(title=_("Renewal opened")).Next(this.draft_agreement)
    )

    draft_agreement = (
        HumanTask(
            role=Role.FACILITATOR,
            title=_("Draft the cooperation agreement"),
            submit_label=_("Send for review"),
            form_class=AgreementDraftForm,
            sla_days=10,
            panel="agreements/panels/draft.html",
            panel_context=selectors.agreement_panel,
        )
        .Assign(this.agreement_facilitator)
        .OnComplete(this.agreement_drafted)
        .Next(this.review_agreement)
    )
    review_agreement = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Review the agreement"),
            form_class=DecisionForm,
            sla_days=5,
            panel="agreements/panels/review.html",
            panel_context=selectors.review_panel,
        )
        .OnComplete(this.agreement_reviewed)
        .Next(this.check_review)
    )
    check_review = (
        flow.If(this.is_approved).Then(this.upload_signed_agreement).Else(this.draft_agreement)
    )
    upload_signed_agreement = (
        HumanTask(
            role=Role.FACILITATOR,
            title=_("Upload the signed agreement"),
            submit_label=_("Upload the signed agreement"),
            form_class=SignedAgreementForm,
            sla_days=30,
            panel="agreements/panels/upload.html",
            panel_context=selectors.approved_agreement_panel,
        )
        .Assign(this.agreement_facilitator)
        .OnComplete(this.signed_agreement_uploaded)
        .Next(this.activate_membership)
    )
    activate_membership = (
        HumanTask(
            role=Role.COORDINATOR,
            title=_("Activate the membership"),
            form_class=ActivationForm,
            sla_days=5,
            panel="agreements/panels/activate.html",
            panel_context=selectors.approved_agreement_panel,
        )
        .OnComplete(this.membership_decided)
        .Next(this.check_activation)
    )
    # A signed copy that is wrong or illegible goes back to the facilitator to upload again.
    check_activation = flow.If(this.is_active).Then(this.end).Else(this.upload_signed_agreement)
    end = flow.End()

    # Start handlers: fill the process before viewflow saves it.
    def start_onboarding(self, activation, agreement, by):
        return activation.process.bind(
            agreement,
            by,
            self.process_title,
            about=agreement.municipality.name,
            municipality=agreement.municipality,
        )

    def start_renewal(self, activation, agreement, by=None):
        return activation.process.bind(
            agreement,
            by,
            _("Agreement renewal"),
            about=agreement.municipality.name,
            municipality=agreement.municipality,
        )

    # Routing helpers
    def agreement_facilitator(self, activation):
        return activation.process.subject.facilitator

    def is_approved(self, activation):
        return activation.process.subject.state == Agreement.State.APPROVED

    def is_active(self, activation):
        return activation.process.subject.state == Agreement.State.ACTIVE

    # Completion handlers: turn the form's data into FSM transitions.
    def agreement_drafted(self, activation, data, user):
        agreement = activation.process.locked_subject("municipality")
        services.submit_draft(agreement, data, user, activation.task, held=True)

    def agreement_reviewed(self, activation, data, user):
        services.review(activation.process.subject, data, user, activation.task)

    def signed_agreement_uploaded(self, activation, data, user):
        services.record_signature(activation.process.subject, data, user, activation.task)

    def membership_decided(self, activation, data, user):
        agreement, comment = activation.process.subject, data.get("comment", "")
        if data.get("decision") == ActivationForm.RETURN:
            services.return_signature(agreement, user, activation.task, comment)
        else:
            services.activate_membership(agreement, user, activation.task, comment)


class FollowUpFlow(Flow):
    """Contact follow-up

    A task agreed in a contact with a municipal government, due on a set date.
    """

    process_title = _("Contact follow-up")

    start = Start(this.start_follow_up).Next(this.follow_up)
    follow_up = (
        HumanTask(
            role=lambda process: process.data["role"],
            title=_("Follow up on a contact"),
            form_class=FollowUpForm,
            due=lambda process: parse_datetime(process.data["due_at"]),
            panel="agreements/panels/follow_up.html",
            panel_context=selectors.contact_panel,
        )
        .Assign(this.follow_up_assignee)
        .OnComplete(this.follow_up_done)
        .Next(this.end)
    )
    end = flow.End()

    def start_follow_up(self, activation, contact, by, role, due_at, description, assignee=None):
        process = activation.process
        process.municipality = contact.municipality
        process.subject = contact
        process.started_by = by
        process.title = description
        process.data = {
            "role": role,
            "due_at": due_at.isoformat(),
            "assignee": assignee.pk if assignee else None,
            "description": description,
        }
        return process

    def follow_up_assignee(self, activation):
        from django.contrib.auth import get_user_model

        pk = activation.process.data.get("assignee")
        return get_user_model().objects.filter(pk=pk).first() if pk else None

    def follow_up_done(self, activation, data, user):
        activation.task.data = {**activation.task.data, "outcome": data["outcome"]}
        activation.task.save(update_fields=["data"])
