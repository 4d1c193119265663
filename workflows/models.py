"""The engine's state: processes, tasks with due dates, SLA policies and the audit trail."""

from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from viewflow.workflow.models import AbstractProcess, AbstractTask
from viewflow.workflow.status import STATUS

from .fields import CanonicalJSONField
from .roles import Role

LARGEST_ID = 2**63 - 1  # the largest key a bigint column holds: beyond it, no row and no query


def scope_model():
    """The model a process and its tasks are scoped to (``settings.WORKFLOWS_SCOPE_MODEL``)."""
    from django.apps import apps

    return apps.get_model(settings.WORKFLOWS_SCOPE_MODEL)


class Process(AbstractProcess):
    """One run of a flow, about one subject (an agreement, a contact...) in one municipality."""

    data = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    municipality = models.ForeignKey(
        settings.WORKFLOWS_SCOPE_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processes",
        verbose_name=_("municipality"),
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["subject_type", "subject_id"]),
            models.Index(fields=["flow_class", "status", "created"]),
        ]
        permissions = [
            ("view_all_processes", _("Can view every process and its history")),
            ("manage_tasks", _("Can reassign tasks and edit SLA policies")),
            ("act_as_coordinator", _("Can take coordination tasks")),
            ("act_as_specialist", _("Can take specialist tasks")),
            ("act_as_logistics", _("Can take logistics tasks")),
            ("act_as_assistant", _("Can take coordination assistant tasks")),
            ("act_as_curator", _("Can take knowledge curation tasks")),
            ("act_as_deputy", _("Can take deputy coordination tasks")),
            ("verify_audit_trail", _("Can verify the audit trail")),
        ]

    def __str__(self):
        return self.title or super().__str__()

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            from .locks import made_in_this_transaction

            made_in_this_transaction(self.pk)

    def bind(self, subject, by, title, *, about=None, municipality=None):
        """Fill a process about to start: its subject, who started it, its title and scope."""
        self.subject = subject
        self.started_by = by
        if municipality is not None:
            self.municipality = municipality
        self.title = f"{title}: {about if about is not None else subject}"[:255]
        return self

    def locked_subject(self, *related):
        """The subject read afresh and locked for this transaction, with ``related`` joined.

        A completion that is about to change its subject reads it once, locked, instead
        of once through the generic relation and again under the lock.
        """
        if not connection.in_atomic_block:
            raise RuntimeError("locked_subject() holds a row lock: call it inside a transaction")
        model = ContentType.objects.get_for_id(self.subject_type_id).model_class()
        if connection.vendor != "postgresql":
            self.subject = (
                model.objects.select_for_update(of=("self",))
                .select_related(*related)
                .get(pk=self.subject_id)
            )
            return self.subject
        sql, layout = _locking_read(model, related)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.subject_id])
            row = cursor.fetchone()
        if row is None:
            raise model.DoesNotExist(f"{model.__name__} {self.subject_id}")
        at = 0
        for part, fields, through in layout:
            values = [
                field.from_db_value(value, None, connection)
                if hasattr(field, "from_db_value") and value is not None
                else value
                for field, value in zip(fields, row[at : at + len(fields)], strict=True)
            ]
            at += len(fields)
            names = [field.attname for field in fields]
            if through is None:
                self.subject = part.from_db(connection.alias, names, values)
            else:  # a related row, or none behind a null key
                found = values[fields.index(part._meta.pk)] is not None
                through.set_cached_value(
                    self.subject, part.from_db(connection.alias, names, values) if found else None
                )
        return self.subject

    @classmethod
    def for_subject(cls, subject):
        """The newest process about ``subject`` (a submission, case, network...), or None."""
        from django.contrib.contenttypes.models import ContentType

        return (
            cls.objects.filter(
                subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
            )
            .order_by("-pk")
            .first()
        )

    @property
    def flow_title(self):
        return self.flow_class.process_title if self.flow_class else ""

    @property
    def state_key(self):
        """Where the process stands, as a code for styling: its subject's state while it runs.

        viewflow's status reads "New" for as long as a process runs, which tells no one
        anything; the subject's state (an agreement "in review") does. A list of
        processes prefetches ``subject`` (``selectors.with_progress``).
        """
        if self.status in (STATUS.DONE, STATUS.CANCELED):
            return self.status
        return getattr(self.subject, "state", None) or "running"

    @property
    def state_label(self):
        """Where the process stands, in words: see ``state_key``."""
        if self.status == STATUS.DONE:
            return _("Completed")
        if self.status == STATUS.CANCELED:
            return _("Cancelled")
        display = getattr(self.subject, "get_state_display", None)
        return display() if display else _("In progress")


