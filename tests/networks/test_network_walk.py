"""Network setup walked by each role: a return, two facilitators inviting in parallel, launch."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agreements import scope
from agreements.models import Municipality
from networks import services
from networks.models import Invitation, Membership, Network
from tests.conftest import make_user
from workflows.models import Process, Task
from workflows.roles import Role


def open_tasks(process):
    return list(
        Task.objects.filter(
            process=process, flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"]
        ).order_by("pk")
    )


@pytest.fixture
def lead(db):
    return make_user("esp_red", Role.SPECIALIST)


@pytest.fixture
def targets(municipality_a, municipality_b, region_a):
    other_a = Municipality.objects.filter(region=region_a).exclude(pk=municipality_a.pk).first()
    members = [municipality_a, other_a, municipality_b]
    Municipality.objects.filter(pk__in=[m.pk for m in members]).update(is_member=True)
    return members


def propose(client, lead, targets, theme_slug="finanzas-municipales"):
    from networks.models import Theme

    client.force_login(lead)
    response = client.post(
        reverse("networks:propose"),
        {
            "theme": Theme.objects.get(slug=theme_slug).pk,
            "name": "Red de finanzas municipales",
            "sector": "Hacienda",
            "objectives": "Compartir prácticas de recaudación.",
            "visibility": "public",
            "target_municipalities": [m.pk for m in targets],
        },
    )
    network = Network.objects.get()
    assert response["Location"] == network.get_absolute_url()
    return network


def test_proposal_return_design_parallel_invitations_and_launch(
    client, lead, targets, coordinator, facilitator_a, facilitator_b
):
    officer = make_user("off_a", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(officer, targets[0], by=coordinator)
    network = propose(client, lead, targets)
    process = Process.for_subject(network)
    (review,) = open_tasks(process)
    assert review.flow_task.name == "review_proposal"

    client.force_login(coordinator)
    client.post(reverse("workflows:task_claim", args=[review.pk]))
    client.post(
        reverse("workflows:task_detail", args=[review.pk]),
        {"decision": "return", "comment": "Precise los objetivos"},
    )
    network.refresh_from_db()
    assert network.state == Network.State.PROPOSED and network.review_comment
    (revision,) = open_tasks(process)
    assert revision.flow_task.name == "revise_proposal" and revision.owner == lead

    client.force_login(lead)
    client.post(
        reverse("workflows:task_detail", args=[revision.pk]),
        {
            "theme": network.theme_id,
            "name": "Red de finanzas municipales",
            "sector": "Hacienda",
            "objectives": "Aumentar la recaudación propia un 20 %.",
            "visibility": "public",
            "target_municipalities": [m.pk for m in targets],
            "comment": "",
        },
    )
    (review,) = open_tasks(process)
    client.force_login(coordinator)
    client.post(reverse("workflows:task_claim", args=[review.pk]))
    client.post(
        reverse("workflows:task_detail", args=[review.pk]), {"decision": "approve", "comment": ""}
    )
    (design,) = open_tasks(process)
    assert design.flow_task.name == "design" and design.owner == lead

    client.force_login(lead)
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    client.post(
        reverse("workflows:task_detail", args=[design.pk]),
        {
            "concept": "Red de aprendizaje entre pares.",
            "work_plan": "Tres encuentros y un banco de soluciones.",
            "activities": "Talleres",
            "calendar": "2027-02-15: Primer encuentro\n2027-05-10: Segundo encuentro",
            "invitation_deadline": deadline.isoformat(),
            "comment": "",
        },
    )
    network.refresh_from_db()
    assert network.state == Network.State.INVITING and network.calendar.count() == 2

    # One task per facilitator, each with their own municipalities, in parallel.
    invites = open_tasks(process)
    assert {t.owner for t in invites} == {facilitator_a, facilitator_b}
    by_owner = {t.owner: t for t in invites}
    assert sorted(by_owner[facilitator_a].data["municipalities"]) == sorted(
        [targets[0].pk, targets[1].pk]
    )
    assert by_owner[facilitator_b].data["municipalities"] == [targets[2].pk]
    assert timezone.localtime(by_owner[facilitator_a].due_at).date() == deadline

    # A facilitator cannot answer for the other's municipalities.
    client.force_login(facilitator_b)
    response = client.post(
        reverse("workflows:task_detail", args=[by_owner[facilitator_a].pk]),
        {f"answer_{targets[0].pk}": "accepted"},
    )
    assert response.status_code in (403, 404)
    assert not network.invitations.exclude(answer="pending").exists()

    client.force_login(facilitator_a)
    client.post(
        reverse("workflows:task_detail", args=[by_owner[facilitator_a].pk]),
        {
            f"answer_{targets[0].pk}": "accepted",
            f"answer_{targets[1].pk}": "declined",
            f"note_{targets[1].pk}": "Sin personal para participar",
            "comment": "",
        },
    )
    network.refresh_from_db()
    assert network.state == Network.State.INVITING  # waits for the other facilitator

    client.force_login(facilitator_b)
    client.post(
        reverse("workflows:task_detail", args=[by_owner[facilitator_b].pk]),
        {f"answer_{targets[2].pk}": "accepted", "comment": ""},
    )
    network.refresh_from_db()
    assert network.state == Network.State.ACTIVE and network.launched_on
    answers = dict(network.invitations.values_list("municipality_id", "answer"))
    assert answers == {
        targets[0].pk: "accepted",
        targets[1].pk: "declined",
        targets[2].pk: "accepted",
    }
    roles = dict(network.memberships.values_list("user__username", "role"))
    assert roles == {
        "esp_red": Membership.Role.COORDINATOR,
        "off_a": Membership.Role.MEMBER,
        "fac_a": Membership.Role.MEMBER,
        "fac_b": Membership.Role.MEMBER,
    }
    assert Process.for_subject(network).finished is not None

    dates = {"start": "2000-01-01", "end": "2099-12-31"}
    client.force_login(coordinator)
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.networks == [(network, 4, 2)]  # four members, two municipalities
    client.force_login(facilitator_b)
    report = client.get(reverse("reports:dashboard"), dates).context["report"]
    assert report.networks == [(network, 4, 2)]  # one of them is in Zulia


def test_invitations_close_at_their_deadline_and_the_network_launches(
    client, lead, targets, coordinator, facilitator_a, facilitator_b
):
    network = propose(client, lead, targets)
    process = Process.for_subject(network)
    for user, data in (
        (coordinator, {"decision": "approve", "comment": ""}),
        (
            lead,
            {
                "concept": "c",
                "work_plan": "w",
                "activities": "",
                "calendar": "",
                "invitation_deadline": (
                    timezone.localdate() + datetime.timedelta(days=3)
                ).isoformat(),
                "comment": "",
            },
        ),
    ):
        (task,) = open_tasks(process)
        client.force_login(user)
        if task.owner_id is None:
            client.post(reverse("workflows:task_claim", args=[task.pk]))
        client.post(reverse("workflows:task_detail", args=[task.pk]), data)
    invites = open_tasks(process)
    assert len(invites) == 2
    client.force_login(facilitator_b)
    client.post(
        reverse(
            "workflows:task_detail",
            args=[invites[1].pk if invites[1].owner == facilitator_b else invites[0].pk],
        ),
        {f"answer_{targets[2].pk}": "accepted", "comment": ""},
    )
    assert services.close_overdue_invitations() == 0  # not yet
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        assert services.close_overdue_invitations() == 1
        assert services.close_overdue_invitations() == 0  # idempotent
    network.refresh_from_db()
    assert network.state == Network.State.ACTIVE
    answers = dict(network.invitations.values_list("municipality_id", "answer"))
    assert answers[targets[0].pk] == Invitation.Answer.NO_ANSWER
    assert answers[targets[2].pk] == Invitation.Answer.ACCEPTED
