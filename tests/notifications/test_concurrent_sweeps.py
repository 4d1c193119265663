"""Two sweeps at once on PostgreSQL send each reminder once."""

import datetime
import threading

import pytest
import time_machine
from django.db import connections

from notifications import reminders
from notifications.models import Notification

from ..conftest import make_user, open_task, start

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def test_concurrent_sweeps_send_once(facilitator_a, coordinator, region_a):
    from agreements.models import Municipality

    processes = [start(facilitator_a, m) for m in Municipality.objects.filter(region=region_a)[:8]]
    due = open_task(processes[0]).due_at
    make_user("coord2", "coordinator")
    results = []
    barrier = threading.Barrier(3)

    def run():
        try:
            with time_machine.travel(due + datetime.timedelta(days=6), tick=False):
                barrier.wait()
                results.append(len(reminders.sweep()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # 8 overdue reminders + 8 tasks x 2 coordinators escalations, sent by exactly one sweep
    expected = 8 + 8 * 2
    assert sorted(results) == [0, 0, expected] or sum(results) == expected
    keys = list(Notification.objects.exclude(kind="assigned").values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == expected
    with time_machine.travel(due + datetime.timedelta(days=6, hours=1), tick=False):
        assert reminders.sweep() == []
