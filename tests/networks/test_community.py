"""The community of a network: who sees and writes what, sanitised rich text, safe resources."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from networks import services
from networks.models import Activity, Membership, Network, Theme
from notifications.models import Notification
from tests.conftest import make_user
from workflows.roles import Role


def active_network(lead, visibility="public"):
    network = Network.objects.create(
        theme=Theme.objects.get(slug="servicios-publicos"),
        name="Red de servicios públicos",
        objectives="Mejorar la recolección de desechos.",
        specialist=lead,
        visibility=visibility,
    )
    Network.objects.filter(pk=network.pk).update(state=Network.State.ACTIVE)
    network.refresh_from_db()
    Membership.objects.create(network=network, user=lead, role=Membership.Role.COORDINATOR)
    return network


@pytest.fixture
def lead(db):
    return make_user("esp_red", Role.SPECIALIST)


@pytest.fixture
def member(db):
    return make_user("miembro", Role.MUNICIPAL_OFFICER)


@pytest.fixture
def outsider(db):
    return make_user("ajeno", Role.MUNICIPAL_OFFICER)


def test_private_networks_show_nothing_to_non_members(client, lead, member, outsider):
    network = active_network(lead, visibility="private")
    services.add_member(network, lead, member)
    post = services.add_post(network, member, "Plan de rutas", "<p>Borrador</p>", is_public=True)
    for user, status in ((None, 404), (outsider, 404), (member, 200), (lead, 200)):
        client.logout()
        if user:
            client.force_login(user)
        assert client.get(network.get_absolute_url()).status_code == status
        assert client.get(reverse("networks:post_detail", args=[post.pk])).status_code == status
    client.force_login(outsider)
    assert network.name not in client.get(reverse("networks:network_list")).content.decode()


def test_public_networks_show_only_what_members_made_public(client, lead, member, outsider):
    network = active_network(lead)
    services.add_member(network, lead, member)
    public = services.add_post(network, member, "Resultados abiertos", "<p>Todos</p>", True)
    internal = services.add_post(network, member, "Discusión interna", "<p>Solo red</p>", False)
    client.force_login(outsider)
    page = client.get(network.get_absolute_url()).content.decode()
    assert "Resultados abiertos" in page and "Discusión interna" not in page
    assert 'id="members"' not in page
    assert client.get(reverse("networks:post_detail", args=[internal.pk])).status_code == 404
    assert client.get(reverse("networks:post_detail", args=[public.pk])).status_code == 200
    # Non-members cannot write, even in a public network.
    with pytest.raises(PermissionDenied):
        services.add_post(network, outsider, "Intruso", "x", True)
    response = client.post(
        reverse("networks:add_post", args=[network.pk]), {"title": "Intruso", "body": "x"}
    )
    assert response.status_code == 403
    assert network.posts.count() == 2
    client.force_login(member)
    assert "Discusión interna" in client.get(network.get_absolute_url()).content.decode()


def test_a_script_never_reaches_another_users_browser(client, lead, member):
    network = active_network(lead)
    services.add_member(network, lead, member)
    client.force_login(member)
    client.post(
        reverse("networks:add_post", args=[network.pk]),
        {
            "title": "<script>alert('t')</script>Rutas",
            "body": '<p onclick="steal()">Hola <strong>red</strong></p><script>alert(1)</script>'
            '<img src=x onerror=alert(2)><a href="javascript:alert(3)">enlace</a>'
            '<a href="https://example.org">bien</a>',
            "is_public": "on",
        },
    )
    post = network.posts.get()
    client.force_login(lead)
    html = client.get(reverse("networks:post_detail", args=[post.pk])).content.decode()
    body = html[html.index('id="post-body"') :]
    for bad in ("<script", "onclick", "onerror", "javascript:", "<img"):
        assert bad not in body.lower(), bad
    assert "<strong>red</strong>" in body and 'href="https://example.org"' in body
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;Rutas" in html  # titles escaped
    client.post(
        reverse("networks:add_comment", args=[post.pk]), {"text": "<b onmouseover=x>hi</b>"}
    )
    html = client.get(reverse("networks:post_detail", args=[post.pk])).content.decode()
    assert "<b onmouseover" not in html and "&lt;b onmouseover=x&gt;hi&lt;/b&gt;" in html


def test_resources_refuse_executables_and_are_served_safely(client, lead, member):
    network = active_network(lead)
    services.add_member(network, lead, member)
    for name, content in [
        ("setup.exe", b"MZ\x90\x00"),
        ("macro.docm", b"PK\x03\x04"),
        ("informe.pdf", b"<html><script>alert(1)</script>"),
        ("pagina.html", b"<script>alert(1)</script>"),
    ]:
        with pytest.raises(ValidationError):
            services.add_resource(
                network,
                member,
                {"kind": "document", "title": name, "file": SimpleUploadedFile(name, content)},
            )
    resource = services.add_resource(
        network,
        member,
        {
            "kind": "document",
            "title": "Guía",
            "file": SimpleUploadedFile("guia.pdf", b"%PDF-1.4 guia"),
            "is_public": True,
        },
    )
    response = client.get(reverse("networks:resource_file", args=[resource.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 guia"


def test_activity_feed_and_notifications_follow_member_preferences(client, lead, member):
    from notifications.models import Delivery, Preference

    network = active_network(lead)
    services.add_member(network, lead, member)
    Preference.objects.create(user=lead, kind="network", delivery=Delivery.DIGEST)
    services.add_solution(
        network,
        member,
        {
            "title": "Rutas por sector",
            "problem": "p",
            "solution": "s",
            "requirements": "",
            "is_public": True,
        },
    )
    kinds = list(network.activity.values_list("kind", flat=True))
    assert kinds[:2] == [Activity.Kind.SOLUTION, Activity.Kind.MEMBER]
    notice = Notification.objects.get(recipient=lead, kind="network", key__contains="activity:")
    assert notice.email_state == "digest"  # the lead chose a daily digest for network news
    assert (
        not Notification.objects.filter(recipient=member, kind="network")
        .exclude(title__contains="se unió")
        .exists()
    )  # nobody is told about their own contribution


def test_moderators_hide_posts(client, lead, member, outsider):
    network = active_network(lead)
    services.add_member(network, lead, member)
    post = services.add_post(network, member, "Fuera de tema", "<p>x</p>", True)
    with pytest.raises(PermissionDenied):
        services.hide(post, member)
    client.force_login(lead)
    client.post(reverse("networks:hide_post", args=[post.pk]))
    client.logout()
    assert "Fuera de tema" not in client.get(network.get_absolute_url()).content.decode()


def test_moderators_add_members_and_related_processes_reach_the_feed(
    client, lead, member, outsider, facilitator_a, municipality_a, coordinator
):
    from knowledge.models import Case
    from tests.knowledge.conftest import register
    from tests.knowledge.helpers import publish

    network = active_network(lead)
    client.force_login(member)
    client.post(
        reverse("networks:add_member", args=[network.pk]), {"username": "ajeno", "role": "member"}
    )
    assert not network.memberships.filter(user=outsider).exists()  # members do not add members
    client.force_login(lead)
    client.post(
        reverse("networks:add_member", args=[network.pk]),
        {"username": "miembro", "role": "moderator"},
    )
    assert network.memberships.get(user=member).role == Membership.Role.MODERATOR

    curator = make_user("curadora", Role.KNOWLEDGE_CURATOR)
    network.theme.specialists.add(lead)
    case = publish(facilitator_a, municipality_a, network.theme, lead, curator, coordinator)
    assert case.state == Case.State.PUBLISHED
    feed = network.activity.filter(kind=Activity.Kind.PROCESS).get()
    assert case.title in feed.text and feed.url == case.get_absolute_url()
    register(facilitator_a, municipality_a, Theme.objects.get(slug="gobierno-abierto"))
    assert network.activity.filter(kind=Activity.Kind.PROCESS).count() == 1


def test_the_lead_pauses_resumes_and_closes_the_network(client, lead, member):
    network = active_network(lead)
    services.add_member(network, lead, member)
    client.force_login(member)
    assert (
        client.post(reverse("networks:change_state", args=[network.pk, "pause"])).status_code == 403
    )
    client.force_login(lead)
    for action, state in (("pause", "paused"), ("resume", "active"), ("close", "closed")):
        client.post(reverse("networks:change_state", args=[network.pk, action]))
        network.refresh_from_db()
        assert network.state == state
    # Not from closed: the refusal names the state as people read it.
    page = client.post(reverse("networks:change_state", args=[network.pk, "resume"]), follow=True)
    *_, refusal = [str(message) for message in page.context["messages"]]
    assert f"mientras su estado sea «{network.get_state_display()}»" in refusal
    assert "resume" not in refusal
    network.refresh_from_db()
    assert network.state == "closed"
    with pytest.raises(PermissionDenied):
        services.add_post(network, member, "Tarde", "x", True)
