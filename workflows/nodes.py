"""Flow nodes that follow the engine's conventions: role, scope, SLA, audit."""

from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property

from django.db import transaction
from django.utils import timezone
from viewflow import this
from viewflow.workflow import lock as viewflow_lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes import Split, StartHandle, View
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_started, task_started
from viewflow.workflow.status import STATUS

from . import audit
from .models import scope_model
from .permissions import can_take
from .roles import task_permission
from .rounds import previous_doer
from .signals import task_assigned


def process_municipality(process):
    return process.municipality


class StartActivation(StartHandleActivation):
    @Activation.status.transition(source=STATUS.NEW)
    def execute(self):
        """viewflow's start, without its two savepoints.

        They were four of a start's twenty-six statements (docs/performance.md). A
        process starts inside its service's transaction, and no other transaction can
        see it before that commits: its lock would exclude no one, so the lock's scope
        is entered (callbacks waiting for it still run after it) without the lock's
        savepoint. All or nothing still holds: a failure inside marks the caller's
        transaction, or its savepoint, for rollback. A caller that catches the failure
        inside its own ``atomic`` block cannot go on using that block.
        """
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        with transaction.atomic(savepoint=False):
            self.process.save()
            with viewflow_lock.lock_scope(_unseen, self.flow_class, self.process.pk):
                self.complete()
                flow_started.send(sender=self.flow_class, process=self.process, task=self.task)
                self.activate_next()


@contextmanager
def _unseen(_flow_class, _process_pk):
    """The lock of a process no other transaction can see yet: nothing to take.

    If the start fails, the callbacks queued inside it (``after_lock_released``) are
    dropped. viewflow's lock rolled its savepoint back before they ran, so that they
    found nothing to do; here the transaction may be aborted, and their first query
    would raise in place of the start's own error.
    """
    queued = getattr(viewflow_lock._deferred, "queue", None)  # set by lock_scope
    mark = len(queued) if queued is not None else 0
    try:
        yield
    except BaseException:
        if queued is not None:
            del queued[mark:]
        raise


class Start(StartHandle):
    """A process's start, called by a service inside its transaction."""

    activation_class = StartActivation


class HumanTaskActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        process = prev_activation.process
        task = flow_task.flow_class.task_class(process=process, flow_task=flow_task, token=token)
        task.data = data if data is not None else {}
        activation = cls(task)

        role = flow_task.role_for(process)
        permission, scoped = task_permission(role)
        scope = flow_task.scope_for(process, task.data)
        task.role = role
        task.municipality = scope if isinstance(scope, scope_model()) else process.municipality
        task.owner_permission = permission
        if scoped:
            task.owner_permission_obj = scope
        task.due_at = flow_task.due_date(task)

        owner = flow_task.calc_owner(activation)
        if owner is None and flow_task.repeats and process.data.get("returned"):
            # Returned work goes back to whoever did the round before, while they may.
            owner = previous_doer(process, flow_task, about=task.data.get("about"))
        if owner is not None and can_take(owner, task):
            task.owner = owner
            task.status = STATUS.ASSIGNED
            task.assigned = timezone.now()
        task.save()
        task.previous.add(prev_activation.task)
        audit.record(
            "task.created",
            actor=None,
            task=task,
            after={"task": flow_task.name, "role": task.role, "due_at": task.due_at},
        )
        if task.owner_id:
            audit.record("task.assigned", task=task, after={"owner": task.owner.get_username()})
            task_assigned.send(sender=type(task), task=task, by=None)
        return activation


class HumanTask(View):
    """A step done by a person of ``role`` for the process's scope object.

    ``form_class`` collects the input; ``OnComplete(this.method)`` names the flow
    method that turns it into domain changes (FSM transitions, service calls).

    ``panel`` names the template that shows, above the form, what the person must
    decide or do, read from the process's subject (``subject``), the task (``task``)
    and what ``panel_context(task=..., subject=..., user=...)`` returns; without it,
    the subject's ``task_panel_template`` is used, if it has one. The engine renders
    it and knows nothing of what it shows. ``submit_label`` names the form's button
    after what completing the step does ("Send to curation").
    """

    activation_class = HumanTaskActivation

    def __init__(
        self,
        *,
        role,
        title,
        form_class=None,
        sla_days=5,
        description="",
        scope=process_municipality,
        scope_takes_data=False,
        due=None,
        due_takes_task=False,
        panel=None,
        panel_context=None,
        submit_label=None,
    ):
        super().__init__(view=None)
        self.panel = panel
        self.panel_context = panel_context
        self.submit_label = submit_label
        self.role = role
        self.task_title = title
        self.task_description = description
        self.form_class = form_class
        self.sla_days = sla_days
        self.scope = scope
        self.scope_takes_data = scope_takes_data
        self.due = due
        self.due_takes_task = due_takes_task
        self._on_complete = None
        self._owner = None
        if not callable(role):
            self._owner_permission = task_permission(role)[0]

    @cached_property
    def repeats(self):
        """Whether the flow can come back to this step: a review may return it."""
        seen, ahead = set(), [edge.dst for edge in self._outgoing()]
        while ahead:
            node = ahead.pop()
            if node is self:
                return True
            if node not in seen:
                seen.add(node)
                ahead.extend(edge.dst for edge in node._outgoing())
        return False

    def scope_for(self, process, data):
        """The task's scope object; a fan-out task may take it from its own data."""
        return self.scope(process, data) if self.scope_takes_data else self.scope(process)

    def role_for(self, process):
        return self.role(process) if callable(self.role) else self.role

    def OnComplete(self, ref):  # noqa: N802 (viewflow's builder style)
        self._on_complete = ref
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        self._on_complete = this.resolve(instance, self._on_complete)
        if self._owner is not None:
            self._owner = this.resolve(instance, self._owner)

    def calc_owner(self, activation):
        if self._owner is None:
            return None
        return self._owner(activation) if callable(self._owner) else None

    def sla_key(self):
        return self.flow_class.instance.flow_label, self.name

    def due_date(self, task):
        if self.due is not None:
            explicit = self.due(task) if self.due_takes_task else self.due(task.process)
            if explicit is not None:
                return explicit
        from .sla import days_for

        return timezone.now() + timedelta(days=days_for(self))


class FanOutActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        for node, condition, data_source in self.flow_task._branches:
            if condition and not condition(self):
                continue
            if data_source is None:
                self.next_tasks.append((node, None))
            else:
                self.next_tasks.extend((node, item) for item in data_source(self))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class FanOut(Split):
    """A parallel split that can open one task per item, each with the item as its data.

    ``FanOut().Next(this.invite, data_source=this.facilitators).Next(this.join)``
    opens one ``invite`` task per item; the direct branch to the join lets the
    process go on when the list is empty.
    """

    activation_class = FanOutActivation

    def Next(self, node, case=None, data_source=None):  # noqa: N802 (viewflow's builder style)
        self._activate_next.append((node, case, data_source))
        return self
