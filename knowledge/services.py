"""Case operations: registration, systematisation, curation, publication, revision, feedback.

State changes go through ``workflows.transitions.apply`` (the transition and its
audit event in one transaction); content edits are recorded with the fields that
changed. People who registered or systematised a case hear about its feedback.
"""

import operator
import unicodedata
from functools import reduce

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import CharField, TextField, Value
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.scope import FACILITATE, REPRESENT
from notifications import services as notices
from notifications.models import Kind
from workflows import audit, transitions
from workflows.forms import DecisionForm
from workflows.roles import Role, has_role, only_reads

from .models import (
    DETAILS_FIELDS,
    STEP_FIELDS,
    STEPS,
    Case,
    Comment,
    Curation,
    LibraryEntry,
    Rating,
    Replication,
    size_band,
)

CURATE = "knowledge.curate_case"


# Who may do what -------------------------------------------------------------


def can_register(user, municipality):
    """Facilitators and officers for their municipalities; specialists anywhere."""
    if not user.is_authenticated or not user.is_active:
        return False
    if has_role(user, Role.SPECIALIST):
        return True
    return user.has_perm(FACILITATE, municipality) or user.has_perm(REPRESENT, municipality)


def registrable_municipalities(user):
    """Every municipality for specialists; the ones in their territory for the others."""
    from agreements.models import Municipality
    from agreements.scope import municipality_ids_for

    if not user.is_authenticated:
        return Municipality.objects.none()
    if has_role(user, Role.SPECIALIST):
        return Municipality.objects.all()
    return Municipality.objects.filter(pk__in=municipality_ids_for(user))


def can_register_somewhere(user):
    return registrable_municipalities(user).exists()


def can_give_feedback(user):
    """Signed-in people comment on and rate published cases; auditors only read them."""
    return user.is_authenticated and not only_reads(user)


def can_moderate(user):
    return user.has_perm(CURATE) or has_role(user, Role.SPECIALIST)


def can_revise(user):
    return has_role(user, Role.SPECIALIST) or user.has_perm(CURATE)


def systematise_task(case):
    from workflows.models import Process, Task

    from .flows import CaseFlow

    process = Process.for_subject(case)
    if process is None:
        return None
    return (
        Task.objects.filter(process=process, flow_task=CaseFlow.systematise, finished__isnull=True)
        .exclude(status="CANCELED")
        .first()
    )


def can_edit(user, case):
    """The specialist who holds the open systematisation task edits the case."""
    if not case.is_editable:
        return False
    task = systematise_task(case)
    return task is not None and task.owner_id == user.pk


# Registration ---------------------------------------------------------------

REGISTRATION_FIELDS = [
    "title",
    "municipality",
    "theme",
    "summary",
    "contact_name",
    "contact_email",
    "contact_phone",
    "started_on",
    "ended_on",
    "partners",
]


def register_case(user, data):
    from .flows import CaseFlow

    if not can_register(user, data["municipality"]):
        raise PermissionDenied(_("You cannot register cases for this municipality."))
    with transaction.atomic():
        case = Case(registered_by=user, **{name: data.get(name) for name in REGISTRATION_FIELDS})
        for name in ("contact_email", "contact_phone", "partners"):
            setattr(case, name, getattr(case, name) or "")
        case.full_clean(exclude=["state"])
        case.save()
        audit.record("case.registered", actor=user, subject=case, after=case.audit_snapshot())
        CaseFlow.start.run(case=case, by=user)
    return case


# Systematisation --------------------------------------------------------------


def save_step(case, user, step, data, *, autosave=False):
    """Save one step's fields; the first save starts the systematisation."""
    if not can_edit(user, case):
        raise PermissionDenied(_("Take the systematisation task to edit this case."))
    fields = [name for name in STEP_FIELDS[step] + (["results_type"] if step == 5 else [])]
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = {name: getattr(locked, name) for name in fields}
        for name in fields:
            if name in data:
                setattr(locked, name, data[name] or "")
        after = {name: getattr(locked, name) for name in fields}
        locked.draft_saved_at = timezone.now()
        locked.save(update_fields=[*fields, "draft_saved_at"])
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            audit.record(
                "case.draft_saved" if autosave else "case.step_saved",
                actor=user,
                subject=locked,
                before={k: before[k] for k in changed},
                after=changed,
                comment=_("Step %(number)s: %(label)s")
                % {"number": step, "label": dict(STEPS)[step]},
            )
        _begin(locked, user)
    case.refresh_from_db()
    return case


