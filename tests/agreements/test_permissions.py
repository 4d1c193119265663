"""A facilitator of one region cannot list, open, claim or act on another region's work."""

import pytest
from django.urls import reverse

from agreements.models import Agreement
from workflows import selectors
from workflows.models import AuditEvent, Process

from ..conftest import draft_post, open_task

pytestmark = pytest.mark.django_db


def test_facilitator_lists_only_own_region(client, facilitator_a, onboarding_a, onboarding_b):
    client.force_login(facilitator_a)
    processes = client.get(reverse("workflows:process_list")).content.decode()
    assert onboarding_a.title in processes
    assert onboarding_b.title not in processes
    municipalities = client.get(reverse("agreements:municipality_list") + "?q=").content.decode()
    assert onboarding_b.municipality.name not in municipalities
    api = client.get("/api/processes/").json()
    assert {p["id"] for p in api["results"]} == {onboarding_a.pk}
    agreements = client.get("/api/agreements/").json()
    assert {a["id"] for a in agreements["results"]} == {onboarding_a.subject_id}


def test_facilitator_cannot_open_other_regions_pages(client, facilitator_a, onboarding_b):
    client.force_login(facilitator_a)
    task_b = open_task(onboarding_b)
    for url in [
        reverse("workflows:process_detail", args=[onboarding_b.pk]),
        reverse("workflows:task_detail", args=[task_b.pk]),
        reverse("agreements:municipality_detail", args=[onboarding_b.municipality_id]),
        reverse("agreements:contact_create", args=[onboarding_b.municipality_id]),
        f"/api/processes/{onboarding_b.pk}/history/",
        f"/api/tasks/{task_b.pk}/",
    ]:
        assert client.get(url).status_code == 404, url


def test_facilitator_cannot_act_on_other_regions_tasks(
    client, facilitator_a, facilitator_b, onboarding_b
):
    task_b = open_task(onboarding_b)
    # Put the task back in the queue so that it could be claimed.
    client.force_login(facilitator_b)
    client.post(reverse("workflows:task_release", args=[task_b.pk]))
    task_b.refresh_from_db()
    assert task_b.owner is None
    events_before = AuditEvent.objects.count()

    client.force_login(facilitator_a)
    assert task_b not in selectors.queue(facilitator_a)
    assert client.post(reverse("workflows:task_claim", args=[task_b.pk])).status_code == 404
    assert client.post(f"/api/tasks/{task_b.pk}/claim/").status_code == 404
    assert (
        client.post(reverse("workflows:task_detail", args=[task_b.pk]), draft_post()).status_code
        == 404
    )
    response = client.post(
        reverse("agreements:contact_create", args=[onboarding_b.municipality_id]),
        {"date": "2026-11-20", "kind": "call", "participants": "x", "agreed": "y"},
    )
    assert response.status_code == 404
    task_b.refresh_from_db()
    assert task_b.owner is None and task_b.status == "NEW"
    assert AuditEvent.objects.count() == events_before
    assert Agreement.objects.get(pk=onboarding_b.subject_id).state == "draft"


def test_facilitator_cannot_start_onboarding_outside_scope(client, facilitator_a, municipality_b):
    client.force_login(facilitator_a)
    from ..conftest import AUTHORITIES

    response = client.post(
        reverse("agreements:start_onboarding"), {"municipality": municipality_b.pk, **AUTHORITIES}
    )
    assert response.status_code == 200  # the form refuses the choice
    assert "municipality" in response.context["form"].errors
    assert not Process.objects.filter(municipality=municipality_b).exists()


def test_officer_sees_only_own_municipality(
    client, db, municipality_a, municipality_b, coordinator
):
    from agreements import scope
    from workflows.roles import Role

    from ..conftest import make_user

    officer = make_user("officer", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer, municipality_a, by=coordinator)
    client.force_login(officer)
    names = [m["name"] for m in client.get("/api/municipalities/").json()["results"]]
    assert names == [municipality_a.name]
    url = reverse("agreements:municipality_detail", args=[municipality_b.pk])
    assert client.get(url).status_code == 404


def test_revoking_scope_removes_access(client, facilitator_a, region_a, onboarding_a, coordinator):
    from django.contrib.auth import get_user_model

    from agreements import scope

    scope.revoke_facilitator_region(facilitator_a, region_a, by=coordinator)
    user = get_user_model().objects.get(pk=facilitator_a.pk)
    client.force_login(user)
    url = reverse("agreements:municipality_detail", args=[onboarding_a.municipality_id])
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="scope.revoked", subject_id=str(region_a.pk)).exists()


