"""The reminder sweep: due soon, overdue (then weekly) and escalation, each sent once.

It reads only open tasks whose due date falls inside the reminder window (the
``task_status_due`` index), so its cost follows the number of due tasks. A
PostgreSQL advisory lock keeps two sweeps from working at once, and each
reminder's idempotency key (task, kind, due date, step, recipient) is unique in
the database, so a repeated or concurrent sweep sends nothing twice.
"""

import math
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import STATUS

from workflows.bulk import gc_paused
from workflows.models import SlaPolicy, Task, step_title
from workflows.permissions import candidates_for_tasks

from . import services
from .models import Kind, Notification

SWEEP_LOCK = 7_453_001
DAY = timedelta(days=1)


@dataclass(frozen=True)
class DueTask:
    """What the sweep needs of a task, read without building model instances."""

    pk: int
    flow_task: object
    due_at: object
    owner_id: int | None
    municipality_id: int | None
    municipality_name: str
    process_id: int
    process_title: str
    owner_permission: str
    owner_permission_obj_pk: str | None
    owner_permission_content_type_id: int | None
    about: str | None = None
    owner: object = None

    @property
    def title(self):
        """As ``Task.title``: the step, and which item of a fan-out this one is about."""
        return step_title(self.flow_task, self.about) if self.flow_task else ""

    @cached_property
    def due_iso(self):
        """The due date as idempotency keys spell it, computed once for all its reminders."""
        return self.due_at.isoformat()


@dataclass(slots=True)
class Reminder:
    kind: str
    task: DueTask
    recipient: object
    step: str
    key: str = field(init=False)  # the idempotency key, unique in the database

    def __post_init__(self):
        self.key = f"{self.kind}:{self.task.pk}:{self.task.due_iso}:{self.step}:{self.recipient.pk}"


def due_soon_days():
    return sorted(set(settings.NOTIFICATIONS_DUE_SOON_DAYS))


def coordinators():
    return list(
        get_user_model()
        .objects.filter(groups__name="coordinator", is_active=True)
        .order_by("pk")
        .distinct()
    )


def due_tasks(now):
    """Open human tasks due before the reminder horizon: one indexed query, no model objects."""
    horizon = now + max(due_soon_days(), default=0) * DAY
    rows = list(
        Task.objects.human()
        .filter(status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED), due_at__lte=horizon)
        .order_by("due_at", "pk")
        .values_list(
            "pk",
            "flow_task",
            "due_at",
            "owner_id",
            "municipality_id",
            "municipality__name",
            "process_id",
            "process__title",
            "owner_permission",
            "owner_permission_obj_pk",
            "owner_permission_content_type_id",
            "data__about",
        )
    )
    owners = get_user_model().objects.in_bulk({row[3] for row in rows if row[3]})
    return [DueTask(*row[:5], row[5] or "—", *row[6:], owner=owners.get(row[3])) for row in rows]


def plan(now=None):
    """The reminders that are due now, whether or not they were already sent."""
    now = now or timezone.now()
    tasks = due_tasks(now)
    escalate_after = {
        (flow_label, task_name): days
        for flow_label, task_name, days in SlaPolicy.objects.values_list(
            "flow_label", "task_name", "escalate_after_days"
        )
    }
    pools = candidates_for_tasks([t for t in tasks if not t.owner_id])
    chiefs = None
    reminders = []
    days_before = due_soon_days()
    default_threshold = settings.NOTIFICATIONS_ESCALATE_AFTER_DAYS

    thresholds = {}

    def _recipients(task):
        return [task.owner] if task.owner_id else pools.get(task.pk, [])

    def _threshold(node):
        if node not in thresholds:
            thresholds[node] = escalate_after.get(
                (node.flow_class.instance.flow_label, node.name) if node else None,
                default_threshold,
            )
        return thresholds[node]

    for task in tasks:
        if task.due_at > now:
            left = task.due_at - now
            step = next(n for n in days_before if left <= n * DAY)
            for person in _recipients(task):
                reminders.append(Reminder(Kind.DUE_SOON, task, person, f"d{step}"))
            continue
        days_over = math.floor((now - task.due_at) / DAY)
        if days_over >= 1:
            for person in _recipients(task):
                reminders.append(Reminder(Kind.OVERDUE, task, person, f"w{(days_over - 1) // 7}"))
        if days_over >= _threshold(task.flow_task):
            if chiefs is None:
                chiefs = coordinators()
            for person in chiefs:
                reminders.append(Reminder(Kind.ESCALATION, task, person, "e0"))
    return reminders