def _begin(case, user):
    """The specialist's first edit (of a new or a returned case) starts the systematisation."""
    if case.state in (Case.State.REGISTERED, Case.State.RETURNED):
        transitions.apply(case, "begin_systematisation", actor=user, check_perm=False)


def save_details(case, user, data):
    """Correct what registration set (title, summary, theme, dates, contact).

    Recorded as an edit of the case with each changed field before and after (the
    theme by its id, dates in ISO), so that the curator's next round lists them.
    """
    if not can_edit(user, case):
        raise PermissionDenied(_("Take the systematisation task to edit this case."))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = _recorded(locked, DETAILS_FIELDS)
        for name in DETAILS_FIELDS:
            if name in data:
                value = data[name]
                text = isinstance(Case._meta.get_field(name), TextField | CharField)
                setattr(locked, name, (value or "") if text else value)
        others = [field.name for field in Case._meta.fields if field.name not in DETAILS_FIELDS]
        locked.full_clean(exclude=others)
        locked.save(update_fields=DETAILS_FIELDS)
        after = _recorded(locked, DETAILS_FIELDS)
        changed = [name for name in DETAILS_FIELDS if before[name] != after[name]]
        if changed:
            audit.record(
                "case.edited",
                actor=user,
                subject=locked,
                before={name: before[name] for name in changed},
                after={name: after[name] for name in changed},
            )
        _begin(locked, user)
    case.refresh_from_db()
    return case


def _recorded(case, names):
    """The fields as the trail keeps them: related rows by id (the audit pages name them)."""
    return {name: getattr(case, Case._meta.get_field(name).attname) for name in names}


def _decimal(value):
    """An amount as the trail keeps it: text, without trailing zeros of whole numbers."""
    if value is None:
        return None
    return str(int(value)) if value == value.to_integral_value() else str(value)


def milestones_summary(case):
    """The reconstruction's milestones as the trail keeps them: [ISO date, title] rows."""
    return [[m.date.isoformat(), m.title] for m in case.milestones.order_by("date", "pk")]


def indicators_summary(case):
    """Each result as a [indicator (unit), before, after] row, amounts as text.

    Formatted where it is read (``Case.audit_formats``), in the reader's language.
    """
    return [
        [f"{i.name} ({i.unit})" if i.unit else i.name, _decimal(i.before), _decimal(i.after)]
        for i in case.indicators.order_by("pk")
    ]


# What each formset of the guided form edits: the audit key and how it is summarised.
CHILDREN = {
    "milestones": ("timeline", milestones_summary),
    "indicators": ("result_indicators", indicators_summary),
}


def record_children(case, user, label, formset):
    """Save a milestone or indicator formset and record the list before and after.

    The lists are recorded on the case, so that the curator's next round shows the
    milestones or results that changed beside the steps' texts.
    """
    if not can_edit(user, case):
        raise PermissionDenied(_("Take the systematisation task to edit this case."))
    key, summary = CHILDREN[label]
    with transaction.atomic():
        before = summary(case)
        formset.save()
        after = summary(case)
        if before != after:
            audit.record(
                f"case.{label}_saved",
                actor=user,
                subject=case,
                before={key: before},
                after={key: after},
            )
        _begin(case, user)


def add_evidence(case, user, evidence):
    if not can_edit(user, case):
        raise PermissionDenied(_("Take the systematisation task to edit this case."))
    with transaction.atomic():
        before = list(case.evidence.order_by("added", "pk").values_list("title", flat=True))
        evidence.case = case
        evidence.added_by = user
        if evidence.file:
            evidence.size = evidence.file.size
        evidence.full_clean(exclude=["case", "added_by"])
        evidence.save()
        audit.record(
            "case.evidence_added",
            actor=user,
            subject=case,
            before={"evidence_files": before},
            after={"evidence_files": [*before, evidence.title]},
            comment=f"{evidence.get_kind_display()}, {filesizeformat(evidence.size)}"
            if evidence.file
            else evidence.get_kind_display(),
        )
    return evidence


def submit_for_curation(case, user, task):
    transitions.apply(case, "submit_for_curation", actor=user, task=task, check_perm=False)


# Curation and approval ------------------------------------------------------------


