"""Operations on tasks: claim, release, reassign, complete. Each is atomic and audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from . import audit, locks, rounds
from .permissions import can_execute, can_manage, can_take, can_view_task
from .signals import task_assigned


class TaskUnavailable(Exception):
    """The task is no longer in a state where this can be done (someone was faster)."""


class TaskNotFound(Exception):
    """No such task, or one the user may not see: to them it is not there."""


def _locked(task, held=False):
    """Enter the flow's lock for the task's process and re-read the task (unless ``held``)."""
    return task.activation(held=held)


def claim(task, user):
    with _locked(task) as activation:
        current = activation.task
        if current.status != STATUS.NEW or current.owner_id is not None:
            raise TaskUnavailable(_("This task has already been taken by someone else."))
        if not can_take(user, current):
            raise PermissionDenied(_("You cannot take this task."))
        activation.assign(user)
        current.assigned = timezone.now()
        current.save(update_fields=["assigned"])
        audit.record("task.claimed", actor=user, task=current, after={"owner": user.get_username()})
    task.refresh_from_db()
    return task


def release(task, user):
    with _locked(task) as activation:
        current = activation.task
        if current.status != STATUS.ASSIGNED:
            raise TaskUnavailable(_("This task cannot be released now."))
        if current.owner_id != user.pk and not can_manage(user):
            raise PermissionDenied(_("You cannot release a task that is not yours."))
        previous = current.owner.get_username()
        activation.unassign()
        current.assigned = None
        current.save(update_fields=["assigned"])
        audit.record("task.released", actor=user, task=current, before={"owner": previous})
    task.refresh_from_db()
    return task


def reassign(task, user, new_owner, comment=""):
    if not can_manage(user):
        raise PermissionDenied(_("Only coordinators can reassign tasks."))
    with _locked(task) as activation:
        current = activation.task
        if current.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise TaskUnavailable(_("This task cannot be reassigned now."))
        if not can_take(new_owner, current):
            raise PermissionDenied(
                _("%(user)s cannot take this task: wrong role or territory.")
                % {"user": new_owner.get_username()}
            )
        previous = current.owner.get_username() if current.owner_id else None
        if current.status == STATUS.NEW:
            activation.assign(new_owner)
        else:
            activation.reassign(new_owner)
        current.assigned = timezone.now()
        current.save(update_fields=["assigned"])
        audit.record(
            "task.reassigned",
            actor=user,
            task=current,
            before={"owner": previous},
            after={"owner": new_owner.get_username()},
            comment=comment,
        )
        task_assigned.send(sender=type(current), task=current, by=user)
    task.refresh_from_db()
    return task


def complete(task, user, cleaned_data=None, request=None, *, held=False):
    """Run the node's completion handler and move the process on, all or nothing.

    ``held``: the caller holds the process's lock and read ``task`` under it
    (``locks.holding_process_of_task``); it must then let an error end its transaction.
    """
    cleaned_data = cleaned_data or {}
    with _locked(task, held) as activation, audit.appended_together():
        current = activation.task
        if not can_execute(user, current):
            raise TaskUnavailable(_("This task is not assigned to you or is already done."))
        node = current.flow_task
        comment = cleaned_data.get("comment", "") or ""
        if comment:
            current.comment = comment
            current.save(update_fields=["comment"])
        activation.start(request)
        if node._on_complete is not None:
            node._on_complete(activation, cleaned_data, user)
        decision = cleaned_data.get("decision")
        if decision:
            # Kept on the task (saved with it below) and in the trail: the rework it
            # opens shows the return, and the next round goes to the same people.
            current.data = {**current.data, "decision": decision}
            if decision == rounds.RETURN and not activation.process.data.get("returned"):
                # Marks a process that has rounds to look back on: until then, a new
                # task needs no query for who did it before (``HumanTaskActivation``).
                activation.process.data = {**activation.process.data, "returned": True}
                activation.process.save(update_fields=["data"])
        audit.record(
            "task.completed",
            actor=user,
            task=current,
            after={"decision": decision} if decision else None,
            comment=comment,
        )
        activation.execute()
    # The activation saved ``task`` itself (``Task.activation`` re-reads it in place
    # under the lock): nothing to read again.
    return task


def visible_task(user, pk):
    """Task ``pk`` with the rows a step uses, if ``user`` may see it; else ``TaskNotFound``."""
    from .models import Task

    task = (
        Task.objects.select_related("process__municipality", "municipality", "owner")
        .filter(pk=pk)
        .first()
    )
    if task is None or not can_view_task(user, task):
        raise TaskNotFound
    return task


def form_class_for(user, task):
    """The task's form, if ``user`` may complete the task with it now; else None."""
    node = task.flow_task
    if can_execute(user, task) and node is not None:
        return node.form_class
    return None


