"""The transactional outbox of background jobs, and its relay to Celery.

``enqueue`` writes a job row inside the caller's transaction: the job exists if
and only if the change that asked for it committed, and asking never touches the
broker. After commit ``hand_out`` publishes the rows just written; every minute from
beat, ``relay`` locks the open rows (``SELECT ... FOR UPDATE SKIP LOCKED``, so relays
running side by side never hand out the same row) and publishes them. With Redis
down the rows wait, and the web answers as usual; when Redis returns the next relay
sends them. A worker marks its job done on success; a job published but not done
after ``OUTBOX_REPUBLISH_AFTER`` seconds (its message was lost with a Redis restart)
is published again, which is safe because every job is idempotent.
"""

import logging

from celery import current_app
from celery.signals import task_success
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Job

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
MAX_PUBLICATIONS = 5


def enqueue(task, *args):
    """Ask for ``task(*args)`` once the current transaction commits; returns the job."""
    return enqueue_many([(task, args)])[0]


def enqueue_many(calls):
    """Ask for several jobs at once (one INSERT); ``calls`` are ``(task, args)`` pairs."""
    jobs = Job.objects.bulk_create([Job(task=task, args=list(args)) for task, args in calls])
    hand_out_after_commit(jobs)
    return jobs


def hand_out_after_commit(jobs):
    """Publish ``jobs``, just written in this transaction, once it commits."""
    transaction.on_commit(lambda: hand_out(jobs), robust=True)


def _claim_sql(count):
    table = connection.ops.quote_name(Job._meta.db_table)
    ids = ", ".join(["%s"] * count)
    # A job a relay holds is skipped, not waited for: the relay publishes it.
    skips = connection.features.has_select_for_update_skip_locked
    skip = " FOR UPDATE SKIP LOCKED" if skips else ""
    return (
        f"UPDATE {table} SET state = %s, published_at = %s, publications = publications + 1"
        f" WHERE id IN (SELECT id FROM {table} WHERE id IN ({ids}) AND state = %s{skip})"
        " RETURNING id"
    )


def _unclaim_sql(count):
    table = connection.ops.quote_name(Job._meta.db_table)
    return (
        f"UPDATE {table} SET state = %s, published_at = NULL,"
        f" publications = publications - 1, last_error = %s"
        f" WHERE id IN ({', '.join(['%s'] * count)}) AND state = %s"
    )


def hand_out(jobs):
    """Publish ``jobs``, just committed by this process; returns how many were handed out.

    The jobs are claimed by one UPDATE (pending to published) rather than by ``relay``'s
    locked re-read and model instances: what they ask for is already known here, and
    after each request's commit that was a fifth of starting a process
    (docs/performance.md). Claim and publication share one short transaction: if this
    process dies before it commits, the jobs are pending again for the next relay. A
    job a relay took first is not claimed, so it is published once. If the broker
    refuses, the unpublished jobs go back to pending for the relay.
    """
    if not jobs:
        return 0
    with transaction.atomic():
        return _claim_and_publish(jobs)


def _claim_and_publish(jobs):
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(len(jobs)),
            [Job.State.PUBLISHED, timezone.now(), *(job.pk for job in jobs), Job.State.PENDING],
        )
        claimed = {pk for (pk,) in cursor.fetchall()}
    eager = current_app.conf.task_always_eager
    handed = [job for job in jobs if job.pk in claimed]
    published = 0
    for at, job in enumerate(handed):
        try:
            task = import_string(job.task)
        except ImportError:
            Job.objects.filter(pk=job.pk).update(
                state=Job.State.FAILED, last_error=f"unknown task {job.task}"
            )
            continue
        try:
            task.apply_async(job.args, task_id=f"{TASK_ID_PREFIX}{job.pk}", retry=False)
        except Exception as failure:
            if eager:  # run in-process and failed: kept published, as ``relay`` does
                Job.objects.filter(pk=job.pk).update(last_error=str(failure)[:2000])
                published += 1
                continue
            logger.warning("Broker unreachable, %s waits in the outbox: %s", job, failure)
            waiting = [later.pk for later in handed[at:]]
            with connection.cursor() as cursor:
                cursor.execute(
                    _unclaim_sql(len(waiting)),
                    [Job.State.PENDING, str(failure)[:2000], *waiting, Job.State.PUBLISHED],
                )
            return published
        published += 1
    return published


def _republish_after():
    return timezone.timedelta(seconds=getattr(settings, "OUTBOX_REPUBLISH_AFTER", 2 * 60 * 60))


def relay(pks=None, limit=500):
    """Publish open jobs (``pks`` only, when given); returns how many were handed out.

    Stops at the first publishing error: the broker is down, the rows wait.
    """
    now = timezone.now()
    eager = current_app.conf.task_always_eager
    published = 0
    with transaction.atomic():
        rows = Job.objects.select_for_update(skip_locked=True).filter(
            Q(state=Job.State.PENDING)
            | Q(state=Job.State.PUBLISHED, published_at__lt=now - _republish_after())
        )
        if pks is not None:
            rows = rows.filter(pk__in=pks)
        for job in rows.order_by("pk")[:limit]:
            if job.publications >= MAX_PUBLICATIONS:
                job.state = Job.State.FAILED
                job.save(update_fields=["state"])
                continue
            try:
                task = import_string(job.task)
            except ImportError:
                job.state, job.last_error = Job.State.FAILED, f"unknown task {job.task}"
                job.save(update_fields=["state", "last_error"])
                continue
            error = ""
            try:
                # No publish retries here: the row itself is the retry.
                task.apply_async(job.args, task_id=f"{TASK_ID_PREFIX}{job.pk}", retry=False)
            except Exception as failure:
                if not eager:  # the broker refused: keep the row, try again later
                    logger.warning("Broker unreachable, %s waits in the outbox: %s", job, failure)
                    Job.objects.filter(pk=job.pk).update(last_error=str(failure)[:2000])
                    break
                error = str(failure)[:2000]  # run in-process and failed: a later relay retries
            published += 1
            # Run in-process (eager), the task may already have marked its job done:
            # then only the count of publications moves.
            Job.objects.filter(pk=job.pk).update(
                **{
                    name: Case(
                        When(state=Job.State.DONE, then=F(name)),
                        default=Value(value),
                        output_field=Job._meta.get_field(name),
                    )
                    for name, value in (
                        ("state", Job.State.PUBLISHED),
                        ("published_at", now),
                        ("last_error", error),
                    )
                },
                publications=F("publications") + 1,
            )
    return published


def job_pk(task_id):
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        try:
            return int(task_id[len(TASK_ID_PREFIX) :])
        except ValueError:
            return None
    return None


@task_success.connect
def mark_done(sender=None, **kwargs):
    """The worker finished an outbox job: it leaves the outbox."""
    pk = job_pk(getattr(sender.request, "id", None)) if sender is not None else None
    if pk is not None:
        Job.objects.filter(pk=pk).update(
            state=Job.State.DONE, done_at=timezone.now(), last_error=""
        )


def pending_count():
    return Job.objects.filter(state=Job.State.PENDING).count()
