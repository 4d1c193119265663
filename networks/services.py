"""Network setup and community operations: proposals, design, invitations, launch, content.

Membership is the permission here: what a person may read or write in a
network follows from their membership and its role, checked in ``can_*``
below; rich text is sanitised on the way in and escaped on the way out.
"""

import datetime
import os

import nh3
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.scope import FACILITATE, REPRESENT, holders
from notifications import services as notices
from notifications.models import Kind
from workflows import audit, transitions
from workflows.forms import DecisionForm
from workflows.permissions import sees_everything
from workflows.roles import Role, has_role, is_coordination_staff

from .models import (
    Activity,
    CalendarEntry,
    Invitation,
    Membership,
    Network,
    Post,
    PostComment,
    Resource,
    Solution,
)

# Rich text: what the blog's editor may produce. Everything else is removed.
ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote",
    "h2", "h3", "h4", "a", "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
RESOURCE_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def sanitise(html):
    """Keep formatting, drop scripts, event handlers, styles and dangerous links."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# Who may do what ---------------------------------------------------------------


def membership(user, network):
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(network=network, user=user).first()


def is_member(user, network):
    return membership(user, network) is not None


def can_moderate(user, network):
    found = membership(user, network)
    return bool(
        (found and found.role in (Membership.Role.COORDINATOR, Membership.Role.MODERATOR))
        or network.specialist_id == user.pk
    )


def can_see_network(user, network):
    """Coordination staff and the lead see every network; members see theirs; public ones show."""
    if network.state in (Network.State.ACTIVE, Network.State.PAUSED, Network.State.CLOSED):
        if network.visibility == Network.Visibility.PUBLIC:
            return True
    if not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    if network.specialist_id == user.pk or is_member(user, network):
        return True
    return False


def sees_private_content(user, network):
    """Members, the lead and coordination staff read everything; others only public items.

    ``private_content_networks`` is the same rule for many networks at once.
    """
    if not user.is_authenticated:
        return False
    return network.specialist_id == user.pk or is_member(user, network) or sees_everything(user)


def _insiders(user):
    """The networks ``user`` is inside of: those they lead and those they are a member of."""
    return Q(specialist=user) | Q(memberships__user=user)


def private_content_networks(user):
    """The networks whose private content (members, private posts) ``user`` reads:
    ``sees_private_content`` for a list, in one query."""
    if not user.is_authenticated:
        return Network.objects.none()
    if sees_everything(user):
        return Network.objects.all()
    return Network.objects.filter(_insiders(user)).distinct()


def visible_items(queryset, user, network):
    """A section's items (posts, solutions, resources, activity): all for members,
    only those made public for everyone else."""
    if sees_private_content(user, network):
        return queryset
    return queryset.filter(is_public=True)


def can_contribute(user, network):
    return network.state == Network.State.ACTIVE and (
        network.specialist_id == user.pk or is_member(user, network)
    )


def visible_networks(user):
    public = Q(
        visibility=Network.Visibility.PUBLIC,
        state__in=[Network.State.ACTIVE, Network.State.PAUSED, Network.State.CLOSED],
    )
    if not user.is_authenticated:
        return Network.objects.filter(public)
    if sees_everything(user):
        return Network.objects.all()
    return Network.objects.filter(public | _insiders(user)).distinct()


# Setup ----------------------------------------------------------------------------


def propose(user, data):
    from .flows import NetworkFlow

    if not has_role(user, Role.SPECIALIST):
        raise PermissionDenied(_("Networks are proposed by specialists."))
    with transaction.atomic():
        network = Network(
            theme=data["theme"],
            name=data["name"],
            sector=data.get("sector", ""),
            objectives=data["objectives"],
            visibility=data.get("visibility") or Network.Visibility.PUBLIC,
            specialist=user,
        )
        network.full_clean(exclude=["state"])
        network.save()
        network.target_municipalities.set(data["target_municipalities"])
        audit.record(
            "network.proposed", actor=user, subject=network, after=network.audit_snapshot()
        )
        NetworkFlow.start.run(network=network, by=user)
    return network


def review(network, user, data, task):
    if data["decision"] == DecisionForm.APPROVE:
        transitions.apply(
            network, "approve", actor=user, task=task, comment=data.get("comment", "")
        )
        return
    transitions.apply(
        network, "return_for_changes", actor=user, task=task, comment=data.get("comment", "")
    )
    notices.notify(
        network.specialist,
        Kind.RETURNED,
        f"returned:{task.pk}",
        title=_("Network proposal returned: %(name)s") % {"name": network.name},
        body=data.get("comment", ""),
        url=reverse("networks:network_detail", args=[network.pk]),
        task=task,
    )


PROPOSAL_FIELDS = ("theme", "name", "sector", "objectives", "visibility")


def revise_proposal(network, user, data, task):
    """The lead answers a return: the proposal is edited and goes back to review.

    Every changed field, the target municipalities included, is recorded on the
    network, so that the reviewer's second round lists what changed.
    """
    with transaction.atomic():
        before = network.audit_snapshot()
        for field in PROPOSAL_FIELDS:
            if field in data:
                setattr(network, field, data[field])
        network.full_clean(exclude=["state", "specialist"])
        network.save(update_fields=list(PROPOSAL_FIELDS))
        if "target_municipalities" in data:
            network.target_municipalities.set(data["target_municipalities"])
        transitions.record_edit(
            network,
            before,
            actor=user,
            task=task,
            comment=data.get("comment", ""),
        )


def save_design(network, user, data, task):
    """The conceptual and operational design; the calendar replaces the previous one."""
    with transaction.atomic():
        if network.state == Network.State.APPROVED:
            transitions.apply(network, "start_design", actor=user, task=task, check_perm=False)
            network.refresh_from_db()
        before = {
            **network.audit_snapshot(),
            "calendar_entries": calendar_summary(network.calendar.all()),
        }
        for field in ("concept", "work_plan", "activities", "invitation_deadline"):
            setattr(network, field, data[field])
        network.save(update_fields=["concept", "work_plan", "activities", "invitation_deadline"])
        network.calendar.all().delete()
        entries = CalendarEntry.objects.bulk_create(
            [
                CalendarEntry(network=network, date=day, title=title)
                for day, title in data["calendar"]
            ]
        )
        after = {
            **network.audit_snapshot(),
            "calendar_entries": calendar_summary(sorted(entries, key=lambda e: e.date)),
        }
        # The calendar lives in its own rows: recorded with the design, as one edit.
        changed = [key for key in before if before[key] != after[key]]
        if changed:
            audit.record(
                "network.edited",
                actor=user,
                task=task,
                subject=network,
                before={key: before[key] for key in changed},
                after={key: after[key] for key in changed},
            )
        transitions.apply(network, "open_invitations", actor=user, task=task, check_perm=False)
        Invitation.objects.bulk_create(
            [
                Invitation(network=network, municipality=m)
                for m in network.target_municipalities.all()
            ],
            ignore_conflicts=True,
        )


def calendar_summary(entries):
    """The calendar as the audit trail keeps it: an [ISO date, activity] row per entry,
    dated in the reader's language where it is read."""
    return [[entry.date.isoformat(), entry.title] for entry in entries]


