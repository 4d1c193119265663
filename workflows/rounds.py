"""Rounds of work: a step done again after a review returned it.

A review step decides with ``workflows.forms.DecisionForm`` (or a form built on it);
the engine keeps the decision on the task (``task.data["decision"]``) and in its
``task.completed`` event. From that, and from the audit trail, it can tell:

- which return opened a task (the reviewer's comment goes at the top of the rework);
- who did the step in the round before (returned work goes back to them);
- what changed in the subject since a reviewer last saw it, field by field.
"""

from viewflow.workflow.status import STATUS

from .display import Reader
from .models import AuditEvent, Task

APPROVE = "approve"
RETURN = "return"
# Keys a reviewer does not need listed as changes: the state is the round itself.
UNLISTED = {"state"}


def decision_of(task):
    """What a review task decided ("approve", "return"...), or None for other tasks."""
    return (task.data or {}).get("decision")


def previous_round(task):
    """The same step of the same process, done before ``task``; None in a first round.

    Done before ``task`` was opened: a sibling of the same fan-out (another milestone
    of the same step) is opened with it, so it is never a previous round.
    """
    return (
        Task.objects.filter(
            process_id=task.process_id,
            flow_task=task.flow_task,
            status=STATUS.DONE,
            finished__lte=task.created,
        )
        .exclude(pk=task.pk)
        .select_related("owner")
        .order_by("-pk")
        .first()
    )


def previous_doer(process, flow_task, about=None):
    """Who did ``flow_task`` last in ``process`` (None if nobody yet).

    ``about``: the item of a fan-out task (``task.data["about"]``): only a task about
    the same item counts, so one member's item never goes to whoever did another's.
    """
    done = Task.objects.filter(process=process, flow_task=flow_task, status=STATUS.DONE)
    if about:
        done = done.filter(data__about=about)
    last = done.exclude(owner=None).select_related("owner").order_by("-pk").first()
    return last.owner if last is not None else None


def last_done(task, node):
    """The last ``node`` (a step of ``task``'s flow, or its name) finished before ``task``
    was opened, with its owner; None if there is none.

    Bounded by the task's own opening, so a task read after it was done shows its round
    as it stood, not a later one.
    """
    if isinstance(node, str):
        node = getattr(task.flow_task.flow_class.instance, node)
    return (
        Task.objects.filter(
            process_id=task.process_id,
            flow_task=node,
            status=STATUS.DONE,
            finished__lte=task.created,
        )
        .select_related("owner")
        .order_by("-finished", "-pk")
        .first()
    )


def came_from(task, hops=4):
    """The human step that led to ``task``, followed back along the flow's own links.

    ``task.previous`` goes through the gateways and joins that routed the work to the
    human step before them; of several (a join), the one finished last. A parallel
    branch that finished meanwhile is not on that path, so it is never taken for it.
    None for a process's first step.
    """
    if not task.pk:
        return None
    behind = list(task.previous.select_related("owner"))
    for _hop in range(hops):
        human = [prior for prior in behind if prior.flow_task_type == "HUMAN"]
        if human:
            return max(human, key=lambda prior: (prior.finished or prior.created, prior.pk))
        if not behind:
            return None
        behind = list(Task.objects.filter(leading__in=behind).select_related("owner").distinct())
    return None


def led_here(task):
    """What led to ``task``: the return that opened it as a rework, or the note the
    step before left on passing the work on ("budget adjusted"); each may be None."""
    before = came_from(task)
    if before is None:
        return None, None
    if decision_of(before) == RETURN:
        return before, None
    return None, (before if before.comment.strip() else None)


def sent_back_by(task):
    """The review whose return opened ``task`` (the rework), or None."""
    return led_here(task)[0]


def handed_over_by(task):
    """The step before ``task`` when it passed the work on with a note (not a return)."""
    return led_here(task)[1]


def last_return(task):
    """The latest review of the process that returned work before ``task`` opened.

    Whichever step it was: a facilitator's second review should know what the
    specialist asked for, as much as what they asked themselves.
    """
    return (
        Task.objects.human()
        .filter(
            process_id=task.process_id,
            status=STATUS.DONE,
            data__decision=RETURN,
            finished__lte=task.created,
        )
        .select_related("owner")
        .order_by("-finished", "-pk")
        .first()
    )


def changes_since_previous_round(task):
    """What changed in the process's subject since this step was last done.

    A list of ``display.Change`` (label, before, after as people read them), folded
    from the subject's audit events since the previous round finished: the first
    recorded ``before`` and the last ``after`` of each field. None in a first round.
    """
    process = task.process
    if not process.subject_type_id:
        return None
    previous = previous_round(task)
    if previous is None or previous.finished is None:
        return None
    events = AuditEvent.objects.filter(
        subject_type_id=process.subject_type_id,
        subject_id=str(process.subject_id),
        at__gt=previous.finished,
    ).order_by("at", "pk")
    before, after = {}, {}
    for event in events.only("before", "after"):
        for key, value in (event.before or {}).items():
            if key not in UNLISTED:
                before.setdefault(key, value)
        for key, value in (event.after or {}).items():
            if key not in UNLISTED:
                before.setdefault(key, None)
                after[key] = value
    for key in before:
        after.setdefault(key, before[key])
    model = process.subject_type.model_class()
    reader = Reader(process.flow_class).want(model, before, after)
    return {
        "previous": previous,
        "asked": last_return(task),
        "changes": reader.changes(model, before, after),
    }
