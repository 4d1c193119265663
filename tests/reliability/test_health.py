"""The operators' probes: alive, and ready (database, Redis, the outbox's oldest job),
answered in JSON without a session; Redis stopped makes the node unready, not broken."""

import datetime
import socket

import pytest
from django.utils import timezone

from notifications.models import Job
from pagg import health

pytestmark = pytest.mark.django_db


def closed_port():
    """A local port nothing listens on: Redis as it is when stopped."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_alive_answers_without_a_session_or_a_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_checks_the_database_and_redis(client, settings, redis_broker):
    response = client.get("/health/ready/")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {
        "ok": True,
        "used": True,
        "ms": body["checks"]["redis"]["ms"],
    }
    assert body["checks"]["outbox"] == {"ok": True, "waiting": 0, "oldest_waiting_seconds": 0}


def test_with_redis_stopped_the_node_is_unready_in_json(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/health/ready/")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is True
    assert client.get("/health/").status_code == 200  # alive all the same


def test_the_embedded_default_needs_no_redis(client, settings):
    settings.REDIS_URL = ""
    body = client.get("/health/ready/").json()
    assert body["status"] == "ok" and body["checks"]["redis"] == {"ok": True, "used": False}


def test_ready_reports_the_oldest_waiting_job_and_flags_a_stuck_outbox(client, settings):
    settings.REDIS_URL = ""
    Job.objects.create(task="notifications.tasks.sweep", state=Job.State.PENDING)
    stuck = Job.objects.create(task="notifications.tasks.sweep", state=Job.State.PENDING)
    Job.objects.create(task="notifications.tasks.sweep", state=Job.State.DONE)
    waited = health.OUTBOX_MAX_WAIT + 60
    Job.objects.filter(pk=stuck.pk).update(
        created=timezone.now() - datetime.timedelta(seconds=waited)
    )
    response = client.get("/health/ready/")
    outbox = response.json()["checks"]["outbox"]
    assert outbox["waiting"] == 2 and outbox["ok"] is False
    assert waited <= outbox["oldest_waiting_seconds"] < waited + 60
    assert response.status_code == 200  # a stuck outbox is the workers', not this node's
