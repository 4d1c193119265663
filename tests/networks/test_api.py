"""The networks API: listed and opened as the network pages are, members only to insiders."""

# The shared fixtures are imported by name and taken as parameters.
# ruff: noqa: F811

import pytest

from networks.models import Membership, Network, Theme
from tests.api_reads import (  # noqa: F401  (fixtures)
    as_,
    conforms,
    listed,
    module_media,
    queries,
    world,
    world_media,
)

pytestmark = pytest.mark.django_db

LIST = "/api/networks/"


def public_network(world, name="Red pública de agua", state=Network.State.ACTIVE):
    """A live public network of B's, with B's officer as a member (rows as launch leaves them)."""
    network = Network.objects.create(
        theme=Theme.objects.get(slug="servicios-publicos"),
        name=name,
        objectives="Agua por turnos.",
        specialist=world.people.specialist,
        visibility=Network.Visibility.PUBLIC,
        state=state,
    )
    Membership.objects.create(
        network=network, user=world.people.officer_b, municipality=world.mun_b
    )
    return network


# Who sees A's private network, as its page says (tests/security/test_access_matrix.py).
SEES_PRIVATE = {
    "coordinator": True,
    "facilitator": True,  # a member: A accepted the invitation
    "facilitator_b": False,
    "auditor": True,
    "specialist": True,  # its lead
    "anon": False,
}


@pytest.mark.parametrize("role", list(SEES_PRIVATE))
def test_each_role_lists_and_opens_what_the_pages_show(client, world, role):
    public = public_network(world)
    proposed = public_network(world, "Red propuesta", Network.State.PROPOSED)
    as_(client, world, role)
    sees = SEES_PRIVATE[role]

    ids = listed(client.get(LIST))
    assert (world.network.pk in ids) is sees
    assert public.pk in ids  # live and public: everyone
    # Proposed, not yet live: its lead and coordination staff only.
    assert (proposed.pk in ids) is (role in ("coordinator", "auditor", "specialist"))

    detail = client.get(f"{LIST}{world.network.pk}/")
    assert detail.status_code == (200 if sees else 404)
    if sees:
        body = detail.json()
        assert body["name"] == "Red privada de hacienda"
        assert body["members_visible"] is True
        members = {m["username"]: m for m in body["members"]}
        assert {"esp", "off_a", "fac_a"} <= set(members)
        assert members["esp"]["role"] == "coordinator"
        assert members["off_a"]["municipality_code"] == world.mun_a.code


@pytest.mark.parametrize("role", ["facilitator_b", "anon", "facilitator"])
def test_outsiders_of_a_public_network_see_it_but_not_its_members(client, world, role):
    public = public_network(world)
    as_(client, world, role)
    body = client.get(f"{LIST}{public.pk}/").json()
    assert body["name"] == "Red pública de agua"
    assert body["members_visible"] is False
    assert body["members"] == []
    row = next(r for r in client.get(LIST).json()["results"] if r["id"] == public.pk)
    assert row["members"] == [] and row["members_visible"] is False


def test_insiders_of_a_public_network_read_its_members(client, world):
    public = public_network(world)
    as_(client, world, "coordinator")
    body = client.get(f"{LIST}{public.pk}/").json()
    assert body["members_visible"] is True
    assert [m["username"] for m in body["members"]] == ["off_b"]


def test_states_and_roles_read_as_labels_in_the_callers_language(client, world):
    as_(client, world, "coordinator")
    body = client.get(f"{LIST}{world.network.pk}/").json()
    assert (body["state"], body["state_label"]) == ("active", "Activa")
    assert body["visibility"] == "private"
    assert body["visibility_label"].startswith("Privada")
    lead = next(m for m in body["members"] if m["username"] == "esp")
    assert lead["role_label"] == "Coordinación de la red"
    assert body["created"].startswith(str(world.network.created.year))
    client.cookies["django_language"] = "en"  # a person who chose English
    english = client.get(f"{LIST}{world.network.pk}/").json()
    assert (english["state"], english["state_label"]) == ("active", "Active")


def test_filters_by_state_theme_and_visibility(client, world):
    public = public_network(world)
    as_(client, world, "coordinator")
    assert listed(client.get(LIST, {"visibility": "public"})) == [public.pk]
    assert world.network.pk in listed(client.get(LIST, {"theme": "finanzas-municipales"}))
    assert public.pk not in listed(client.get(LIST, {"theme": "finanzas-municipales"}))
    assert listed(client.get(LIST, {"state": "proposed"})) == []
    for name, wrong in (("theme", ""), ("theme", "a b"), ("state", "lost"), ("visibility", "")):
        response = client.get(LIST, {name: wrong})
        assert response.status_code == 400, (name, wrong)
        assert name in response.json()


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "anon"])
def test_the_list_reads_in_a_fixed_number_of_queries(client, world, role):
    as_(client, world, role)
    public_network(world, "Red pública")  # one row at least, for everyone
    few = queries(client, LIST)
    for number in range(6):
        public_network(world, f"Red pública {number}")
    assert len(listed(client.get(LIST))) >= 6
    assert queries(client, LIST) == few


def test_answers_match_the_openapi_schema(client, world):
    public_network(world)
    as_(client, world, "coordinator")
    conforms(client, "/api/networks/", LIST)
    conforms(client, "/api/networks/{id}/", f"{LIST}{world.network.pk}/")


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "facilitator_b", "specialist"])
def test_members_show_exactly_where_the_page_shows_them(client, world, role):
    """``members_visible`` is the page's ``services.sees_private_content``, network by network."""
    from django.contrib.auth import get_user_model

    from networks import services

    public = public_network(world)
    as_(client, world, role)
    user = get_user_model().objects.get(pk=getattr(world.people, role).pk)
    rows = {row["id"]: row for row in client.get(LIST).json()["results"]}
    for network in (world.network, public):
        if network.pk in rows:
            expected = services.sees_private_content(user, network)
            assert rows[network.pk]["members_visible"] is expected, network.name
            assert bool(rows[network.pk]["members"]) is expected, network.name
