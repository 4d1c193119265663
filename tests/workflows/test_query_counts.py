"""Queue, inbox and history pages cost the same number of queries at any data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import Municipality
from workflows import services

from ..conftest import draft_post, open_task, start

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(facilitator, region, count, offset):
    import datetime

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    processes = []
    for municipality in Municipality.objects.filter(region=region).order_by("code")[
        offset : offset + count
    ]:
        process = start(facilitator, municipality)
        processes.append(process)
    # half of them submitted, so that coordinators have a queue
    for process in processes[::2]:
        services.complete(open_task(process), facilitator, dict(data))
    return processes


def test_constant_queries_on_queue_inbox_and_history(client, facilitator_a, coordinator, region_a):
    first = _grow(facilitator_a, region_a, 2, 0)
    pages = {
        "inbox": (facilitator_a, reverse("workflows:inbox")),
        "queue": (coordinator, reverse("workflows:queue")),
        "processes": (facilitator_a, reverse("workflows:process_list")),
        "history": (coordinator, reverse("workflows:process_detail", args=[first[0].pk])),
        "municipality": (
            facilitator_a,
            reverse("agreements:municipality_detail", args=[first[0].municipality_id]),
        ),
    }
    small = {}
    for name, (user, url) in pages.items():
        client.force_login(user)
        small[name] = _queries(client, url)
    _grow(facilitator_a, region_a, 12, 2)
    # more events in the history too
    for process in [first[0]]:
        task = open_task(process)
        if task.owner is None:
            services.claim(task, coordinator)
    for name, (user, url) in pages.items():
        client.force_login(user)
        assert _queries(client, url) <= small[name], name


def test_queue_page_has_a_query_budget(
    client, django_assert_max_num_queries, facilitator_a, coordinator, region_a
):
    _grow(facilitator_a, region_a, 6, 0)
    client.force_login(coordinator)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("workflows:queue"))
    assert len(response.context["page"].object_list) == 3


def test_queue_filters_by_municipality(client, facilitator_a, coordinator, region_a):
    processes = _grow(facilitator_a, region_a, 4, 0)
    client.force_login(coordinator)
    target = processes[0].municipality
    page = client.get(reverse("workflows:queue") + f"?municipality={target.pk}")
    rows = page.context["page"].object_list
    assert [task.municipality_id for task in rows] == [target.pk]
    assert (str(target.pk), target.name) in page.context["municipalities"]


def test_a_queue_over_many_municipalities_asks_for_a_name(
    client, facilitator_a, coordinator, region_a, monkeypatch
):
    """A national coordinator's queue spans thousands of municipalities: no giant list."""
    from workflows import selectors

    processes = _grow(facilitator_a, region_a, 6, 0)
    monkeypatch.setattr(selectors, "MUNICIPALITY_CHOICES", 2)
    client.force_login(coordinator)
    page = client.get(reverse("workflows:queue"))
    assert page.context["municipalities"] is None
    assert b'name="municipality_name"' in page.content
    assert b'<select name="municipality">' not in page.content
    target = processes[2].municipality
    by_name = client.get(reverse("workflows:queue") + f"?municipality_name={target.name.upper()}")
    assert [task.municipality_id for task in by_name.context["page"].object_list] == [target.pk]
    by_code = client.get(reverse("workflows:queue") + f"?municipality_name={target.code}")
    assert [task.municipality_id for task in by_code.context["page"].object_list] == [target.pk]


def test_queue_reads_the_permissions_once_per_request(
    client, django_assert_max_num_queries, facilitator_a, region_a
):
    """The list and its municipality choices share one candidate filter."""
    from guardian.models import UserObjectPermission

    _grow(facilitator_a, region_a, 2, 0)
    client.force_login(facilitator_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("workflows:queue"))
    assert response.status_code == 200
    table = UserObjectPermission._meta.db_table
    reads = [q for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"]]
    from workflows.roles import scoped_role_permissions

    assert len(reads) == len(scoped_role_permissions())


@pytest.mark.usefixtures("postgresql")
def test_completing_from_the_task_page_reads_the_task_once_under_the_lock(
    client, facilitator_a, region_a
):
    """The page locks the process first, so the completion has no second read to do."""
    from workflows.models import Task

    process = _grow(facilitator_a, region_a, 2, 0)[1]  # the first is submitted already
    task = open_task(process)
    client.force_login(facilitator_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("workflows:task_detail", args=[task.pk]), draft_post())
    assert response.status_code == 302 and f"/processes/{process.pk}/" in response["Location"]
    sqls = [q["sql"] for q in ctx.captured_queries]
    table = Task._meta.db_table
    reads = [
        i for i, sql in enumerate(sqls) if sql.startswith("SELECT") and f'FROM "{table}"' in sql
    ]
    [lock] = [i for i, sql in enumerate(sqls) if "FOR NO KEY UPDATE" in sql]
    assert len(reads) == 1 and reads[0] > lock, sqls[: max(reads + [lock]) + 1]
    assert Task.objects.get(pk=task.pk).status == "DONE"


def test_every_flow_locks_its_process_as_the_task_page_does():
    """``locks.holding_process_of_task`` takes ``ProcessLock``'s lock: every flow uses it."""
    from workflows.locks import ProcessLock
    from workflows.registry import flows

    assert flows() and all(isinstance(flow.lock_impl, ProcessLock) for flow in flows())


def test_the_start_form_reads_its_choices_with_their_state(
    client, facilitator_a, coordinator, region_a, region_b
):
    """Each choice is labelled "Municipality (State)": one query for all, not one each."""
    from agreements import scope

    client.force_login(facilitator_a)
    url = reverse("agreements:start_onboarding")
    _queries(client, url)  # caches filled once per process (content types)
    few = _queries(client, url)
    scope.grant_facilitator_region(facilitator_a, region_b, by=coordinator)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    content = response.content.decode()
    for region in (region_a, region_b):
        municipality = Municipality.objects.filter(region=region).order_by("code").first()
        assert f">{municipality.name} ({region.name})<" in content
    assert Municipality.objects.filter(region__in=[region_a, region_b]).count() > 30
    assert len(ctx.captured_queries) == few
