"""The one-task visibility check says what the visibility filter says, for every role."""

from django.contrib.auth import get_user_model

from agreements import scope
from workflows import permissions, services
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
