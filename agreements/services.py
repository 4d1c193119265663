"""Onboarding operations that span municipalities, agreements, processes and the audit trail."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from notifications import services as notices
from notifications.models import Kind
from workflows import audit, bulk, transitions
from workflows.forms import DecisionForm
from workflows.roles import Role

from .models import Agreement, Authority, ContactLog
from .scope import FACILITATE


def open_onboarding(agreement_or_municipality):
    from workflows.models import Process

    from .flows import OnboardingFlow

    municipality = getattr(agreement_or_municipality, "municipality", agreement_or_municipality)
    return Process.objects.filter(
        flow_class=OnboardingFlow, municipality=municipality, finished__isnull=True
    ).exclude(status="CANCELED")


def _onboarding_in_progress(municipality):
    """``open_onboarding(municipality).exists()``, written out: starting a process asks it,
    and compiling the ORM query took ten times as long as running it (docs/performance.md).
    A test holds the two to the same answers."""
    from workflows.models import Process

    from .flows import OnboardingFlow

    flow_class = Process._meta.get_field("flow_class").get_prep_value(OnboardingFlow)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {Process._meta.db_table} WHERE flow_class = %s"
            " AND municipality_id = %s AND finished IS NULL AND status <> %s)",
            [flow_class, municipality.pk, STATUS.CANCELED],
        )
        return bool(cursor.fetchone()[0])


def start_onboarding(user, municipality, data):
    """Register the municipality's authorities, open a draft agreement and start the flow."""
    from .flows import OnboardingFlow

    if not (user.has_perm(FACILITATE, municipality)):
        raise PermissionDenied(_("You do not facilitate this municipality."))
    with transaction.atomic(), audit.appended_together():
        if _onboarding_in_progress(municipality):
            raise PermissionDenied(_("This municipality already has an onboarding in progress."))
        if municipality.is_member:
            raise PermissionDenied(_("This municipality is already a member."))
        register_authorities(municipality, data, user)
        agreement = Agreement.objects.create(municipality=municipality, facilitator=user)
        audit.record(
            "agreement.created", actor=user, subject=agreement, after=agreement.audit_snapshot()
        )
        process = OnboardingFlow.start.run(agreement=agreement, by=user)
        audit.record("process.started", actor=user, process=process, subject=agreement)
    return process


def register_authorities(municipality, data, user):
    population = data.get("population")
    before_population = municipality.population
    if population is not None and population != municipality.population:
        municipality.population = population
        municipality.save(update_fields=["population"])
    previous, current = _replace_authorities(
        municipality,
        [
            Authority(
                municipality=municipality,
                kind=Authority.Kind.MAYOR,
                name=data["mayor_name"],
                position=_("Mayor"),
                email=data.get("mayor_email", ""),
                phone=data.get("mayor_phone", ""),
            ),
            Authority(
                municipality=municipality,
                kind=Authority.Kind.OFFICIAL,
                name=data["official_name"],
                position=data.get("official_position", ""),
                email=data.get("official_email", ""),
                phone=data.get("official_phone", ""),
            ),
        ],
    )
    before = {"population": before_population, "authorities": [str(a) for a in previous]}
    audit.record(
        "municipality.registered",
        actor=user,
        subject=municipality,
        before=before,
        after={
            "population": municipality.population,
            "authorities": [str(a) for a in current],  # the only current ones now
        },
    )


_AUTHORITY_COLUMNS = ("municipality_id", "kind", "name", "position", "email", "phone")


