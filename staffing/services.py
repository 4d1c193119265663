"""Hiring operations: positions, candidates, evaluation, decision, contract, onboarding.

Each state change goes through ``workflows.transitions.apply`` so that it and its
audit event commit together. Audit events name candidates by id only: the
personal data stays in the candidate's row, which anonymisation overwrites.
"""

import datetime
import logging
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from notifications import outbox
from workflows import audit, transitions
from workflows.models import Process
from workflows.roles import Role

from .models import (
    ANONYMISED_NAME,
    MANAGE_HIRING,
    REGISTER_CANDIDATES,
    Candidate,
    Contract,
    Evaluation,
    Position,
)
from .permissions import can_see_personal_data

logger = logging.getLogger(__name__)


# Positions ------------------------------------------------------------------


def open_position(user, data):
    """Open a position and start its hiring process."""
    from .flows import HiringFlow

    if not user.has_perm(MANAGE_HIRING):
        raise PermissionDenied(_("Only the coordinator opens positions."))
    with transaction.atomic():
        position = Position(
            title=data["title"],
            profile=data["profile"],
            expertise=data["expertise"],
            theme=data["theme"],
            network=data.get("network"),
            project_name=data.get("project_name", ""),
            term_months=data["term_months"],
            opened_by=user,
        )
        position.full_clean(exclude=["state", "hired"])
        position.save()
        audit.record(
            "position.opened", actor=user, subject=position, after=position.audit_snapshot()
        )
        process = HiringFlow.start.run(position=position, by=user)
        audit.record("process.started", actor=user, process=process, subject=position)
    return position, process