def why_not_executable(user, task):
    """Raise what keeps ``user`` from completing ``task``, which they may see.

    ``PermissionDenied``: the task is not work they could ever hold. ``TaskUnavailable``:
    it could be, but not now: it is done, someone else holds it, or it waits to be taken.
    """
    if task.owner_id != user.pk and not can_take(user, task):
        raise PermissionDenied(_("You cannot take this task."))
    if not task.is_open:
        raise TaskUnavailable(_("This task is no longer open."))
    if task.owner_id is not None and task.owner_id != user.pk:
        raise TaskUnavailable(_("This task has already been taken by someone else."))
    raise TaskUnavailable(_("Take the task before completing it."))


def complete_with_form(task_pk, user, data=None, files=None, *, request=None):
    """The task's form, filled in and sent: checked and, if valid, completed. All or nothing.

    The one way a person completes a task, from its page and through the API alike, so
    that both check, lock and record the same. The task is read once, under its
    process's lock (``locks.holding_process_of_task``). Returns ``(task, form,
    completed)``; a form that is not valid, or that the step refuses (a
    ``ValidationError`` from its completion, rolled back), carries the reasons.

    Raises ``TaskNotFound`` (the user may not see the task), ``PermissionDenied`` or
    ``TaskUnavailable`` (see ``why_not_executable``), and ``TransitionNotAllowed`` (the
    subject's state refuses the step).
    """
    form = None
    try:
        with locks.holding_process_of_task(task_pk):
            task = visible_task(user, task_pk)
            form_class = form_class_for(user, task)
            if not form_class:
                why_not_executable(user, task)
            form = form_class(data, files, task=task, user=user)
            if not form.is_valid():
                return task, form, False
            complete(task, user, form.cleaned_data, request=request, held=True)
    except ValidationError as error:  # the transaction is rolled back; the form says why
        _attach_errors(form, error)
        return task, form, False
    return task, form, True


def _attach_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def start(flow_class, node_name="start", **kwargs):
    """Start a process through one of the flow's StartHandle nodes, atomically."""
    with transaction.atomic(), audit.appended_together():
        return getattr(flow_class, node_name).run(**kwargs)


def close_by_system(task, comment, on_close=None):
    """Close an open human task without its owner (a deadline passed) and move on.

    ``on_close(activation)`` runs first, inside the flow lock, to record what the
    closure means for the subject (e.g. unanswered invitations).
    """
    with _locked(task) as activation:
        current = activation.task
        if current.status not in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED):
            return task
        if on_close is not None:
            on_close(activation)
        current.comment = comment
        current.status = STATUS.STARTED
        current.started = current.started or timezone.now()
        current.save(update_fields=["comment", "status", "started"])
        audit.record("task.closed_by_system", actor=None, task=current, comment=comment)
        activation.execute()
    task.refresh_from_db()
    return task


def open_human_tasks(process):
    """The process's human tasks still waiting to be done, oldest first."""
    from .models import Task

    return list(
        Task.objects.filter(
            process=process, flow_task_type="HUMAN", status__in=[STATUS.NEW, STATUS.ASSIGNED]
        ).order_by("pk")
    )


def take_and_complete(task, user, cleaned_data=None):
    """Claim ``task`` for ``user`` unless it is theirs already, then complete it."""
    if task.owner_id != user.pk:
        claim(task, user)
    return complete(task, user, cleaned_data)
