"""Listeners on the engine's signals: they run inside the change's transaction."""

from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.signals import task_assigned

from . import services
from .models import Kind


@receiver(task_assigned)
def notify_assignee(sender, task, by=None, **kwargs):
    if task.owner_id is None or (by is not None and by.pk == task.owner_id):
        return
    stamp = task.assigned.isoformat() if task.assigned else ""
    services.notify(
        task.owner,
        Kind.ASSIGNED,
        f"assigned:{task.pk}:{task.owner_id}:{stamp}",
        title=_("New task: %(task)s") % {"task": task.title},
        body=_("%(process)s. Due on %(due)s.")
        % {
            "process": task.process.title,
            "due": timezone.localtime(task.due_at).strftime("%d/%m/%Y") if task.due_at else "—",
        },
        url=reverse("workflows:task_detail", args=[task.pk]),
        task=task,
    )