def cancel_position(position, user, reason, task=None):
    """Cancel an open, evaluating or decided position; its process ends with it.

    From the decision task (``task``) the flow routes to its end; from the
    position's page the process is locked first, as a task completion does, and
    its open tasks are cancelled with the position.
    """
    if not user.has_perm(MANAGE_HIRING):
        raise PermissionDenied(_("Only the coordinator cancels positions."))
    if not (reason or "").strip():
        raise ValidationError({"comment": _("Say why the position is cancelled.")})
    if task is not None:
        return transitions.apply(position, "cancel", actor=user, task=task, comment=reason)
    process = Process.for_subject(position)
    if process is None or process.finished is not None:
        return transitions.apply(position, "cancel", actor=user, comment=reason)
    with process.flow_class.lock(process.pk), transaction.atomic():
        transitions.apply(position, "cancel", actor=user, process=process, comment=reason)
        process.refresh_from_db()
        open_tasks = list(
            process.task_set.filter(status__in=["NEW", "ASSIGNED"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        process.flow_class.instance.cancel(process)
        audit.record(
            "process.cancelled",
            actor=user,
            process=process,
            subject=position,
            after={"cancelled_tasks": open_tasks},
            comment=reason,
        )
    return position


# Candidates -----------------------------------------------------------------


def register_candidate(position, user, data):
    """Register a candidate and their CV while the position is open."""
    if not user.has_perm(REGISTER_CANDIDATES):
        raise PermissionDenied(_("You cannot register candidates."))
    with transaction.atomic():
        position = Position.objects.select_for_update().get(pk=position.pk)
        if position.state != Position.State.OPEN:
            raise ValidationError(
                _("Candidates can only be registered while the position is open.")
            )
        email = data["email"].strip().lower()
        if position.candidates.filter(email__iexact=email).exists():
            raise ValidationError(
                {"email": _("A candidate with this e-mail is already registered.")}
            )
        number = (position.candidates.aggregate(last=Max("number"))["last"] or 0) + 1
        candidate = Candidate(
            position=position,
            number=number,
            full_name=data["full_name"].strip(),
            email=email,
            phone=data.get("phone", "").strip(),
            national_id=data.get("national_id", "").strip(),
            cv=data["cv"],
            registered_by=user,
        )
        candidate.full_clean()
        candidate.save()
        audit.record(
            "candidate.registered",
            actor=user,
            process=Process.for_subject(position),
            subject=candidate,
            after=candidate.audit_snapshot(),
        )
    return candidate


def request_anonymisation(candidate, user):
    """Record a candidate's request that their data be erased once the process ends."""
    if not can_see_personal_data(user):
        raise PermissionDenied(_("You cannot act on candidates' personal data."))
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.anonymisation_requested_at or candidate.anonymised_at:
            return candidate
        candidate.anonymisation_requested_at = timezone.now()
        candidate.save(update_fields=["anonymisation_requested_at"])
        audit.record(
            "candidate.anonymisation_requested",
            actor=user,
            process=Process.for_subject(candidate.position),
            subject=candidate,
            after={"candidate": candidate.pk, "position": candidate.position_id},
        )
    return candidate


class AnonymisationRefused(Exception):
    """The candidate's data cannot be erased (yet); the message says why."""


def anonymise(candidate, actor=None):
    """Erase a candidate's personal data, CV and evaluation notes; audit it without the data.

    Refused while the hiring process is in progress and for the hired candidate,
    whose data stands with their contract. Returns False if already anonymised.
    """
    with transaction.atomic():
        candidate = (
            Candidate.objects.select_for_update().select_related("position").get(pk=candidate.pk)
        )
        position = candidate.position
        if candidate.anonymised_at is not None:
            return False
        if not position.is_ended:
            raise AnonymisationRefused(
                _(
                    "%(candidate)s: the hiring process of “%(position)s” is still in progress "
                    "(%(state)s); the data can be erased once it ends."
                )
                % {
                    "candidate": candidate,
                    "position": position.title,
                    "state": position.get_state_display(),
                }
            )
        if position.hired_id == candidate.pk:
            raise AnonymisationRefused(
                _("%(candidate)s was hired: their data stands with the contract.")
                % {"candidate": candidate}
            )
        cv_name = candidate.cv.name
        candidate.full_name = ANONYMISED_NAME
        candidate.email = f"anonymised-{candidate.pk}@invalid"
        candidate.phone = ""
        candidate.national_id = ""
        candidate.cv = ""
        candidate.anonymised_at = timezone.now()
        candidate.save(
            update_fields=["full_name", "email", "phone", "national_id", "cv", "anonymised_at"]
        )
        Evaluation.objects.filter(candidate=candidate).update(notes="")
        audit.record(
            "candidate.anonymised",
            actor=actor,
            process=Process.for_subject(position),
            subject=candidate,
            after={"candidate": candidate.pk, "position": position.pk},
        )
        if cv_name:
            storage = candidate.cv.storage
            transaction.on_commit(lambda: storage.delete(cv_name))
    return True


def anonymisation_candidates(*, all_ended=False, ids=None):
    """Candidates to anonymise: those who asked (or every non-hired one of ended positions)."""
    qs = Candidate.objects.filter(anonymised_at__isnull=True).select_related("position")
    if ids:
        return qs.filter(pk__in=ids).order_by("pk")
    requested = qs.filter(anonymisation_requested_at__isnull=False)
    if not all_ended:
        return requested.order_by("pk")
    ended = qs.filter(position__state__in=Position.ENDED).exclude(position__hired=F("pk"))
    return (requested | ended).distinct().order_by("pk")


def anonymise_pending(*, all_ended=False, ids=None, actor=None):
    """Anonymise the selected candidates; returns (how many, messages of the refused)."""
    done, refused = 0, []
    for candidate in anonymisation_candidates(all_ended=all_ended, ids=ids):
        try:
            done += anonymise(candidate, actor=actor)
        except AnonymisationRefused as error:
            refused.append(str(error))
    return done, refused


# Flow steps -----------------------------------------------------------------


def close_registration(position, user, task, comment=""):
    if not position.has_candidates():
        raise ValidationError(_("Register at least one candidate before closing the registration."))
    transitions.apply(
        position, "close_registration", actor=user, task=task, comment=comment, check_perm=False
    )


def record_evaluations(position, user, scores, task, comment=""):
    """Store one evaluation per candidate; ``scores`` maps a candidate to its fields."""
    with transaction.atomic():
        candidates = {c.pk: c for c in position.candidates.all()}
        if set(scores) != set(candidates):
            raise ValidationError(_("Evaluate every candidate of the position."))
        for pk in sorted(scores):
            values = scores[pk]
            evaluation, created = Evaluation.objects.update_or_create(
                candidate=candidates[pk],
                defaults={
                    "evaluator": user,
                    "expertise": values["expertise"],
                    "experience": values["experience"],
                    "fit": values["fit"],
                    "notes": values.get("notes", ""),
                    "created": timezone.now(),
                },
            )
            audit.record(
                "evaluation.recorded",
                actor=user,
                task=task,
                subject=candidates[pk],
                after=evaluation.audit_snapshot(),
            )
        # The decision step shows the position as evaluated, no longer under evaluation.
        transitions.apply(
            position,
            "complete_evaluation",
            actor=user,
            task=task,
            comment=comment,
            check_perm=False,
        )


def evaluators_of(position):
    return set(
        Evaluation.objects.filter(candidate__position=position).values_list(
            "evaluator_id", flat=True
        )
    )


def decide(position, user, data, task):
    """The coordinator hires one evaluated candidate or cancels the position."""
    if user.pk in evaluators_of(position):
        raise ValidationError(
            _("You evaluated the candidates: another coordinator must take the decision.")
        )
    comment = data.get("comment", "")
    if data["decision"] == "cancel":
        return cancel_position(position, user, comment, task=task)
    return transitions.apply(
        position, "decide", actor=user, task=task, comment=comment, candidate=data["candidate"]
    )


def record_contract(position, user, data, task):
    with transaction.atomic():
        position = Position.objects.select_for_update().get(pk=position.pk)
        if position.state != Position.State.DECIDED or position.hired_id is None:
            raise ValidationError(_("The position has no decided candidate."))
        contract = Contract(
            position=position,
            candidate_id=position.hired_id,
            start_date=data["start_date"],
            end_date=data["end_date"],
            terms=data["terms"],
            signed_contract=data["signed_contract"],
            recorded_by=user,
        )
        contract.full_clean(exclude=["specialist"])
        contract.save()
        audit.record(
            "contract.recorded",
            actor=user,
            task=task,
            subject=contract,
            after=contract.audit_snapshot(),
            comment=data.get("comment", ""),
        )
    return contract


# Onboarding -----------------------------------------------------------------


def _username_for(email):
    User = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", email.split("@")[0].lower())[:140] or "especialista"
    username, suffix = base, 1
    while User.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{base}{suffix}"
    return username


def account_for(candidate):
    """The user with the candidate's e-mail (a specialist first), or a new one; and if new."""
    User = get_user_model()
    existing = list(User.objects.filter(email__iexact=candidate.email).order_by("pk"))
    if existing:
        specialists = [u for u in existing if u.groups.filter(name=Role.SPECIALIST).exists()]
        return (specialists or existing)[0], False
    first, _sep, last = candidate.full_name.partition(" ")
    user = User(
        username=_username_for(candidate.email),
        email=candidate.email,
        first_name=first[:150],
        last_name=last[:150],
        is_active=True,
    )
    user.set_unusable_password()
    user.save()
    return user, True


def onboard_specialist(position, process=None):
    """Create or reuse the hired person's account, grant the role and scope, invite them.

    Scope for a specialist is their theme: being among the theme's specialists
    makes them eligible to lead or work on its networks and systematise its cases.
    Leads of existing networks are not reassigned. The invitation e-mail leaves
    after the transaction commits, so that a rollback sends nothing.
    """
    with transaction.atomic():
        position = Position.objects.select_for_update().get(pk=position.pk)
        contract = Contract.objects.select_for_update().get(position=position)
        candidate = contract.candidate
        user, created = account_for(candidate)
        reactivated = not user.is_active
        if reactivated:
            user.is_active = True
            user.save(update_fields=["is_active"])
        user.groups.add(Group.objects.get(name=Role.SPECIALIST))
        position.theme.specialists.add(user)
        contract.specialist = user
        contract.save(update_fields=["specialist"])
        audit.record(
            "specialist.onboarded",
            process=process,
            subject=contract,
            after={
                "user": user.pk,
                "account_created": created,
                "reactivated": reactivated,
                "candidate": candidate.pk,
            },
        )
        audit.record(
            "scope.granted",
            process=process,
            subject=position.theme,
            after={
                "user": user.get_username(),
                "role": Role.SPECIALIST.value,
                "theme": position.theme.slug,
                "network": position.network_id,
                "project_name": position.project_name,
            },
        )
        transitions.apply(position, "fill", process=process, check_perm=False)
        schedule_invitation(contract, process=process)
    return user


def schedule_invitation(contract, *, actor=None, process=None):
    """Record the invitation and its e-mail job together; the worker sends it."""
    with transaction.atomic():
        event = audit.record(
            "specialist.invited",
            actor=actor,
            process=process or Process.for_subject(contract.position),
            subject=contract,
            after={"user": contract.specialist_id},
        )
        outbox.enqueue("staffing.tasks.send_invitation", contract.pk, event.at.isoformat())


def invitation_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("staffing:welcome", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def send_invitation(contract_pk, asked_at=None):
    """Send the invitation e-mail (Spanish by default) and note when it left.

    Once per request: a redelivered job finds it sent after ``asked_at`` and stops.
    """
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("specialist", "position__theme")
            .get(pk=contract_pk)
        )
        asked = datetime.datetime.fromisoformat(asked_at) if asked_at else None
        if asked and contract.invitation_sent_at and contract.invitation_sent_at >= asked:
            return False
        return _send_invitation(contract)


def _send_invitation(contract):
    user = contract.specialist
    if user is None or not user.email:
        return False
    context = {
        "user": user,
        "contract": contract,
        "position": contract.position,
        "needs_password": not user.has_usable_password(),
        "link": invitation_link(user)
        if not user.has_usable_password()
        else settings.SITE_URL.rstrip("/") + reverse("login"),
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Welcome to the PAGG Municipal programme")
        text = render_to_string("staffing/email/invitation.txt", context)
        html = render_to_string("staffing/email/invitation.html", context)
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email], html_message=html)
    Contract.objects.filter(pk=contract.pk).update(invitation_sent_at=timezone.now())
    return True


def resend_invitation(position, user):
    if not user.has_perm(MANAGE_HIRING):
        raise PermissionDenied(_("Only the coordinator sends invitations."))
    contract = Contract.objects.filter(position=position, specialist__isnull=False).first()
    if position.state != Position.State.FILLED or contract is None:
        raise ValidationError(_("The position has no onboarded specialist yet."))
    with transaction.atomic():
        schedule_invitation(contract, actor=user)
    return contract
