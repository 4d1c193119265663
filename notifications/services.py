"""Creating notifications (once each) and delivering their e-mails.

A notification row and the job that e-mails it (``outbox.enqueue``) are written in
the transaction of the change they announce: if the broker is down both wait, and
the outbox relay hands the job to a worker when it is back. Delivery locks the
row, so a redelivered or duplicated job sends nothing twice.
"""

import json
import logging
from functools import cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from workflows import audit, bulk

from . import outbox
from .models import Delivery, EmailState, Job, Kind, Notification, Preference, Profile

logger = logging.getLogger(__name__)

DELIVER_EMAIL = "notifications.tasks.deliver_email"
DELIVER_EMAILS = "notifications.tasks.deliver_emails"
EMAIL_CHUNK = 200

MAX_ATTEMPTS = 5
_AUDITED_KINDS = frozenset((Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATION, Kind.RETURNED))
_STATE_FOR_DELIVERY = {
    Delivery.IMMEDIATE: EmailState.PENDING,
    Delivery.DIGEST: EmailState.DIGEST,
    Delivery.NONE: EmailState.SKIPPED,
}


def delivery_for(user, kind):
    value = (
        Preference.objects.filter(user=user, kind=kind).values_list("delivery", flat=True).first()
    )
    return value or Delivery.IMMEDIATE


def language_of(user):
    value = Profile.objects.filter(user=user).values_list("language", flat=True).first()
    return value or settings.LANGUAGE_CODE


def notify(recipient, kind, key, *, title, body="", url="", task=None, process=None, context=None):
    """Create the notification ``key`` unless it exists; returns it, or None if it existed."""
    if recipient is None or not recipient.is_active:
        return None
    notification = Notification(
        recipient=recipient,
        kind=kind,
        key=key,
        title=str(title)[:255],
        body=str(body),
        url=url,
        task=task,
        process=process or (task.process if task is not None else None),
        context=audit.to_json(context or {}),
        created=timezone.now(),
    )
    if connection.vendor == "postgresql" and kind not in _AUDITED_KINDS:
        return _notify_at_once(recipient, notification)
    notification.email_state = _STATE_FOR_DELIVERY[Delivery(delivery_for(recipient, kind))]
    if not recipient.email:
        notification.email_state = EmailState.SKIPPED
    try:
        with transaction.atomic():
            notification.save()
            if kind in _AUDITED_KINDS:
                audit.record(
                    f"notification.{kind}",
                    task=task,
                    process=notification.process,
                    after={"recipient": recipient.get_username(), "key": key},
                )
            if notification.email_state == EmailState.PENDING:
                outbox.enqueue(DELIVER_EMAIL, notification.pk)
    except IntegrityError:
        return None
    return notification


@cache
def _at_once_sql():
    """One statement: the preference read, the notification unless its key exists, its job.

    It stands for a read, a savepoint, two inserts and a release: a fifth of starting a
    process was these (docs/performance.md). The delivery preference decides the e-mail
    state as ``_STATE_FOR_DELIVERY`` does; a test holds the two paths to the same rows.
    """
    states = " ".join(
        f"WHEN '{delivery.value}' THEN '{state.value}'"
        for delivery, state in _STATE_FOR_DELIVERY.items()
    )
    columns = ", ".join(NOTIFICATION_COLUMNS[1:])
    return (
        f"WITH made AS (INSERT INTO {Notification._meta.db_table} ({columns})"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, NULL, CASE WHEN %s THEN"
        f" CASE COALESCE(NULLIF((SELECT delivery FROM {Preference._meta.db_table}"
        f" WHERE user_id = %s AND kind = %s), ''), %s) {states} END ELSE %s END, 0, '', NULL)"
        " ON CONFLICT (key) DO NOTHING RETURNING id, email_state),"
        f" queued AS (INSERT INTO {Job._meta.db_table}"
        " (task, args, state, created, published_at, done_at, publications, last_error)"
        " SELECT %s, jsonb_build_array(made.id), %s, %s, NULL, NULL, 0, '' FROM made"
        " WHERE made.email_state = %s RETURNING id)"
        " SELECT made.id, made.email_state, (SELECT id FROM queued) FROM made"
    )