def _formats():
    """The reminder texts, translated once per sweep rather than once per reminder."""
    return {
        Kind.DUE_SOON: (
            str(_("Due soon: %(task)s")),
            str(_("“%(task)s” (%(process)s, %(municipality)s) is due on %(due)s.")),
        ),
        Kind.OVERDUE: (
            str(_("Overdue: %(task)s")),
            str(_("“%(task)s” (%(process)s, %(municipality)s) was due on %(due)s.")),
        ),
        Kind.ESCALATION: (
            str(_("Escalation: %(task)s is overdue")),
            str(
                _(
                    "“%(task)s” (%(process)s) for %(municipality)s was due on %(due)s and is "
                    "still open. Assigned to: %(owner)s."
                )
            ),
        ),
        "nobody": str(_("nobody")),
    }


class _Texts:
    """Reminder texts, rendered once per task and kind: every recipient gets the same."""

    def __init__(self):
        self.formats = _formats()
        self.zone = timezone.get_current_timezone()
        self.titles = {}  # (flow node, what it is about) -> its translated title
        self.owners = {}  # owner pk -> the name shown in escalations
        self.rendered = {}  # (kind, task pk) -> (title, body)

    def __call__(self, kind, task):
        key = (kind, task.pk)
        texts = self.rendered.get(key)
        if texts is None:
            texts = self.rendered[key] = self._render(kind, task)
        return texts

    def _render(self, kind, task):
        node, owner = task.flow_task, task.owner
        title_key = (node, task.about)
        if title_key not in self.titles:
            self.titles[title_key] = str(task.title)
        if owner is None:
            owner_label = self.formats["nobody"]
        else:
            if owner.pk not in self.owners:
                self.owners[owner.pk] = owner.get_full_name() or owner.get_username()
            owner_label = self.owners[owner.pk]
        values = {
            "task": self.titles[title_key],
            "process": task.process_title,
            "municipality": task.municipality_name,
            "owner": owner_label,
            # timezone.localtime() without looking up the current zone each time
            "due": task.due_at.astimezone(self.zone).strftime("%d/%m/%Y"),
        }
        title, body = self.formats[kind]
        return title % values, body % values


def _sent_keys(task_ids):
    """Keys of the reminders already sent for these tasks (their keys name the task)."""
    kinds = [Kind.DUE_SOON.value, Kind.OVERDUE.value, Kind.ESCALATION.value]
    if not task_ids:
        return set()
    if connection.vendor == "postgresql":
        # One query with the ids as one array: no statement with thousands of parameters.
        table = connection.ops.quote_name(Notification._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT key FROM {table} "
                "WHERE task_id = ANY(%s::bigint[]) AND kind = ANY(%s::text[])",
                [task_ids, kinds],
            )
            return {key for (key,) in cursor.fetchall()}
    existing = set()
    for start in range(0, len(task_ids), 5000):
        existing.update(
            Notification.objects.filter(
                task_id__in=task_ids[start : start + 5000], kind__in=kinds
            ).values_list("key", flat=True)
        )
    return existing


def _acquire_lock():
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK])
        return cursor.fetchone()[0]


def sweep(now=None, dry_run=False):
    """Send what is due and not yet sent; returns the reminders sent (or that would be)."""
    with gc_paused(), transaction.atomic():
        if not dry_run and not _acquire_lock():
            return []  # another sweep is running; it will send these
        reminders = plan(now)
        existing = _sent_keys(sorted({r.task.pk for r in reminders}))
        pending = [r for r in reminders if r.key not in existing]
        if dry_run:
            return pending
        items = []
        task_url = reverse("workflows:task_detail", args=[0]).replace("/0/", "/{}/")
        texts = _Texts()
        for reminder in pending:
            task = reminder.task
            title, body = texts(reminder.kind, task)
            items.append(
                {
                    "recipient": reminder.recipient,
                    "kind": reminder.kind,
                    "key": reminder.key,
                    "title": title,
                    "body": body,
                    "url": task_url.format(task.pk),
                    "task_id": task.pk,
                    "process_id": task.process_id,
                    "municipality_id": task.municipality_id,
                }
            )
        services.notify_many(items)
        sent = pending
        return sent
