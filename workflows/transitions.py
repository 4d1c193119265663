"""The one way a subject changes state: an FSM transition and its audit event, together."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from . import audit


class IllegalTransition(TransitionNotAllowed):
    """A transition that the subject's current state or conditions do not allow."""


def snapshot(obj):
    """The fields an auditor wants to compare before and after a change."""
    if hasattr(obj, "audit_snapshot"):
        return obj.audit_snapshot()
    return {"state": getattr(obj, "state", None)}


def apply(obj, name, *, actor=None, comment="", process=None, task=None, check_perm=True, **kwargs):
    """Lock ``obj``, run its transition ``name``, save it and record the event.

    Everything happens in one transaction: if the transition, the save or the
    audit write fails, nothing is stored.
    """
    with transaction.atomic():
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        method = getattr(locked, name)
        if not can_proceed(method):
            raise IllegalTransition(
                _("“%(object)s” cannot go through “%(transition)s” in its current state.")
                % {"object": locked, "transition": name}
            )
        if check_perm and actor is not None and not has_transition_perm(method, actor):
            raise PermissionDenied(_("You are not allowed to do that."))
        before = snapshot(locked)
        method(by=actor, comment=comment, **kwargs)
        locked.save()
        audit.record(
            f"{locked._meta.model_name}.{name}",
            actor=actor,
            process=process,
            task=task,
            subject=locked,
            before=before,
            after=snapshot(locked),
            comment=comment,
        )
    obj.refresh_from_db()
    return obj


def record_edit(obj, before, *, actor, process=None, task=None, comment=""):
    """Record a data edit (not a state change) with the fields that changed."""
    after = snapshot(obj)
    changed_before = {k: v for k, v in before.items() if after.get(k) != v}
    changed_after = {k: after.get(k) for k in changed_before}
    if not changed_before and not comment:
        return None
    return audit.record(
        f"{obj._meta.model_name}.edited",
        actor=actor,
        process=process,
        task=task,
        subject=obj,
        before=changed_before,
        after=changed_after,
        comment=comment,
    )
