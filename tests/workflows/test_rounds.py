"""Rounds of work: a return shows its comment, goes back to its people, and shows what changed."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workflows import rounds
from workflows.models import AuditEvent
from workflows.roles import Role

from ..conftest import draft_post, make_user, open_task

pytestmark = pytest.mark.django_db


def complete(client, user, task, data):
    client.force_login(user)
    if task.owner_id != user.pk:
        client.post(reverse("workflows:task_claim", args=[task.pk]))
    response = client.post(reverse("workflows:task_detail", args=[task.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def page(client, user, task):
    client.force_login(user)
    return client.get(reverse("workflows:task_detail", args=[task.pk])).content.decode()


def returned_once(client, onboarding, facilitator, coordinator, comment="Precisar compromisos"):
    complete(client, facilitator, open_task(onboarding), draft_post())
    review = open_task(onboarding)
    complete(client, coordinator, review, {"decision": "return", "comment": comment})
    return review


def test_a_review_keeps_its_decision_on_the_task_and_in_the_trail(
    client, onboarding_a, facilitator_a, coordinator
):
    review = returned_once(client, onboarding_a, facilitator_a, coordinator)
    review.refresh_from_db()
    assert rounds.decision_of(review) == "return"
    event = AuditEvent.objects.get(task=review, action="task.completed")
    assert event.after == {"decision": "return"} and event.comment == "Precisar compromisos"
    # A step that decides nothing records no decision.
    draft = onboarding_a.task_set.get(flow_task_type="HUMAN", status="DONE", pk__lt=review.pk)
    assert rounds.decision_of(draft) is None
    assert AuditEvent.objects.get(task=draft, action="task.completed").after is None


def test_the_rework_opens_with_the_reviewers_comment_at_the_top(
    client, onboarding_a, facilitator_a, coordinator
):
    first = open_task(onboarding_a)
    assert 'id="returned"' not in page(client, facilitator_a, first)

    returned_once(client, onboarding_a, facilitator_a, coordinator, comment="Falta el plazo")
    rework = open_task(onboarding_a)
    assert rework.flow_task.name == "draft_agreement"
    html = page(client, facilitator_a, rework)
    banner = html.split('id="returned"', 1)[1].split("</section>", 1)[0]
    assert "Falta el plazo" in banner
    assert (coordinator.get_full_name() or coordinator.username) in banner
    assert "Devuelto con observaciones" in banner
    # The banner comes before the form: the comment is read first.
    assert html.index('id="returned"') < html.index('id="complete"')


def test_an_approval_opens_no_rework_banner(client, onboarding_a, facilitator_a, coordinator):
    complete(client, facilitator_a, open_task(onboarding_a), draft_post())
    complete(
        client, coordinator, open_task(onboarding_a), {"decision": "approve", "comment": "Bien"}
    )
    upload = open_task(onboarding_a)
    assert upload.flow_task.name == "upload_signed_agreement"
    assert rounds.sent_back_by(upload) is None
    assert 'id="returned"' not in page(client, facilitator_a, upload)


def test_the_second_review_goes_to_the_coordinator_who_returned_it(
    client, onboarding_a, facilitator_a, coordinator
):
    make_user("coord2", Role.COORDINATOR)  # another candidate, who must not get it
    returned_once(client, onboarding_a, facilitator_a, coordinator)
    complete(client, facilitator_a, open_task(onboarding_a), draft_post(scope="Otra"))
    second = open_task(onboarding_a)
    assert second.flow_task.name == "review_agreement"
    assert second.owner == coordinator and second.status == "ASSIGNED"
    assert AuditEvent.objects.filter(task=second, action="task.assigned").exists()


def test_the_second_review_goes_to_the_queue_when_the_reviewer_may_no_longer_take_it(
    client, onboarding_a, facilitator_a, coordinator
):
    returned_once(client, onboarding_a, facilitator_a, coordinator)
    coordinator.groups.remove(Group.objects.get(name=Role.COORDINATOR))
    complete(client, facilitator_a, open_task(onboarding_a), draft_post(scope="Otra"))
    second = open_task(onboarding_a)
    assert second.flow_task.name == "review_agreement"
    assert second.owner is None and second.status == "NEW"


def test_the_second_round_shows_what_changed_field_by_field(
    client, onboarding_a, facilitator_a, coordinator
):
    first_review = open_task(onboarding_a)
    complete(client, facilitator_a, first_review, draft_post())
    review = open_task(onboarding_a)
    assert 'id="changes"' not in page(client, coordinator, review)  # a first round
    complete(client, coordinator, review, {"decision": "return", "comment": "Precisar"})

    complete(
        client,
        facilitator_a,
        open_task(onboarding_a),
        draft_post(commitments="Publicar la ejecución trimestral"),
    )
    second = open_task(onboarding_a)
    html = page(client, coordinator, second)
    table = html.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "Compartir la información presupuestaria" in table  # before
    assert "Publicar la ejecución trimestral" in table  # now
    assert "commitments" not in table  # the field's label, not its code
    assert "Gestión financiera" not in table  # unchanged fields are not listed
    assert "in_review" not in table and "returned" not in table  # nor the state


def test_the_task_page_reads_as_many_rows_whatever_changed(
    client, onboarding_a, facilitator_a, coordinator, municipality_a
):
    """The changes table reads the trail once, however many fields changed."""

    def second_review_queries(**edits):
        complete(client, facilitator_a, open_task(onboarding_a), draft_post(**edits))
        second = open_task(onboarding_a)
        client.force_login(coordinator)
        url = reverse("workflows:task_detail", args=[second.pk])
        client.get(url)  # warm the per-process caches (content types, permissions)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        complete(client, coordinator, second, {"decision": "return", "comment": "Otra vez"})
        return len(queries)

    returned_once(client, onboarding_a, facilitator_a, coordinator)
    one_field = second_review_queries(scope="Alcance nuevo")
    many_fields = second_review_queries(
        scope="Otro alcance", commitments="Otros compromisos", contacts="Otra persona"
    )
    assert one_field == many_fields


def test_the_note_left_on_passing_the_work_on_reaches_the_next_step(
    client, onboarding_a, facilitator_a, coordinator
):
    returned_once(client, onboarding_a, facilitator_a, coordinator, comment="Falta el plazo")
    rework = open_task(onboarding_a)
    assert 'id="previous-note"' not in page(client, facilitator_a, rework)  # a return, not a note
    complete(client, facilitator_a, rework, draft_post(comment="Listo: plazo de dos años"))
    second = open_task(onboarding_a)
    html = page(client, coordinator, second)
    note = html.split('id="previous-note"', 1)[1].split("</section>", 1)[0]
    assert "Listo: plazo de dos años" in note
    assert (facilitator_a.get_full_name() or facilitator_a.username) in note
    assert rounds.handed_over_by(second).pk == rounds.came_from(second).pk
    assert rounds.sent_back_by(second) is None


def test_a_step_passed_on_without_a_note_shows_none(
    client, onboarding_a, facilitator_a, coordinator
):
    complete(client, facilitator_a, open_task(onboarding_a), draft_post(comment=""))
    review = open_task(onboarding_a)
    assert rounds.came_from(review).flow_task.name == "draft_agreement"
    assert 'id="previous-note"' not in page(client, coordinator, review)