def invitation_batches(network):
    """One batch per facilitator whose scope holds target municipalities (each goes once).

    A municipality in the scope of several facilitators goes to the first of them,
    so that two people never record the same answer. Each batch says what it is about
    (its states, and the facilitator where two batches share them), so that the
    parallel tasks read apart in every list.
    """
    User = get_user_model()
    targets = list(network.target_municipalities.select_related("region").order_by("pk"))
    facilitating = holders(FACILITATE, targets)
    facilitators = User.objects.filter(groups__name=Role.FACILITATOR, is_active=True).order_by("pk")
    batches, assigned = [], set()
    for facilitator in facilitators:
        mine = [m for m in targets if m.pk not in assigned and facilitator.pk in facilitating[m.pk]]
        if mine:
            assigned.update(m.pk for m in mine)
            states = sorted({m.region.name for m in mine if m.region_id})
            batches.append(
                {
                    "facilitator": facilitator.pk,
                    "municipalities": [m.pk for m in mine],
                    "about": ", ".join(states),
                    "person": facilitator.get_full_name() or facilitator.get_username(),
                }
            )
    labels = [batch["about"] for batch in batches]
    for batch in batches:
        if not batch["about"] or labels.count(batch["about"]) > 1:
            batch["about"] = (
                f"{batch['about']} ({batch['person']})" if batch["about"] else batch["person"]
            )
        del batch["person"]
    return batches


def record_answers(network, user, answers, task):
    """``answers`` maps municipality id -> (answer, note); only the task's municipalities."""
    allowed = set(task.data.get("municipalities", []))
    with transaction.atomic():
        for municipality_id, (answer, note) in answers.items():
            if municipality_id not in allowed:
                raise PermissionDenied(_("That municipality is not in this invitation task."))
            Invitation.objects.filter(network=network, municipality_id=municipality_id).update(
                answer=answer, note=note, answered_by=user, answered_at=timezone.now()
            )
        by_answer = {}
        for municipality_id, (answer, _note) in sorted(answers.items()):
            by_answer.setdefault(answer, []).append(municipality_id)
        # Grouped by answer, as the network's labels name them: "accepted": [ids]...
        audit.record(
            "network.answers_recorded", actor=user, task=task, subject=network, after=by_answer
        )


