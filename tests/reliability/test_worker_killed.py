"""A Celery worker killed mid-task: the broker hands the job out again, its effect happens once.

The jobs come from a real task completion through the outbox, on a Redis server of
the test's own; the mail server is slow (it announces each message, then waits), so
the worker is SIGKILLed while it is sending.
"""

import datetime
import time

import pytest

from notifications.models import EmailState, Job, Kind, Notification
from workflows import services as wf

from ..conftest import draft_post, open_task
from .conftest import broker, service_env, start_worker, stop, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def test_killed_worker_job_is_redelivered_and_done_once(
    redis_server, tmp_path, onboarding_a, facilitator_a, coordinator
):
    import signal

    from pagg.celery import app

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    wf.complete(open_task(onboarding_a), facilitator_a, data)
    review = open_task(onboarding_a)
    wf.claim(review, coordinator)
    before = set(Job.objects.values_list("pk", flat=True))
    seen = set(Notification.objects.values_list("pk", flat=True))
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = service_env(
        redis_server.url,
        CELERY_VISIBILITY_TIMEOUT="3",
        EMAIL_BACKEND="tests.notifications.email_backends.SlowFileBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        SLOW_MAIL_SECONDS="60",
    )
    with broker(redis_server.url):  # the completion's jobs go to our Redis on commit
        wf.complete(review, coordinator, {"decision": "return", "comment": "Falta el anexo"})
    notes = list(Notification.objects.exclude(pk__in=seen))
    jobs = Job.objects.exclude(pk__in=before)
    assert {n.kind for n in notes} == {Kind.RETURNED, Kind.ASSIGNED} and jobs.count() == 2
    assert {j.state for j in jobs} == {Job.State.PUBLISHED}

    first = start_worker(env)
    try:
        assert wait_for(lambda: any(mail_dir.glob("sending-*")), 60), "the worker never started"
    finally:
        stop(first, signal.SIGKILL)  # killed in the middle of sending
    assert [p.name for p in mail_dir.iterdir() if not p.name.startswith("sending-")] == []
    assert {j.state for j in jobs.all()} == {Job.State.PUBLISHED}  # not done, not lost

    # The unacknowledged job is handed out again after the visibility timeout; kombu
    # looks for such jobs when a worker starts, so the second one starts after it.
    time.sleep(3.5)
    second = start_worker({**env, "SLOW_MAIL_SECONDS": "0"})
    try:
        done = wait_for(lambda: set(jobs.all().values_list("state", flat=True)) == {"done"}, 90)
    finally:
        stop(second)
    assert done, list(jobs.all().values("task", "state", "last_error"))
    sent = [p for p in mail_dir.iterdir() if not p.name.startswith("sending-")]
    messages = "".join(p.read_text() for p in sent)
    for note in notes:
        note.refresh_from_db()
        assert note.email_state == EmailState.SENT and note.email_attempts == 1
        assert messages.count(f"X-Notification: {note.pk}\n") == 1
    # Redelivered by the broker, not published again by the relay.
    assert [j.publications for j in jobs.all()] == [1, 1]