def test_auditor_reads_every_history_and_changes_nothing(
    client, auditor, onboarding_a, onboarding_b, facilitator_b
):
    client.force_login(auditor)
    for process in (onboarding_a, onboarding_b):
        page = client.get(reverse("workflows:process_detail", args=[process.pk]))
        assert page.status_code == 200 and "Proceso iniciado" in page.content.decode()
        assert client.get(f"/api/processes/{process.pk}/history/").json()
    task_b = open_task(onboarding_b)
    client.force_login(facilitator_b)
    client.post(reverse("workflows:task_release", args=[task_b.pk]))
    client.force_login(auditor)
    events_before = AuditEvent.objects.count()
    assert client.post(reverse("workflows:task_claim", args=[task_b.pk])).status_code in (403, 404)
    assert client.post(f"/api/tasks/{task_b.pk}/claim/").status_code in (403, 404)
    assert (
        client.post(reverse("workflows:task_detail", args=[task_b.pk]), draft_post()).status_code
        == 403
    )
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    for action in ("suspend", "terminate"):
        url = reverse("agreements:agreement_change", args=[agreement.pk, action])
        assert client.post(url).status_code == 403
    assert client.post(reverse("agreements:start_onboarding"), {}).status_code == 403
    task_b.refresh_from_db()
    assert task_b.owner is None
    assert AuditEvent.objects.count() == events_before


def test_coordinator_reassign_only_to_candidates(
    client, coordinator, onboarding_a, facilitator_a, facilitator_b
):
    task = open_task(onboarding_a)
    client.force_login(coordinator)
    response = client.post(
        reverse("workflows:task_reassign", args=[task.pk]), {"owner": facilitator_b.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == facilitator_a  # facilitator_b is not a candidate: refused
    other = __import__("tests.conftest", fromlist=["make_user"]).make_user("fac_a2", "facilitator")
    from agreements import scope

    scope.grant_facilitator_municipality(other, onboarding_a.municipality, by=coordinator)
    client.post(reverse("workflows:task_reassign", args=[task.pk]), {"owner": other.pk})
    task.refresh_from_db()
    assert task.owner == other
    assert AuditEvent.objects.filter(task=task, action="task.reassigned").count() == 1


def test_grant_scope_command_grants_and_revokes(db, coordinator, region_b, municipality_b):
    from io import StringIO

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from agreements import scope
    from workflows.roles import Role

    from ..conftest import make_user

    make_user("newfac", Role.FACILITATOR)
    call_command(
        "grant_scope",
        "newfac",
        role="facilitator",
        region=region_b.code,
        by="coord",
        stdout=StringIO(),
    )
    user = get_user_model().objects.get(username="newfac")
    assert user.has_perm(scope.FACILITATE, municipality_b)
    event = AuditEvent.objects.get(
        action="scope.granted", subject_id=str(region_b.pk), actor=coordinator
    )
    assert event.after["user"] == "newfac"
    call_command(
        "grant_scope",
        "newfac",
        role="facilitator",
        region=region_b.code,
        revoke=True,
        stdout=StringIO(),
    )
    user = get_user_model().objects.get(username="newfac")
    assert not user.has_perm(scope.FACILITATE, municipality_b)


def test_coordinator_grants_scope_from_the_scopes_page(
    client, coordinator, region_b, municipality_b
):
    from django.contrib.auth import get_user_model

    from agreements import scope
    from workflows.roles import Role

    from ..conftest import make_user

    newcomer = make_user("newcomer", Role.FACILITATOR)
    client.force_login(coordinator)
    response = client.post(
        reverse("agreements:scope_list"),
        {"user": newcomer.pk, "role": "facilitator", "region": region_b.pk, "action": "grant"},
    )
    assert response.status_code == 302
    page = client.get(reverse("agreements:scope_list")).content.decode()
    assert "newcomer" in page and region_b.name in page
    user = get_user_model().objects.get(pk=newcomer.pk)
    assert user.has_perm(scope.FACILITATE, municipality_b)
    # both a state and a municipality, or neither: refused with a message
    response = client.post(
        reverse("agreements:scope_list"),
        {"user": newcomer.pk, "role": "facilitator", "action": "grant"},
    )
    assert "Elija una entidad federal o un municipio." in response.content.decode()


def test_only_coordinators_reach_the_scopes_page(client, facilitator_a, auditor, region_b):
    for user in (facilitator_a, auditor):
        client.force_login(user)
        assert client.get(reverse("agreements:scope_list")).status_code == 403
        response = client.post(
            reverse("agreements:scope_list"),
            {"user": user.pk, "role": "facilitator", "region": region_b.pk, "action": "grant"},
        )
        assert response.status_code == 403