def _notify_at_once(recipient, notification):
    """``notify`` on PostgreSQL for the kinds without an audit event."""
    n = notification
    with connection.cursor() as cursor:
        cursor.execute(
            _at_once_sql(),
            [
                recipient.pk,
                n.kind,
                n.key,
                n.title,
                n.body,
                n.url,
                n.task_id,
                n.process_id,
                json.dumps(n.context),
                n.created,
                bool(recipient.email),
                recipient.pk,
                n.kind,
                Delivery.IMMEDIATE.value,
                EmailState.SKIPPED.value,
                DELIVER_EMAIL,
                Job.State.PENDING.value,
                n.created,
                EmailState.PENDING.value,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None  # the key existed: that notification was made once already
    pk, n.email_state, job_pk = row
    bulk.mark_stored(n, pk)
    if job_pk is not None:
        job = Job(task=DELIVER_EMAIL, args=[n.pk], created=n.created)
        outbox.hand_out_after_commit([bulk.mark_stored(job, job_pk)])
    return n


NOTIFICATION_COLUMNS = (
    "id",
    "recipient_id",
    "kind",
    "key",
    "title",
    "body",
    "url",
    "task_id",
    "process_id",
    "context",
    "created",
    "read_at",
    "email_state",
    "email_attempts",
    "email_last_error",
    "email_sent_at",
)


def notify_many(items):
    """Create many notifications at once (the sweep): one COPY, bulk audit events.

    ``items`` are dicts with ``recipient`` (a user), ``kind``, ``key``, ``title``,
    ``body``, ``url``, ``task_id``, ``process_id`` and ``municipality_id``; their keys
    must be new (the sweep checked under its lock; the unique key still guards).
    """
    items = [i for i in items if i["recipient"] is not None and i["recipient"].is_active]
    if not items:
        return []
    preferences = {
        (user_id, kind): delivery
        for user_id, kind, delivery in Preference.objects.filter(
            user_id__in={i["recipient"].pk for i in items}
        ).values_list("user_id", "kind", "delivery")
    }
    now = timezone.now()
    ids = bulk.allocate_ids(Notification, len(items))
    rows, pending, events = [], [], []
    states, usernames = {}, {}  # per recipient and kind, per recipient: the same for many items

    def _rows():
        """Each item's row, made while COPY streams the earlier ones to the server."""
        for index, item in enumerate(items):
            recipient, kind = item["recipient"], item["kind"]
            user_id = recipient.pk
            state = states.get((user_id, kind))
            if state is None:
                delivery = preferences.get((user_id, kind), Delivery.IMMEDIATE)
                state = (
                    _STATE_FOR_DELIVERY[Delivery(delivery)]
                    if recipient.email
                    else EmailState.SKIPPED
                )
                states[user_id, kind] = state
            row = (
                ids[index] if ids else None,
                user_id,
                kind,
                item["key"],
                str(item["title"])[:255],
                str(item.get("body", "")),
                item.get("url", ""),
                item.get("task_id"),
                item.get("process_id"),
                "{}",  # the context, as JSON text
                now,
                None,
                state,
                0,
                "",
                None,
            )
            rows.append(row)
            if kind in _AUDITED_KINDS:
                if user_id not in usernames:
                    usernames[user_id] = recipient.get_username()
                events.append(
                    {
                        "action": f"notification.{kind}",
                        "process_id": item["process_id"],
                        "task_id": item.get("task_id"),
                        "municipality_id": item.get("municipality_id"),
                        "after": {"recipient": usernames[user_id], "key": item["key"]},
                    }
                )
            if state == EmailState.PENDING:
                pending.append(item["key"])
            yield row if ids else row[1:]

    columns = NOTIFICATION_COLUMNS if ids else NOTIFICATION_COLUMNS[1:]
    with transaction.atomic():
        bulk.copy_rows(Notification, columns, _rows(), json_columns={"context"})
        audit.record_many(events)
        if pending:
            waiting = set(pending)
            pks = (
                [row[0] for row in rows if row[3] in waiting]
                if ids
                else list(Notification.objects.filter(key__in=pending).values_list("pk", flat=True))
            )
            # E-mails in chunks: fewer jobs, each e-mail still handled alone by the worker.
            outbox.enqueue_many(
                (DELIVER_EMAILS, [pks[start : start + EMAIL_CHUNK]])
                for start in range(0, len(pks), EMAIL_CHUNK)
            )
    return rows


def dispatch(pk):
    """Hand one stale e-mail to a worker again; if the broker is unreachable the row waits."""
    from .tasks import deliver_email

    try:
        deliver_email.delay(pk)
    except Exception:  # broker down: the sweep re-dispatches pending rows
        logger.warning("Could not queue e-mail for notification %s", pk, exc_info=True)


def render_email(notification, language):
    site = settings.SITE_URL.rstrip("/")
    with translation.override(language):
        context = {"n": notification, "site": site, "link": f"{site}{notification.url}"}
        subject = render_to_string("notifications/email/subject.txt", context).strip()
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    return subject, text, html


def deliver(pk):
    """Send one pending e-mail exactly once. Returns the resulting state."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=pk, email_state=EmailState.PENDING)
            .first()
        )
        if notification is None:
            return None
        subject, text, html = render_email(notification, language_of(notification.recipient))
        message = EmailMultiAlternatives(
            subject,
            text,
            to=[notification.recipient.email],
            headers={"X-Notification": str(notification.pk)},
        )
        message.attach_alternative(html, "text/html")
        message.send()
        notification.email_state = EmailState.SENT
        notification.email_sent_at = timezone.now()
        notification.email_attempts += 1
        notification.email_last_error = ""
        notification.save(
            update_fields=["email_state", "email_sent_at", "email_attempts", "email_last_error"]
        )
        return notification.email_state


def record_failure(pk, error, final):
    """Remember a failed attempt; after the last one the e-mail is given up (still in-app)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=pk).first()
        if notification is None or notification.email_state != EmailState.PENDING:
            return
        notification.email_attempts += 1
        notification.email_last_error = str(error)[:2000]
        if final or notification.email_attempts >= MAX_ATTEMPTS:
            notification.email_state = EmailState.FAILED
        notification.save(update_fields=["email_attempts", "email_last_error", "email_state"])


def redispatch_stale(older_than_minutes=10, limit=1000):
    """Queue again e-mails still pending after a while (broker was down, worker died)."""
    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    pks = list(
        Notification.objects.filter(email_state=EmailState.PENDING, created__lt=cutoff)
        .order_by("created")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pks:
        dispatch(pk)
    return len(pks)


def mark_read(user, pks=None):
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    return qs.update(read_at=timezone.now())
