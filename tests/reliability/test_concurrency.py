"""Races through the web and beside the reminder sweep, on real PostgreSQL connections.

tests/workflows/test_concurrency.py races the services; here two people race through
the whole request (each thread its own connection), and a reminder sweep runs while
the task it reminds about is being completed.
"""

import datetime
import threading
import traceback

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from notifications import reminders
from notifications.models import Kind, Notification
from workflows import audit
from workflows import services as wf
from workflows.models import AuditEvent

from ..conftest import draft_post, make_user, open_task, start

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def _together(*actions):
    """Run the actions at the same moment, each in its own thread (and connection)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [None] * len(actions), []

    def run(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception:  # reported below, with where it happened
            errors.append(traceback.format_exc())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, "\n".join(errors)
    return results


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _draft_data():
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    return data


def _in_review(facilitator, municipality):
    process = start(facilitator, municipality)
    wf.complete(open_task(process), facilitator, _draft_data())
    return process, open_task(process)


def test_two_people_claim_through_the_web_one_wins_the_other_is_told(
    facilitator_a, coordinator, municipality_a
):
    _process, review = _in_review(facilitator_a, municipality_a)
    other = make_user("coord_b", "coordinator")
    clients = [_client(coordinator), _client(other)]
    url = reverse("workflows:task_claim", args=[review.pk])
    responses = _together(*(lambda c=c: c.post(url) for c in clients))

    locations = sorted(r["Location"] for r in responses)
    assert [r.status_code for r in responses] == [302, 302]
    assert locations == sorted([f"/tasks/{review.pk}/", reverse("workflows:queue")])
    loser = clients[[r["Location"] for r in responses].index(reverse("workflows:queue"))]
    page = loser.get(reverse("workflows:queue")).content.decode()
    assert "Otra persona ya tomó esta tarea." in page
    review.refresh_from_db()
    winner = [coordinator, other][[r["Location"] for r in responses].index(f"/tasks/{review.pk}/")]
    assert review.owner == winner and review.status == "ASSIGNED"
    assert AuditEvent.objects.filter(task=review, action="task.claimed").count() == 1


def test_double_completion_through_the_web_happens_once(facilitator_a, coordinator, municipality_a):
    process, review = _in_review(facilitator_a, municipality_a)
    wf.claim(review, coordinator)
    seen = set(Notification.objects.values_list("pk", flat=True))
    clients = [_client(coordinator), _client(coordinator)]  # two tabs, one person
    url = reverse("workflows:task_detail", args=[review.pk])
    data = {"decision": "return", "comment": "Falta el anexo"}
    responses = _together(*(lambda c=c: c.post(url, data) for c in clients))

    won = [r for r in responses if r.status_code == 302 and "/processes/" in r["Location"]]
    assert len(won) == 1
    [lost] = [r for r in responses if r is not won[0]]
    # The task is read under its process's lock, so the second request finds it done and
    # is sent back to it with the reason.
    assert lost.status_code == 302 and lost["Location"] == url
    assert "Esta tarea ya no está abierta." in (
        clients[responses.index(lost)].get(url).content.decode()
    )
    assert AuditEvent.objects.filter(task=review, action="task.completed").count() == 1
    assert (
        AuditEvent.objects.filter(process=process, action="agreement.return_for_changes").count()
        == 1
    )
    assert Agreement.objects.get(pk=process.subject_id).state == Agreement.State.RETURNED
    new = Notification.objects.exclude(pk__in=seen)
    assert sorted(new.values_list("kind", flat=True)) == sorted([Kind.RETURNED, Kind.ASSIGNED])
    assert audit.verify().ok


def test_reminder_sweep_beside_completions_is_consistent(facilitator_a, coordinator, region_a):
    from agreements.models import Municipality

    municipalities = Municipality.objects.filter(region=region_a).order_by("code")[:4]
    processes = [start(facilitator_a, m) for m in municipalities]
    tasks = [open_task(p) for p in processes]
    overdue_at = tasks[0].due_at + datetime.timedelta(days=6)

    with time_machine.travel(overdue_at, tick=True):
        results = _together(
            reminders.sweep,
            *(lambda t=t: wf.complete(t, facilitator_a, _draft_data()) for t in tasks),
        )
        # A second sweep finds nothing new about the drafts, done or reminded already.
        again = reminders.sweep()

    sent = results[0]
    for task in tasks:
        task.refresh_from_db()
        assert task.status == "DONE"
        assert AuditEvent.objects.filter(task=task, action="task.completed").count() == 1
    keys = list(Notification.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))  # nothing twice
    reminded = Notification.objects.filter(kind__in=[Kind.OVERDUE, Kind.ESCALATION])
    assert reminded.count() == len(sent)
    assert all(r.task.flow_task.name == "draft_agreement" for r in sent)
    assert not [r for r in again if r.task.pk in {t.pk for t in tasks}]
    for notice in reminded:
        event = AuditEvent.objects.filter(
            action=f"notification.{notice.kind}", after__key=notice.key
        )
        assert event.count() == 1
    result = audit.verify()
    assert result.ok, result.problems
