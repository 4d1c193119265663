"""Read-side queries for queues, inboxes, archives and histories, scoped by the user."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.status import STATUS

from .models import AuditEvent, Process, SlaPolicy, Task
from .permissions import candidate_filter, process_filter

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _base():
    return Task.objects.human().select_related(
        "process", "process__municipality", "municipality", "owner"
    )


def queue(user):
    """Unassigned open tasks the user may claim."""
    return _base().filter(candidate_filter(user), status=STATUS.NEW)


def inbox(user):
    return _base().filter(owner=user, status__in=(STATUS.ASSIGNED, STATUS.STARTED))


def archive(user):
    return _base().filter(owner=user, status=STATUS.DONE)


def flow_from_ref(ref):
    from .registry import flows

    return next((f for f in flows() if get_flow_ref(f) == ref), None) if ref else None


def filter_tasks(qs, params):
    """Apply the list filters: process type, municipality, due state, sort."""
    flow = flow_from_ref(params.get("flow"))
    if flow:
        qs = qs.filter(process__flow_class=flow)
    municipality = params.get("municipality")
    if municipality and str(municipality).isdigit():
        qs = qs.filter(municipality_id=int(municipality))
    name = (params.get("municipality_name") or "").strip()
    if name:
        qs = qs.filter(Q(municipality__name__icontains=name) | Q(municipality__code=name))
    due = params.get("due")
    now = timezone.now()
    if due == "overdue":
        qs = qs.filter(due_at__lt=now)
    elif due == "soon":
        qs = qs.filter(
            due_at__gte=now, due_at__lte=now + timedelta(days=SlaPolicy.DEFAULT_DUE_SOON_DAYS)
        )
    elif due == "later":
        qs = qs.filter(due_at__gt=now + timedelta(days=SlaPolicy.DEFAULT_DUE_SOON_DAYS))
    status = params.get("status")
    if status in {choice for choice, _ in STATUS.choices}:
        qs = qs.filter(status=status)
    order = params.get("sort", "due")
    if order == "-due":
        qs = qs.order_by("-due_at", "-pk")
    elif order == "created":
        qs = qs.order_by("-created", "-pk")
    else:
        qs = qs.order_by("due_at", "pk")
    return qs


MUNICIPALITY_CHOICES = 300


def municipality_choices(tasks, limit=None):
    """The municipalities of ``tasks`` as (id, name) choices, or None when there are more
    than ``limit`` (a national coordinator's queue): the page then asks for a name."""
    from agreements.models import Municipality

    limit = limit or MUNICIPALITY_CHOICES
    rows = list(
        Municipality.objects.filter(pk__in=tasks.values("municipality_id"))
        .order_by("name", "pk")
        .values_list("pk", "name")[: limit + 1]
    )
    if len(rows) > limit:
        return None
    return [(str(pk), name) for pk, name in rows]


def processes(user):
    return (
        Process.objects.filter(process_filter(user))
        .select_related("municipality", "started_by")
        .order_by("-created", "-pk")
    )


def with_progress(qs):
    """Processes with what a list shows of where each stands, in a fixed number of queries.

    Each process gets ``open_tasks``: its open human tasks with their holders, grouped
    by step and soonest due first; and its ``subject`` (one query per subject type), for
    ``Process.state_label``.
    """
    open_tasks = (
        Task.objects.human().open().select_related("owner").order_by("flow_task", "due_at", "pk")
    )
    return qs.prefetch_related(
        "subject", Prefetch("task_set", queryset=open_tasks, to_attr="open_tasks")
    )


def process_tasks(process):
    """Every task of the process with its owner, oldest first: its page reads them once."""
    tasks = list(process.task_set.select_related("owner").order_by("created", "pk"))
    for task in tasks:
        task.process = process
    return tasks


def subject_kind(process):
    """What the process is about, as a noun ("agreement", "submission"), or ""."""
    model = process.subject_type.model_class() if process.subject_type_id else None
    return model._meta.verbose_name if model else ""


def process_history(process):
    """Every audit event of the process and of its subject, oldest first."""
    condition = Q(process=process)
    if process.subject_type_id:
        condition |= Q(subject_type_id=process.subject_type_id, subject_id=str(process.subject_id))
    return (
        AuditEvent.objects.filter(condition)
        .select_related("actor", "task", "subject_type")
        .order_by("at", "pk")
    )


def subject_history(obj):
    ct = ContentType.objects.get_for_model(obj)
    return (
        AuditEvent.objects.filter(subject_type=ct, subject_id=str(obj.pk))
        .select_related("actor")
        .order_by("at", "pk")
    )


def audit_search(filters):
    """Audit events matching the auditor's filters, newest first (keyset-paginated by pk)."""
    import datetime

    qs = AuditEvent.objects.select_related("process", "municipality", "task", "actor")
    flow = flow_from_ref(filters.get("flow"))
    if flow:
        qs = qs.filter(process__flow_class=flow)
    if filters.get("region"):
        qs = qs.filter(municipality__region_id=filters["region"])
    if filters.get("municipality"):
        term = filters["municipality"].strip()
        qs = qs.filter(Q(municipality__code=term) | Q(municipality__name__iexact=term))
    if filters.get("actor"):
        qs = qs.filter(actor_label=filters["actor"].strip())
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("subject"):
        qs = qs.filter(subject_repr__icontains=filters["subject"].strip())
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        start = datetime.datetime.combine(filters["date_from"], datetime.time.min, tzinfo=tz)
        qs = qs.filter(at__gte=start)
    if filters.get("date_to"):
        end = datetime.datetime.combine(filters["date_to"], datetime.time.max, tzinfo=tz)
        qs = qs.filter(at__lte=end)
    return qs.order_by("-pk")


def keyset_page(qs, before=None, size=50):
    """One page of a newest-first list without counting millions of rows."""
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more and rows else None)