def curate(case, user, data, task):
    """Check the inclusion criteria; approve or return. Nobody curates their own case."""
    if case.specialist_id == user.pk:
        raise ValidationError(_("A case is curated by someone other than who systematised it."))
    approved = data["decision"] == DecisionForm.APPROVE
    criteria = {key: bool(data.get(key)) for key in data.get("criteria_keys", [])}
    with transaction.atomic():
        Curation.objects.create(
            case=case,
            reviewer=user,
            criteria=criteria,
            approved=approved,
            comment=data.get("comment", ""),
        )
        if approved:
            transitions.apply(
                case,
                "approve",
                actor=user,
                task=task,
                comment=data.get("comment", ""),
                criteria=criteria,
            )
        else:
            _return(case, user, task, data.get("comment", ""))


def decide_publication(case, user, data, task):
    if data["decision"] != DecisionForm.APPROVE:
        _return(case, user, task, data.get("comment", ""))
        return
    with transaction.atomic():
        transitions.apply(case, "publish", actor=user, task=task, comment=data.get("comment", ""))
        case.refresh_from_db()
        if case.revises_id:
            transitions.apply(
                case.revises,
                "archive",
                actor=user,
                check_perm=False,
                comment=_("Replaced by version %(version)s") % {"version": case.version},
            )
            sync_library(Case.objects.get(pk=case.revises_id))
        sync_library(case)
        for recipient in authors(case):
            notices.notify(
                recipient,
                Kind.FEEDBACK,
                f"case-published:{case.pk}:{recipient.pk}",
                title=_("Case published: %(title)s") % {"title": case.title},
                body=_("The case is now in the public library."),
                url=reverse("knowledge:case_detail", args=[case.pk]),
            )


def _return(case, user, task, comment):
    transitions.apply(
        case, "return_for_changes", actor=user, task=task, comment=comment, check_perm=False
    )
    if case.specialist_id:
        notices.notify(
            case.specialist,
            Kind.RETURNED,
            f"returned:{task.pk}",
            title=_("Case returned: %(title)s") % {"title": case.title},
            body=_("%(reviewer)s returned the case with this comment: %(comment)s")
            % {"reviewer": user.get_full_name() or user.get_username(), "comment": comment},
            # The guided form, where the rework is done; it opens with the comment.
            url=reverse("knowledge:systematise", args=[case.pk, 1]),
            task=task,
        )


def revise(case, user):
    """A published case is revised as a new version; the published one stays until replaced."""
    from .flows import CaseFlow

    if not can_revise(user):
        raise PermissionDenied(_("Only specialists revise published cases."))
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state != Case.State.PUBLISHED:
            raise ValidationError(_("Only a published case can be revised."))
        if Case.objects.filter(revises=case).exists():
            raise ValidationError(_("A revision of this case is already under way."))
        milestones = list(case.milestones.all())
        indicators = list(case.indicators.all())
        evidence = list(case.evidence.all())
        copied = {
            field.name: getattr(case, field.name)
            for field in Case._meta.concrete_fields
            if field.name in REGISTRATION_FIELDS
            or field.name in {name for names in STEP_FIELDS.values() for name in names}
            or field.name in ("results_type", "registered_by")
        }
        new = Case(**copied, revises=case, version=case.version + 1, specialist=user)
        new.save()
        for child in milestones + indicators + evidence:
            child.pk = None
            child.case = new
            child.save()
        audit.record(
            "case.revision_opened",
            actor=user,
            subject=new,
            after={"revises": case.pk, "version": new.version},
        )
        transitions.apply(new, "begin_systematisation", actor=user, check_perm=False)
        CaseFlow.revise.run(case=new, by=user)
    return new


# Transfer and feedback --------------------------------------------------------------


def authors(case):
    return {u for u in (case.registered_by, case.specialist) if u is not None and u.is_active}


def can_report_replication(user, municipality):
    return user.is_authenticated and (
        user.has_perm(REPRESENT, municipality) or user.has_perm(FACILITATE, municipality)
    )


def record_replication(case, user, municipality, state, report=""):
    if case.state != Case.State.PUBLISHED:
        raise ValidationError(_("Only published cases can be replicated."))
    if not can_report_replication(user, municipality):
        raise PermissionDenied(_("You cannot report for this municipality."))
    if municipality.pk == case.municipality_id:
        raise ValidationError(_("A municipality does not replicate its own case."))
    with transaction.atomic():
        replication, created = Replication.objects.select_for_update().get_or_create(
            case=case,
            municipality=municipality,
            defaults={"state": state, "report": report, "recorded_by": user},
        )
        before = None if created else replication.audit_snapshot()
        replication.state, replication.report = state, report
        replication.recorded_by, replication.updated = user, timezone.now()
        replication.save()
        audit.record(
            "replication.recorded",
            actor=user,
            subject=case,
            before=before,
            after={"municipality": municipality.code, **replication.audit_snapshot()},
        )
        for recipient in authors(case) - {user}:
            notices.notify(
                recipient,
                Kind.FEEDBACK,
                f"replication:{replication.pk}:{state}:{recipient.pk}",
                title=_("%(municipality)s is replicating “%(title)s”")
                % {"municipality": municipality.name, "title": case.title},
                body=replication.get_state_display(),
                url=reverse("knowledge:case_detail", args=[case.pk]),
            )
    return replication


