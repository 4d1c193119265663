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


def apply(
    obj,
    name,
    *,
    actor=None,
    comment="",
    process=None,
    task=None,
    check_perm=True,
    held=False,
    **kwargs,
):
    """Lock ``obj``, run its transition ``name``, save it and record the event.

    Everything happens in one transaction: if the transition, the save or the
    audit write fails, nothing is stored. ``held``: the caller read ``obj`` under
    its row lock in the transaction it is in, so ``obj`` itself is used.
    """
    if held:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("A held object is locked inside the caller's transaction.")
        _check(obj, name, actor, check_perm)  # before writing: a refusal changes nothing
    # A held object's writes join the caller's transaction (no savepoint): if they
    # fail, the caller's whole change fails.
    with transaction.atomic(savepoint=not held):
        locked = obj if held else _locked(obj)
        if not held:
            _check(locked, name, actor, check_perm)
        method = getattr(locked, name)
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
    if not held:
        obj.refresh_from_db()
    return obj


def state_label(obj):
    """The subject's state as people read it (the transition's name is a code, not a word)."""
    display = getattr(obj, "get_state_display", None)
    return display() if display else getattr(obj, "state", "")


def _check(obj, name, actor, check_perm):
    """Refuse a transition the state, its conditions or the actor's permissions forbid."""
    method = getattr(obj, name)
    if not can_proceed(method):
        raise IllegalTransition(
            _("“%(object)s” cannot do that while its state is “%(state)s”.")
            % {"object": obj, "state": state_label(obj)}
        )
    if check_perm and actor is not None and not has_transition_perm(method, actor):
        raise PermissionDenied(_("You are not allowed to do that."))


def _locked(obj):
    """``obj`` re-read under a row lock, with the related rows ``obj`` had already read.

    Those rows are read by the same statement (not locked): the event's text names
    the subject, and ``str(subject)`` often reads a related row.
    """
    manager = type(obj)._default_manager
    related = [f.name for f in obj._meta.concrete_fields if f.many_to_one and f.is_cached(obj)]
    if related:
        return manager.select_for_update(of=("self",)).select_related(*related).get(pk=obj.pk)
    return manager.select_for_update().get(pk=obj.pk)


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