def close_overdue_invitations(today=None):
    """Daily: invitation tasks past the network's deadline close with "no answer"."""
    from workflows import services as tasks
    from workflows.models import Task

    from .flows import NetworkFlow

    today = today or timezone.localdate()
    overdue = Task.objects.filter(
        flow_task=NetworkFlow.invite_municipalities,
        status__in=["NEW", "ASSIGNED", "STARTED"],
        due_at__lt=timezone.now(),
    ).select_related("process")
    closed = 0
    for task in overdue:

        def mark_unanswered(activation):
            network = activation.process.subject
            Invitation.objects.filter(
                network=network,
                municipality_id__in=activation.task.data.get("municipalities", []),
                answer=Invitation.Answer.PENDING,
            ).update(answer=Invitation.Answer.NO_ANSWER, answered_at=timezone.now())

        tasks.close_by_system(task, _("The invitation deadline passed."), on_close=mark_unanswered)
        closed += 1
    return closed


def invitation_due(process):
    network = process.subject
    deadline = network.invitation_deadline or timezone.localdate() + datetime.timedelta(days=30)
    return timezone.make_aware(datetime.datetime.combine(deadline, datetime.time(23, 59)))


def launch(network, process=None):
    """Active with the municipalities that accepted: their officers and facilitators join."""
    User = get_user_model()
    with transaction.atomic():
        transitions.apply(network, "launch", process=process, check_perm=False)
        accepted = list(
            Invitation.objects.filter(
                network=network, answer=Invitation.Answer.ACCEPTED
            ).select_related("municipality")
        )
        _join(network, network.specialist, Membership.Role.COORDINATOR, None)
        representing = holders(REPRESENT, [i.municipality for i in accepted])
        officers = User.objects.filter(
            pk__in=set().union(*representing.values()), groups__name=Role.MUNICIPAL_OFFICER
        ).in_bulk()
        for invitation in accepted:
            municipality = invitation.municipality
            for user_id in sorted(representing[municipality.pk] & set(officers)):
                _join(network, officers[user_id], Membership.Role.MEMBER, municipality)
            if invitation.answered_by_id:
                _join(network, invitation.answered_by, Membership.Role.MEMBER, None)
        record_activity(
            network,
            Activity.Kind.LAUNCH,
            _("The network was launched with %(count)s municipalities.") % {"count": len(accepted)},
            network.get_absolute_url(),
            actor=None,
            is_public=True,
        )
    return network


def _join(network, user, role, municipality):
    membership, created = Membership.objects.get_or_create(
        network=network, user=user, defaults={"role": role, "municipality": municipality}
    )
    if created:
        audit.record(
            "network.member_joined",
            subject=network,
            after={"user": user.get_username(), "role": role},
        )
    return membership


STATE_CHANGES = ("pause", "resume", "close")


def can_change_state(user, network):
    """The network's lead specialist or the coordination pauses, resumes or closes it."""
    return network.specialist_id == user.pk or is_coordination_staff(user)


def change_state(network, *, user, action, comment=""):
    """Pause, resume or close an active network, with the reason in its history."""
    if action not in STATE_CHANGES or not can_change_state(user, network):
        raise PermissionDenied
    return transitions.apply(network, action, actor=user, comment=comment, check_perm=False)


def add_member(network, actor, user, role=Membership.Role.MEMBER, municipality=None):
    if not can_moderate(actor, network) and not is_coordination_staff(actor):
        raise PermissionDenied(_("Only the network's coordinators add members."))
    with transaction.atomic():
        found = _join(network, user, role, municipality)
        record_activity(
            network,
            Activity.Kind.MEMBER,
            _("%(name)s joined the network.")
            % {"name": user.get_full_name() or user.get_username()},
            "",
            actor=actor,
        )
    return found


# Community content ----------------------------------------------------------------


def record_activity(network, kind, text, url, *, actor, is_public=False):
    activity = Activity.objects.create(
        network=network, kind=kind, text=text[:300], url=url, actor=actor, is_public=is_public
    )
    recipients = (
        get_user_model()
        .objects.filter(network_memberships__network=network, is_active=True)
        .exclude(pk=getattr(actor, "pk", None))
    )
    notices.notify_many(
        [
            {
                "recipient": user,
                "kind": Kind.NETWORK,
                "key": f"activity:{activity.pk}:{user.pk}",
                "title": f"{network.name}: {text}"[:200],
                "body": "",
                "url": url or network.get_absolute_url(),
                "process_id": None,
            }
            for user in recipients
        ]
    )
    return activity


