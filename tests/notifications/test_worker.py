"""A real Celery worker on the machine's Redis, killed mid-send and restarted."""

import os
import signal
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from notifications.models import EmailState, Kind, Notification

from ..conftest import make_user
from ..reliability.conftest import start_worker, wait_for

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql", "redis_broker"),
]


def test_killed_worker_loses_nothing_and_doubles_nothing(tmp_path):
    from notifications.tasks import deliver_email
    from pagg.celery import app

    broker = settings.REDIS_URL  # the suite's own Redis database, also the app's broker
    redis.Redis.from_url(broker).flushdb()
    app.conf.task_always_eager = False
    people = [make_user(f"w{i}", "specialist") for i in range(3)]
    notes = [
        Notification.objects.create(
            recipient=p, kind=Kind.OVERDUE, key=f"w{p.pk}", title=f"T{p.pk}"
        )
        for p in people
    ]
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "REDIS_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "EMAIL_BACKEND": "tests.notifications.email_backends.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SLOW_MAIL_SECONDS": "30",
        "PYTHONPATH": str(ROOT),
    }
    try:
        for note in notes:
            deliver_email.delay(note.pk)
        first = start_worker(env)
        try:
            assert wait_for(lambda: any(mail_dir.glob("sending-*")), 60), "worker never started"
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # killed in the middle of sending
            first.wait(timeout=10)
        assert not [p for p in mail_dir.iterdir() if not p.name.startswith("sending-")]
        assert Notification.objects.filter(email_state=EmailState.SENT).count() == 0

        # The broker hands an unacknowledged job out again once the visibility timeout
        # has passed; kombu looks for such jobs when a worker starts (and then only
        # every ~100 s), so the second worker starts after the timeout.
        time.sleep(3.5)
        second = start_worker({**env, "SLOW_MAIL_SECONDS": "0"})
        try:
            done = wait_for(
                lambda: Notification.objects.filter(email_state=EmailState.SENT).count() == 3, 90
            )
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=20)
        assert done, "redelivered jobs were not completed"
        sent_files = [p for p in mail_dir.iterdir() if not p.name.startswith("sending-")]
        messages = "".join(p.read_text() for p in sent_files)
        for note in notes:
            assert messages.count(f"X-Notification: {note.pk}\n") == 1
    finally:
        app.conf.task_always_eager = True