@cache
def _locking_read(model, related):
    """What ``select_for_update(of=("self",)).select_related(*related).get(pk=...)`` sends.

    Written once per subject model: compiling that query for every completion took
    longer than running it (docs/performance.md); a test holds the rows it gives to
    the ORM's. ``related`` are forward foreign keys of ``model``. Returns the SQL and,
    per model read, its fields in column order and the key it is reached through.
    """
    quote = connection.ops.quote_name
    reads, joins = [(model, "s", None)], []
    for index, name in enumerate(related):
        key = model._meta.get_field(name)
        if not key.many_to_one:
            raise ValueError(f"{model.__name__}.{name} is not a foreign key")
        alias, target = f"r{index}", key.related_model
        joins.append(
            f"{'LEFT JOIN' if key.null else 'JOIN'} {quote(target._meta.db_table)} {alias}"
            f" ON {alias}.{quote(key.target_field.column)} = s.{quote(key.column)}"
        )
        reads.append((target, alias, key))
    columns, layout = [], []
    for part, alias, key in reads:
        fields = list(part._meta.concrete_fields)
        columns.extend(f"{alias}.{quote(field.column)}" for field in fields)
        layout.append((part, fields, key))
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} s {' '.join(joins)}"
        f" WHERE s.{quote(model._meta.pk.column)} = %s FOR UPDATE OF s"
    )
    return sql, layout


def step_title(node, about=None):
    """A step's title, and the item it is about when it runs once per item."""
    return f"{node.task_title}: {about}" if about else node.task_title


class TaskQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=(STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED))

    def human(self):
        return self.filter(flow_task_type="HUMAN")