def _may_give_feedback(user):
    if not can_give_feedback(user):
        raise PermissionDenied(_("Auditors read the library; they do not comment or rate."))


def add_comment(case, user, text):
    _may_give_feedback(user)
    if case.state != Case.State.PUBLISHED:
        raise ValidationError(_("Only published cases take comments."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a comment."))
    with transaction.atomic():
        comment = Comment.objects.create(case=case, author=user, text=text)
        audit.record("comment.added", actor=user, subject=case, after={"comment": comment.pk})
        for recipient in authors(case) - {user}:
            notices.notify(
                recipient,
                Kind.FEEDBACK,
                f"comment:{comment.pk}:{recipient.pk}",
                title=_("New comment on “%(title)s”") % {"title": case.title},
                body=text[:300],
                url=reverse("knowledge:case_detail", args=[case.pk]) + f"#comment-{comment.pk}",
            )
    return comment


def moderate(comment, user, hidden=True):
    if not can_moderate(user):
        raise PermissionDenied(_("Only specialists and the knowledge team moderate comments."))
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(hidden=hidden)
        audit.record(
            "comment.hidden" if hidden else "comment.shown",
            actor=user,
            subject=comment.case,
            after={"comment": comment.pk},
        )


def rate(case, user, usefulness):
    _may_give_feedback(user)
    if case.state != Case.State.PUBLISHED:
        raise ValidationError(_("Only published cases can be rated."))
    if not 1 <= int(usefulness) <= 5:
        raise ValidationError(_("Rate from 1 to 5."))
    with transaction.atomic():
        Rating.objects.update_or_create(
            case=case, user=user, defaults={"usefulness": usefulness, "updated": timezone.now()}
        )
        audit.record("case.rated", actor=user, subject=case, after={"usefulness": int(usefulness)})


# The library's entries ------------------------------------------------------------

# What a case is found by (every field, weighted), and what ranks it (the headline).
SEARCHED = [
    ("title", "A"),
    ("summary", "B"),
    ("results", "B"),
    ("lessons", "C"),
    ("situation_before", "C"),
    ("objectives", "C"),
    ("process", "D"),
    ("reflection", "D"),
    ("sustainability", "D"),
    ("replicability", "D"),
]
RANKED = SEARCHED[:3]


def plain(text):
    """Lower case without accents: what SQLite's fallback search compares."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _vector(case, fields):
    return reduce(
        operator.add,
        (
            SearchVector(Value(str(getattr(case, name) or "")), weight=weight, config="es_unaccent")
            for name, weight in fields
        ),
    )


def sync_library(case):
    """Give a published case its library entry; take it away from any other."""
    if case.state != Case.State.PUBLISHED:
        LibraryEntry.objects.filter(case=case).delete()
        return
    postgresql = connection.vendor == "postgresql"
    text = ""
    if not postgresql:
        text = " ".join(str(getattr(case, name) or "") for name, _weight in SEARCHED)
        text = plain(f"{text} {case.municipality.name} {case.theme.name}")
    with transaction.atomic():
        LibraryEntry.objects.update_or_create(
            case=case,
            defaults={
                "municipality_id": case.municipality_id,
                "theme_id": case.theme_id,
                "region_id": case.municipality.region_id,
                "size_band": size_band(case.municipality.population),
                "published_at": case.published_at,
                "year": case.started_on.year,
                "results_type": case.results_type,
                "search_text": text,
            },
        )
        if postgresql:
            LibraryEntry.objects.filter(pk=case.pk).update(
                search_vector=_vector(case, SEARCHED), rank_vector=_vector(case, RANKED)
            )


def municipality_changed(municipality):
    """A municipality's state or population changed: its cases' facets follow."""
    facets = {"region_id": municipality.region_id, "size_band": size_band(municipality.population)}
    LibraryEntry.objects.filter(municipality=municipality).exclude(**facets).update(**facets)
