"""One task completed twice at the same moment, on real PostgreSQL connections: through
the API twice, and through the API and the task's page, which share one service."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from workflows.models import AuditEvent, Task

from ..conftest import draft_post, open_task
from .test_api_facilitator_day import basic_client

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def through_api(task_pk):
    response = basic_client("fac_a").post(
        f"/api/tasks/{task_pk}/complete/", draft_post(), content_type="application/json"
    )
    return {200: "done", 409: "refused"}.get(response.status_code, response.status_code)


def through_page(task_pk, user):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("workflows:task_detail", args=[task_pk]), draft_post())
    if response.status_code != 302:
        return response.status_code
    done = response["Location"].startswith("/processes/")
    return "done" if done else "refused"  # refused: back to the task page, with why


@pytest.mark.parametrize("second", ["api", "page"])
def test_two_concurrent_completes_one_wins(onboarding_a, facilitator_a, second):
    task = open_task(onboarding_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(how):
        try:
            barrier.wait()
            outcomes.append(through_api(task.pk) if how == "api" else through_page(task.pk, how))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(how,))
        for how in ("api", "api" if second == "api" else facilitator_a)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["done", "refused"], outcomes
    assert AuditEvent.objects.filter(task=task, action="task.completed").count() == 1
    task.refresh_from_db()
    assert task.status == "DONE"
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.IN_REVIEW
    reviews = Task.objects.filter(process=onboarding_a, flow_task_type="HUMAN", status="NEW")
    assert reviews.count() == 1  # the process moved on once