class Task(AbstractTask):
    """A step of a process. Ours adds what viewflow's rows lack: role, scope and due date."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, verbose_name=_("process"))
    data = models.JSONField(default=dict, blank=True)
    role = models.CharField(_("role"), max_length=40, choices=Role.choices, blank=True)
    municipality = models.ForeignKey(
        settings.WORKFLOWS_SCOPE_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("municipality"),
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workflow_tasks",
        verbose_name=_("owner"),
    )
    owner_permission_content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="task_status_due"),
            models.Index(fields=["owner", "status", "due_at"], name="task_owner_status_due"),
            # Covering: a queue of thousands of candidate tasks (a national
            # coordinator's) is counted, paged and grouped by municipality from the
            # index alone, without a heap page per task.
            models.Index(
                fields=["owner_permission", "owner_permission_obj_pk", "status"],
                include=["flow_task_type", "due_at", "created", "municipality", "id"],
                name="task_candidates_covering",
            ),
            models.Index(fields=["municipality", "status"], name="task_municipality_status"),
            models.Index(fields=["process", "created"], name="task_process_created"),
        ]

    @contextmanager
    def activation(self, held=False):
        """viewflow's: the task re-read under its process's lock, with the rows a step uses.

        viewflow's refresh drops the cached process, so the process, its municipality
        (the next task's scope) and the owner were read again one query each. ``held``:
        the caller read this task (with those rows) under the lock it holds
        (``locks.holding_process_of_task``).
        """
        assert self.pk
        if held:
            yield self.flow_task.activation_class(self)
            return
        with self.flow_task.flow_class.lock(self.process_id):
            self.refresh_from_db(
                from_queryset=Task.objects.select_related("process__municipality", "owner")
            )
            yield self.flow_task.activation_class(self)

    @property
    def is_open(self):
        return self.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)

    @property
    def is_overdue(self):
        return bool(self.is_open and self.due_at and self.due_at < timezone.now())

    @property
    def is_due_soon(self):
        if not (self.is_open and self.due_at) or self.is_overdue:
            return False
        return self.due_at - timezone.now() <= timedelta(days=SlaPolicy.DEFAULT_DUE_SOON_DAYS)

    @property
    def state_label(self):
        """The task's state in words; viewflow's read "New" and "Started"."""
        # In the context "task": Spanish agrees them with "tarea" ("Completada").
        labels = {
            STATUS.NEW: pgettext_lazy("task", "In the queue"),
            STATUS.ASSIGNED: pgettext_lazy("task", "In progress"),
            STATUS.STARTED: pgettext_lazy("task", "In progress"),
            STATUS.DONE: pgettext_lazy("task", "Completed"),
            STATUS.CANCELED: pgettext_lazy("task", "Cancelled"),
            STATUS.ERROR: pgettext_lazy("task", "Stopped by an error"),
        }
        return labels.get(self.status) or self.get_status_display()

    @property
    def node_name(self):
        return self.flow_task.name if self.flow_task else ""

    @property
    def title(self):
        """The step's title, with what this one is about when several run side by side.

        A fan-out task (one per milestone, per facilitator...) carries ``about`` in its
        data, so that three milestone tasks do not all read "Deliver the milestone".
        """
        if not self.flow_task:
            return ""
        return step_title(self.flow_task, (self.data or {}).get("about"))


class SlaPolicy(models.Model):
    """How long a kind of task may take; edited by coordinators, read when a task is created."""

    DEFAULT_DUE_SOON_DAYS = 2

    flow_label = models.CharField(_("process type"), max_length=150)
    task_name = models.CharField(_("task"), max_length=100)
    label = models.CharField(_("label"), max_length=255, blank=True)
    days = models.PositiveIntegerField(
        _("days to complete"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    due_soon_days = models.PositiveIntegerField(
        _("due soon warning (days before)"),
        default=DEFAULT_DUE_SOON_DAYS,
        validators=[MaxValueValidator(60)],
    )
    escalate_after_days = models.PositiveIntegerField(
        _("escalate after (days overdue)"), default=5, validators=[MaxValueValidator(365)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["flow_label", "task_name"]
        constraints = [
            models.UniqueConstraint(fields=["flow_label", "task_name"], name="unique_sla_per_task")
        ]

    def __str__(self):
        return self.label or f"{self.flow_label}.{self.task_name}"

    def clean(self):
        if self.due_soon_days and self.days and self.due_soon_days >= self.days * 4:
            raise ValidationError(
                {"due_soon_days": _("The warning cannot start long before the task exists.")}
            )


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only")

    def delete(self):
        raise PermissionError("Audit events are append-only")


class AuditChain(models.Model):
    """The head of one hash chain (one per process or per subject), locked to append."""

    key = models.CharField(max_length=150, unique=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)
    # The head as the last checkpoint sealed it: a seal takes the chains that moved since.
    sealed_length = models.PositiveBigIntegerField(default=0)
    sealed_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self):
        return f"{self.key} ({self.length})"


class AuditEvent(models.Model):
    """An append-only record of something that happened, chained to the one before it."""

    chain_key = models.CharField(_("chain"), max_length=150)
    seq = models.PositiveBigIntegerField(_("sequence"))
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,  # covered by audit_actor_at
    )
    actor_label = models.CharField(_("actor"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=80)
    process = models.ForeignKey(
        Process,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("process"),
        db_index=False,  # covered by audit_process_at
    )
    task = models.ForeignKey(
        Task,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("task"),
    )
    subject_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # covered by audit_subject
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject_repr = models.CharField(_("object"), max_length=255, blank=True)
    municipality = models.ForeignKey(
        settings.WORKFLOWS_SCOPE_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("municipality"),
        db_index=False,  # covered by audit_municipality_at
    )
    # As the canonical text that the hash covers (``json``, not ``jsonb``): fields.py.
    before = CanonicalJSONField(_("before"), null=True, blank=True)
    after = CanonicalJSONField(_("after"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    prev_hash = models.CharField(max_length=64)
    # Unique. On PostgreSQL ``unique=True`` on a CharField also makes a
    # ``varchar_pattern_ops`` index for LIKE, which no one asks of a hash: migration
    # 0009 drops it (as big as the unique index, 300 MB at 2,000,000 events, and kept
    # up at a random place at every append; docs/performance.md). Altering this field
    # would make it again.
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["chain_key", "seq"], name="unique_audit_chain_seq")
        ]
        indexes = [
            models.Index(fields=["process", "at"], name="audit_process_at"),
            models.Index(fields=["municipality", "at"], name="audit_municipality_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject"),
        ]

    def __str__(self):
        return f"{self.chain_key}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only")

    @property
    def action_label(self):
        from .actions import label

        return label(self.action)


class AuditCheckpoint(models.Model):
    """A seal over every chain head at one moment, chained to the previous seal."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    heads = CanonicalJSONField(_("chain heads"), default=dict)  # as hashed: fields.py
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["pk"]

    def __str__(self):
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit checkpoints are append-only")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, at=None):
        """Tokens that still open the API: not revoked, not expired, their owner active."""
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at, user__is_active=True)


class ApiToken(models.Model):
    """A personal key to the API, held by one person, named by them, with an end date.

    Only the SHA-256 digest of the key is stored: the key is shown once, when it is
    issued, and cannot be read back. Keys are long random strings, so a plain digest
    (not a slow password hash) is enough to make the stored column useless to a thief,
    and lets a request find its token with one indexed lookup. ``prefix`` is the key's
    first characters, for the owner to tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self):
        return not self.is_revoked and not self.is_expired
