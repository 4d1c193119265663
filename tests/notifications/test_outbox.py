"""The outbox hands a committed job to the real broker once, whoever gets to it first."""

import pytest
import redis
from django.conf import settings
from django.db import transaction

from notifications import outbox
from notifications.models import Job, Kind, Notification

from ..conftest import make_user
from ..reliability.conftest import broker

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql", "redis_broker"),
]

QUEUE = "celery"  # Celery's default queue: a Redis list of the published messages


@pytest.fixture
def queue():
    """An empty queue on the suite's Redis, this process publishing to it (not eagerly)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    with broker(settings.REDIS_URL):
        yield client
    client.flushdb()


def _note():
    person = make_user("outbox_person", "specialist")
    return Notification.objects.create(recipient=person, kind=Kind.OVERDUE, key="o1", title="T")


def _published_ids(client):
    import json

    return [json.loads(raw)["headers"]["id"] for raw in client.lrange(QUEUE, 0, -1)]


def test_a_committed_job_is_published_once_and_the_relay_finds_nothing_left(queue):
    note = _note()
    with transaction.atomic():
        job = outbox.enqueue("notifications.tasks.deliver_email", note.pk)
        assert queue.llen(QUEUE) == 0  # nothing leaves before the commit
    job.refresh_from_db()
    assert (job.state, job.publications, job.last_error) == (Job.State.PUBLISHED, 1, "")
    assert job.published_at is not None
    assert _published_ids(queue) == [f"outbox-{job.pk}"]
    assert outbox.relay() == 0
    assert outbox.hand_out([job]) == 0  # a second hand-out of the same job: nothing
    job.refresh_from_db()
    assert job.publications == 1 and queue.llen(QUEUE) == 1


def test_a_job_the_relay_took_first_is_not_handed_out_again(queue):
    note = _note()
    job = Job.objects.create(task="notifications.tasks.deliver_email", args=[note.pk])
    assert outbox.relay() == 1
    assert outbox.hand_out([job]) == 0
    job.refresh_from_db()
    assert (job.state, job.publications) == (Job.State.PUBLISHED, 1)
    assert _published_ids(queue) == [f"outbox-{job.pk}"]


def test_a_rolled_back_change_leaves_no_job_and_publishes_nothing(queue):
    note = _note()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.enqueue("notifications.tasks.deliver_email", note.pk)
            raise RuntimeError("the change fails")
    assert not Job.objects.exists() and queue.llen(QUEUE) == 0


def test_refused_by_the_broker_the_jobs_wait_pending_for_the_relay(queue):
    note = _note()
    with broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        with transaction.atomic():
            first = outbox.enqueue("notifications.tasks.deliver_email", note.pk)
            second = outbox.enqueue("notifications.tasks.deliver_email", note.pk)
    for job in (first, second):
        job.refresh_from_db()
        assert (job.state, job.publications, job.published_at) == (Job.State.PENDING, 0, None)
        assert job.last_error
    assert queue.llen(QUEUE) == 0
    assert outbox.relay() == 2
    assert sorted(_published_ids(queue)) == sorted(f"outbox-{j.pk}" for j in (first, second))


def test_a_job_for_an_unknown_task_is_given_up_at_once(queue):
    with transaction.atomic():
        job = outbox.enqueue("notifications.tasks.no_such_task", 1)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "unknown task" in job.last_error
    assert queue.llen(QUEUE) == 0 and outbox.relay() == 0


def test_a_job_a_relay_is_holding_is_skipped_not_waited_for(queue):
    """The relay has locked the row to publish it: the hand-out leaves it to the relay."""
    import threading

    from django.db import connections

    note = _note()
    job = Job.objects.create(task="notifications.tasks.deliver_email", args=[note.pk])
    locked, release = threading.Event(), threading.Event()

    def relay_holding():
        try:
            with transaction.atomic():
                Job.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=relay_holding)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        assert outbox.hand_out([job]) == 0  # at once: a wait would hang until release
    finally:
        release.set()
        holder.join(timeout=30)
    job.refresh_from_db()
    assert (job.state, job.publications) == (Job.State.PENDING, 0) and queue.llen(QUEUE) == 0