def _replace_authorities(municipality, made):
    """Retire the current authorities and store ``made``: (retired, made), retired in order.

    One statement on PostgreSQL, where the ORM took a read, an update (if any were
    current) and an insert, and compiling them was a tenth of starting a process.
    """
    if connection.vendor != "postgresql":
        previous = list(municipality.authorities.filter(is_current=True))
        if previous:  # a first registration has none to retire
            municipality.authorities.filter(is_current=True).update(is_current=False)
        return previous, Authority.objects.bulk_create(made)
    table = Authority._meta.db_table
    columns = ", ".join(_AUTHORITY_COLUMNS)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s, true)"] * len(made))
    sql = (
        f"WITH retired AS (UPDATE {table} SET is_current = false"
        f" WHERE municipality_id = %s AND is_current RETURNING id, {columns}),"
        f" made AS (INSERT INTO {table} ({columns}, is_current) VALUES {rows}"
        f" RETURNING id, {columns})"
        " SELECT * FROM (SELECT false AS made, * FROM retired"
        " UNION ALL SELECT true, * FROM made) rows"
        # Retired in Authority's ordering, by the database's collation; made in id order.
        " ORDER BY made, CASE WHEN made THEN id END, kind, name"
    )
    values = [municipality.pk]
    for authority in made:
        values.extend(getattr(authority, column) for column in _AUTHORITY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    retired = [
        bulk.mark_stored(
            Authority(is_current=False, **dict(zip(_AUTHORITY_COLUMNS, fields, strict=True))), pk
        )
        for is_new, pk, *fields in rows
        if not is_new
    ]
    ids = [pk for is_new, pk, *_fields in rows if is_new]
    for authority, pk in zip(made, ids, strict=True):
        bulk.mark_stored(authority, pk)
    return retired, made


def submit_draft(agreement, data, user, task, *, held=False):
    """Store the draft and submit it; ``held``: the caller read ``agreement`` locked."""
    # Inside the completion's transaction, without a savepoint: if the draft cannot be
    # stored, the completion fails with it.
    with transaction.atomic(savepoint=False):
        if not held:
            agreement = (
                Agreement.objects.select_for_update(of=("self",))
                .select_related("municipality")
                .get(pk=agreement.pk)
            )
        before = agreement.audit_snapshot()
        for field in ("scope", "commitments", "start_date", "end_date", "contacts"):
            setattr(agreement, field, data[field])
        unchanged = ["signed_document", "state", "municipality", "renewal_of"]
        if agreement.facilitator_id is None:
            agreement.facilitator = user
        else:
            unchanged.append("facilitator")
        agreement.full_clean(exclude=unchanged)
        transitions.record_edit(agreement, before, actor=user, task=task)
        # The transition saves the agreement, with the edit: one write for both.
        transitions.apply(
            agreement, "submit", actor=user, task=task, comment=data.get("comment", ""), held=True
        )


def review(agreement, data, user, task):
    name = "approve" if data["decision"] == DecisionForm.APPROVE else "return_for_changes"
    comment = data.get("comment", "")
    transitions.apply(agreement, name, actor=user, task=task, comment=comment)
    if name == "return_for_changes" and agreement.facilitator_id:
        notices.notify(
            agreement.facilitator,
            Kind.RETURNED,
            f"returned:{task.pk}",
            title=_("Agreement returned: %(municipality)s")
            % {"municipality": agreement.municipality.name},
            body=_("%(reviewer)s returned the agreement with this comment: %(comment)s")
            % {"reviewer": user.get_full_name() or user.get_username(), "comment": comment},
            url=reverse("workflows:process_detail", args=[task.process_id]),
            task=task,
        )


def record_signature(agreement, data, user, task):
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        before = agreement.audit_snapshot()
        agreement.signed_document = data["signed_document"]
        agreement.save(update_fields=["signed_document"])
        transitions.record_edit(agreement, before, actor=user, task=task)
        transitions.apply(
            agreement,
            "sign",
            actor=user,
            task=task,
            comment=data.get("comment", ""),
            signed_on=data["signed_on"],
        )


def activate_membership(agreement, user, task=None, comment=""):
    with transaction.atomic():
        transitions.apply(agreement, "activate", actor=user, task=task, comment=comment)
        municipality = agreement.municipality
        before = {"is_member": municipality.is_member, "facilitator": municipality.facilitator_id}
        municipality.is_member = True
        municipality.member_since = municipality.member_since or timezone.localdate()
        municipality.facilitator = agreement.facilitator
        municipality.save(update_fields=["is_member", "member_since", "facilitator"])
        audit.record(
            "municipality.joined",
            actor=user,
            task=task,
            subject=municipality,
            before=before,
            after={"is_member": True, "facilitator": municipality.facilitator_id},
        )


def return_signature(agreement, user, task, comment):
    """The signed copy goes back to the facilitator, who uploads it again."""
    transitions.apply(agreement, "return_signature", actor=user, task=task, comment=comment)
    if agreement.facilitator_id:
        notices.notify(
            agreement.facilitator,
            Kind.RETURNED,
            f"returned:{task.pk}",
            title=_("Signed agreement returned: %(municipality)s")
            % {"municipality": agreement.municipality.name},
            body=_("%(reviewer)s returned the signed agreement with this comment: %(comment)s")
            % {"reviewer": user.get_full_name() or user.get_username(), "comment": comment},
            url=reverse("workflows:process_detail", args=[task.process_id]),
            task=task,
        )


def change_membership(agreement, name, user, comment=""):
    """Suspend, reinstate or terminate an agreement from the case file."""
    with transaction.atomic():
        transitions.apply(agreement, name, actor=user, comment=comment)
        if name == "terminate":
            _leave(agreement.municipality, user)


def _leave(municipality, user):
    municipality.is_member = False
    municipality.save(update_fields=["is_member"])
    audit.record("municipality.left", actor=user, subject=municipality, after={"is_member": False})


def expire_due_agreements(today=None):
    """Expire active agreements past their end date and start their renewal. Idempotent."""
    from .flows import OnboardingFlow

    today = today or timezone.localdate()
    expired = 0
    due = Agreement.objects.filter(state=Agreement.State.ACTIVE, end_date__lte=today)
    for agreement in due.select_related("municipality").iterator():
        with transaction.atomic():
            locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
            if locked.state != Agreement.State.ACTIVE:
                continue
            transitions.apply(locked, "expire", actor=None, comment=_("End date reached"))
            municipality = locked.municipality
            municipality.is_member = False
            municipality.save(update_fields=["is_member"])
            renewal = Agreement.objects.create(
                municipality=municipality,
                facilitator=locked.facilitator,
                renewal_of=locked,
                scope=locked.scope,
                commitments=locked.commitments,
                contacts=locked.contacts,
                start_date=locked.end_date + datetime.timedelta(days=1),
                end_date=_same_term(locked),
            )
            audit.record(
                "agreement.renewal_opened",
                subject=renewal,
                after={"renewal_of": locked.pk},
            )
            process = OnboardingFlow.renew.run(agreement=renewal, by=None)
            audit.record("process.started", process=process, subject=renewal)
            expired += 1
    return expired


def _same_term(agreement):
    if agreement.start_date and agreement.end_date:
        return agreement.end_date + (agreement.end_date - agreement.start_date)
    return None


def record_contact(user, municipality, data):
    """Log a contact and, if one was agreed, start its follow-up task."""
    from .flows import FollowUpFlow

    if not user.has_perm(FACILITATE, municipality) and not user.has_perm(
        "workflows.act_as_coordinator"
    ):
        raise PermissionDenied(_("You do not facilitate this municipality."))
    with transaction.atomic():
        contact = ContactLog.objects.create(
            municipality=municipality,
            date=data["date"],
            kind=data["kind"],
            participants=data["participants"],
            agreed=data["agreed"],
            recorded_by=user,
        )
        audit.record(
            "contact.recorded", actor=user, subject=contact, after=contact.audit_snapshot()
        )
        process = None
        if data.get("follow_up"):
            due = data["follow_up_due"]
            due_at = timezone.make_aware(datetime.datetime.combine(due, datetime.time(18, 0)))
            process = FollowUpFlow.start.run(
                contact=contact,
                by=user,
                role=data["follow_up_role"] or Role.FACILITATOR,
                due_at=due_at,
                description=data["follow_up"],
                assignee=data.get("follow_up_assignee"),
            )
            audit.record("process.started", actor=user, process=process, subject=contact)
    return contact, process


def change_scope(actor, user, role, *, region=None, municipality=None, revoke=False):
    """Grant or revoke a territorial scope on behalf of a coordinator."""
    from . import scope

    if not actor.has_perm("workflows.manage_tasks"):
        raise PermissionDenied(_("Only coordinators can change scopes."))
    if role == Role.MUNICIPAL_OFFICER:
        operation = scope.revoke_officer if revoke else scope.grant_officer
        return operation(user, municipality, by=actor)
    if region is not None:
        operation = scope.revoke_facilitator_region if revoke else scope.grant_facilitator_region
        return operation(user, region, by=actor)
    operation = (
        scope.revoke_facilitator_municipality if revoke else scope.grant_facilitator_municipality
    )
    return operation(user, municipality, by=actor)
