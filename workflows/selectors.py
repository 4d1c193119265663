"""Read-side queries for queues, inboxes, archives and histories, scoped by the user."""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q
from django.utils import timezone
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.status import STATUS

from .models import AuditEvent, Process, SlaPolicy, Task, scope_model
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
    limit = limit or MUNICIPALITY_CHOICES
    rows = list(
        scope_model()
        .objects.filter(pk__in=tasks.values("municipality_id"))
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


def processes_about(subject):
    """The processes about ``subject`` (an agreement, a network...), oldest first."""
    return Process.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).order_by("pk")


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


def people_named(term):
    """Ids of the people a search term names: their user name, or words of their name."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    term = term.strip()
    by_name = Q(**{User.USERNAME_FIELD: term})
    words = term.split()
    if words:
        by_words = Q()
        for word in words:
            by_words &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        by_name |= by_words
    return User.objects.filter(by_name).values("pk")


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
        qs = qs.filter(actor_id__in=people_named(filters["actor"]))
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


def sla_steps():
    """{(flow label, step name): (process type, step title, order)} of every human step:
    a policy row keeps codes, people read the flow's and the step's titles."""
    from .nodes import HumanTask
    from .registry import flows, nodes_in_order

    steps = {}
    for flow_order, flow_class in enumerate(flows()):
        for node_order, node in enumerate(nodes_in_order(flow_class)):
            if isinstance(node, HumanTask):
                steps[node.sla_key()] = (
                    str(flow_class.process_title),
                    str(node.task_title),
                    (flow_order, node_order),
                )
    return steps


def named_policy(policy, steps=None):
    """``policy`` with ``process_title``, ``task_title``, ``order`` and ``in_use``."""
    from django.utils.translation import gettext as _

    steps = sla_steps() if steps is None else steps
    known = steps.get((policy.flow_label, policy.task_name))
    policy.in_use = known is not None
    policy.process_title, policy.task_title, policy.order = known or (
        _("Process no longer in use"),
        policy.label or policy.task_name,
        (len(steps), 0),
    )
    return policy


def sla_policies_by_process():
    """[(process type, [policy, ...]), ...]: every SLA policy named for people, grouped by
    process type, its steps in the order the work goes."""
    steps = sla_steps()
    policies = sorted(
        (named_policy(p, steps) for p in SlaPolicy.objects.select_related("updated_by")),
        key=lambda p: (p.order, p.task_title),
    )
    groups = {}
    for policy in policies:
        groups.setdefault(policy.process_title, []).append(policy)
    return list(groups.items())


def with_process_type(events):
    """Audit desk rows: each event gets ``process_type``, its process's type, unless the
    process's title already starts with it (it most often does)."""
    for event in events:
        kind = str(event.process.flow_title) if event.process_id else ""
        title = event.process.title if event.process_id else ""
        event.process_type = "" if title.startswith(kind) else kind
    return events
