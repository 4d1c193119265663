"""A process's history through the API: read by whoever opens the process's page (and its
CSV), paginated in the trail's order, with personal data withheld as on the pages."""

# The shared fixtures are imported by name and taken as parameters.
# ruff: noqa: F811

import pytest

from tests.api_reads import (  # noqa: F401  (fixtures)
    ROLES,
    as_,
    conforms,
    module_media,
    queries,
    world,
    world_media,
)
from workflows import audit, selectors
from workflows.models import Process
from workflows.roles import Role

pytestmark = pytest.mark.django_db


def history(pk):
    return f"/api/processes/{pk}/history/"


@pytest.mark.parametrize("role", [*ROLES, "officer", "officer_b", "team_member", "curator"])
def test_whoever_opens_the_process_page_reads_its_history_and_nobody_else(client, world, role):
    as_(client, world, role)
    for process in (world.process_a, world.process_b):
        page = client.get(f"/processes/{process.pk}/history.csv")
        api = client.get(history(process.pk))
        if role == "anon":
            assert page.status_code == 302 and api.status_code in (401, 403)
            continue
        # One rule (permissions.can_view_process) for the page, its CSV and the API.
        assert api.status_code == page.status_code, (process, page.status_code)
        assert api.status_code in (200, 404)
        if api.status_code == 200:
            actions = [event["action"] for event in api.json()["results"]]
            assert "process.started" in actions
    expected = {
        "coordinator": (200, 200),
        "auditor": (200, 200),
        "facilitator": (200, 404),
        "facilitator_b": (404, 200),
        "specialist": (404, 404),
        "officer_b": (404, 404),
    }
    if role in expected:
        got = tuple(
            client.get(history(p.pk)).status_code for p in (world.process_a, world.process_b)
        )
        assert got == expected[role]


def test_the_history_pages_in_the_trails_order_without_overlap(client, world):
    as_(client, world, "auditor")
    trail = list(selectors.process_history(world.process_a).values_list("pk", flat=True))
    assert len(trail) > 5
    seen, url = [], history(world.process_a.pk) + "?page_size=2"
    while url:
        body = client.get(url).json()
        assert body["count"] == len(trail)
        assert len(body["results"]) <= 2
        seen += [event["id"] for event in body["results"]]
        url = body["next"]
    assert seen == trail
    # Within a chain, the trail's order is the chain's: its sequence numbers rise.
    events = client.get(history(world.process_a.pk), {"page_size": 1000}).json()["results"]
    by_chain = {}
    for event in events:
        by_chain.setdefault(event["chain_key"], []).append(event["seq"])
    assert all(seqs == sorted(seqs) for seqs in by_chain.values())
    # A page size that is none (too big, zero, a word) is refused, not replaced by another.
    for wrong in ("0", "1001", "false", ""):
        response = client.get(history(world.process_a.pk), {"page_size": wrong})
        assert response.status_code == 400, wrong
        assert "page_size" in response.json()


def test_an_event_reads_as_recorded_with_its_hash(client, world):
    as_(client, world, "auditor")
    events = client.get(history(world.process_a.pk), {"page_size": 1000}).json()["results"]
    approve = next(e for e in events if e["action"] == "agreement.approve")
    assert approve["actor"] == "coord"
    assert approve["before"]["state"] == "in_review"
    assert approve["after"]["state"] == "approved"
    assert approve["withheld"] == []
    assert len(approve["hash"]) == 64
    assert all(e["prev_hash"] for e in events)


def grant_event(world):
    """The event a hiring's onboarding writes when it makes someone the theme's specialist."""
    position = world.position
    return audit.record(
        "scope.granted",
        process=Process.for_subject(position),
        subject=position.theme,
        after={
            "user": "esp",
            "role": Role.SPECIALIST.value,
            "theme": position.theme.slug,
            "network": None,
            "project_name": "",
        },
    )


@pytest.mark.parametrize(
    "role,personal", [("coordinator", True), ("deputy", True), ("auditor", False)]
)
def test_personal_data_in_a_history_only_for_those_who_may_read_it(client, world, role, personal):
    event = grant_event(world)
    as_(client, world, role)
    url = history(Process.for_subject(world.position).pk)
    events = client.get(url, {"page_size": 1000}).json()["results"]
    granted = next(e for e in events if e["id"] == event.pk)
    assert granted["after"]["theme"] == world.position.theme.slug
    if personal:
        assert granted["after"]["user"] == "esp" and granted["withheld"] == []
    else:
        assert granted["after"]["user"] is None and granted["withheld"] == ["user"]
        # The hash still covers what was recorded; the reader just does not see it.
        assert granted["hash"] == event.hash


def test_the_history_reads_in_a_fixed_number_of_queries(client, world):
    as_(client, world, "auditor")
    process = Process.for_subject(world.position)
    url = history(process.pk)
    few = queries(client, url)
    for number in range(8):
        audit.record(
            "note.added",
            actor=world.people.coordinator if number % 2 else world.people.deputy,
            process=process,
            subject=world.position,
            after={"number": number},
        )
    assert client.get(url).json()["count"] >= 9
    assert queries(client, url) == few


def test_answers_match_the_openapi_schema(client, world):
    grant_event(world)
    as_(client, world, "auditor")
    conforms(
        client,
        "/api/processes/{id}/history/",
        history(Process.for_subject(world.position).pk),
    )
