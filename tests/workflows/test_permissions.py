"""Quick permission answers agree with the thorough ones they stand in for."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from guardian.backends import ObjectPermissionBackend as Guardian
from guardian.exceptions import WrongAppError
from guardian.shortcuts import assign_perm

from agreements import scope
from agreements.scope import FACILITATE, REPRESENT
from workflows import permissions, services
from workflows.backends import ObjectPermissionBackend as Ours
from workflows.models import Task
from workflows.roles import Role

from ..conftest import draft_post, make_user, open_task, start


def test_one_task_visibility_agrees_with_the_filter_for_every_person_and_task(
    facilitator_a, facilitator_b, coordinator, auditor, municipality_a, municipality_b, region_a
):
    from agreements.models import Municipality

    officer = make_user("off_a", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer, municipality_a, by=coordinator)
    helper = make_user("fac_a_helper", Role.FACILITATOR)  # one municipality of the region
    second = Municipality.objects.filter(region=region_a).order_by("code")[1]
    scope.grant_facilitator_municipality(helper, second, by=coordinator)
    specialist = make_user("spec", Role.SPECIALIST)
    outsider = make_user("nobody", Role.FACILITATOR)  # a facilitator without territory

    drafting = start(facilitator_a, municipality_a)  # draft assigned to fac_a
    in_review = start(facilitator_b, municipality_b)
    services.complete(open_task(in_review), facilitator_b, draft_post())  # coordinators' queue
    queued = start(facilitator_a, second)
    services.release(open_task(queued), facilitator_a)  # back in the facilitators' queue
    tasks = list(Task.objects.filter(flow_task_type="HUMAN").order_by("pk"))
    assert {t.status for t in tasks} >= {"ASSIGNED", "NEW", "DONE"}

    people = [facilitator_a, facilitator_b, coordinator, auditor, officer, helper]
    people += [specialist, outsider]
    seen = {}
    for person in people:
        for task in tasks:
            fresh = get_user_model().objects.get(pk=person.pk)  # caches as a new request
            by_filter = Task.objects.filter(
                permissions.task_visibility_filter(fresh), pk=task.pk
            ).exists()
            fresh = get_user_model().objects.get(pk=person.pk)
            assert permissions.can_view_task(fresh, task) == by_filter, (person, task)
            seen[person.username, task.pk] = by_filter
    # The cases the check answers differently are all present: own, territory, queue, none.
    assert seen["fac_a", open_task(drafting).pk] and seen["coord", open_task(in_review).pk]
    assert seen["fac_a_helper", open_task(queued).pk]
    assert not seen["fac_b", open_task(drafting).pk] and not seen["nobody", open_task(queued).pk]


def test_object_permissions_answer_as_guardian_does(
    facilitator_a, coordinator, municipality_a, municipality_b, region_a
):
    """Our backend against guardian's own, for direct, group, inactive and superusers."""

    team = Group.objects.create(name="equipo_b")
    by_group = make_user("by_group", Role.FACILITATOR)
    by_group.groups.add(team)
    assign_perm(FACILITATE, team, municipality_b)
    inactive = make_user("gone", Role.FACILITATOR, is_active=False)
    assign_perm(FACILITATE, inactive, municipality_a)
    root = make_user("root", Role.COORDINATOR, is_superuser=True)
    people = [facilitator_a, coordinator, by_group, inactive, root]
    objects = [municipality_a, municipality_b, region_a]
    perms = [FACILITATE, REPRESENT, "facilitate_municipality", "agreements.facilitate_region"]
    answers = set()
    for person in people:
        for obj in objects:
            for perm in perms:
                fresh = get_user_model().objects.get(pk=person.pk)
                expected = Guardian().has_perm(fresh, perm, obj)
                assert Ours().has_perm(fresh, perm, obj) == expected, (person, perm, obj)
                answers.add((person.username, str(obj), perm, expected))
    assert ("by_group", str(municipality_b), FACILITATE, True) in answers
    assert ("by_group", str(municipality_a), FACILITATE, False) in answers
    assert ("gone", str(municipality_a), FACILITATE, False) in answers
    assert ("root", str(municipality_b), REPRESENT, True) in answers
    assert ("fac_a", str(municipality_a), FACILITATE, True) in answers
    with pytest.raises(WrongAppError):
        Ours().has_perm(facilitator_a, "workflows.manage_tasks", municipality_a)
    assert facilitator_a.has_perm(FACILITATE, municipality_a)  # through the settings