def _contribute(user, network):
    if not can_contribute(user, network):
        raise PermissionDenied(_("Only members of an active network contribute to it."))


def add_post(network, user, title, body, is_public):
    _contribute(user, network)
    with transaction.atomic():
        post = Post.objects.create(
            network=network, author=user, title=title, body=sanitise(body), is_public=is_public
        )
        audit.record("post.published", actor=user, subject=network, after={"post": post.pk})
        record_activity(
            network,
            Activity.Kind.POST,
            _("New post: %(title)s") % {"title": title},
            reverse("networks:post_detail", args=[post.pk]),
            actor=user,
            is_public=is_public and network.visibility == Network.Visibility.PUBLIC,
        )
    return post


def add_post_comment(post, user, text):
    _contribute(user, post.network)
    if not text.strip():
        raise ValidationError(_("Write a comment."))
    with transaction.atomic():
        comment = PostComment.objects.create(post=post, author=user, text=text.strip())
        audit.record("post.commented", actor=user, subject=post.network, after={"post": post.pk})
    return comment


def hide(item, user, hidden=True):
    network = item.network if hasattr(item, "network") else item.post.network
    if not can_moderate(user, network):
        raise PermissionDenied(_("Only the network's moderators hide content."))
    with transaction.atomic():
        type(item).objects.filter(pk=item.pk).update(hidden=hidden)
        if hidden and isinstance(item, Post):  # the feed no longer points at it
            Activity.objects.filter(
                network=network, url=reverse("networks:post_detail", args=[item.pk])
            ).delete()
        audit.record(
            "network.content_hidden" if hidden else "network.content_shown",
            actor=user,
            subject=network,
            after={"type": type(item).__name__, "id": item.pk},
        )


def add_solution(network, user, data):
    _contribute(user, network)
    case = data.get("case")
    if case is not None and case.state != "published":
        raise ValidationError(_("A solution links only to a published innovation case."))
    with transaction.atomic():
        solution = Solution.objects.create(network=network, author=user, **data)
        audit.record("solution.added", actor=user, subject=network, after={"solution": solution.pk})
        record_activity(
            network,
            Activity.Kind.SOLUTION,
            _("New management solution: %(title)s") % {"title": solution.title},
            reverse("networks:solution_detail", args=[solution.pk]),
            actor=user,
            is_public=solution.is_public and network.visibility == Network.Visibility.PUBLIC,
        )
    return solution


def check_resource_file(upload):
    """No executables, no content that lies about its type, nothing too large."""
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat

    extension = os.path.splitext(upload.name)[1].lower()
    if extension not in RESOURCE_TYPES:
        raise ValidationError(
            _("Files of type %(extension)s are not accepted; use %(allowed)s.")
            % {"extension": extension or "?", "allowed": ", ".join(sorted(RESOURCE_TYPES))}
        )
    if upload.size > settings.MAX_DOCUMENT_SIZE:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.MAX_DOCUMENT_SIZE),
            }
        )
    from knowledge.validators import validate_evidence_file

    validate_evidence_file(upload)
    return RESOURCE_TYPES[extension]


def add_resource(network, user, data):
    _contribute(user, network)
    upload = data.get("file")
    content_type = ""
    if data["kind"] == Resource.Kind.DOCUMENT:
        if not upload:
            raise ValidationError(_("Attach the file."))
        content_type = check_resource_file(upload)
    elif not data.get("url"):
        raise ValidationError(_("A link needs its address."))
    with transaction.atomic():
        resource = Resource.objects.create(
            network=network,
            author=user,
            kind=data["kind"],
            title=data["title"],
            file=upload if data["kind"] == Resource.Kind.DOCUMENT else None,
            url=data.get("url", "") if data["kind"] == Resource.Kind.LINK else "",
            size=upload.size if upload else 0,
            content_type=content_type,
            is_public=data.get("is_public", False),
        )
        audit.record("resource.added", actor=user, subject=network, after={"resource": resource.pk})
        record_activity(
            network,
            Activity.Kind.RESOURCE,
            _("New resource: %(title)s") % {"title": resource.title},
            reverse("networks:network_detail", args=[network.pk]) + "#resources",
            actor=user,
            is_public=resource.is_public and network.visibility == Network.Visibility.PUBLIC,
        )
    return resource
