"""Script injection never reaches another user.

Payloads go in through the real views (blog posts and comments, case comments,
contact logs, network proposals, candidates); the pages another person then opens
are parsed, and nothing from the payload may survive as a script element, an event
handler attribute or a ``javascript:`` link. Each payload carries a marker, so a
test also proves the text did reach the page (escaped), rather than passing because
nothing was shown.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from networks import services as network_services
from networks.models import Network
from tests.conftest import make_user
from tests.networks.test_community import active_network
from workflows.roles import Role

pytestmark = pytest.mark.django_db

MARK = "pwn7331"
PAYLOADS = [
    f"<script>{MARK}()</script>",
    f'"><script>{MARK}()</script>',
    f"</textarea><script>{MARK}()</script>",
    f"<img src=x onerror={MARK}()>",
    f'<svg onload="{MARK}()"><circle r="1"/></svg>',
    f'<a href="javascript:{MARK}()">enlace</a>',
    f'<a href="JaVaScRiPt:{MARK}()">enlace</a>',
    f'<iframe src="javascript:{MARK}()"></iframe>',
    f'<p style="background:url(javascript:{MARK}())" onmouseover="{MARK}()">x</p>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}()>",
    f"<scr<script>ipt>{MARK}()</script>",
]
TEXT = " ".join(PAYLOADS)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class Elements(HTMLParser):
    """Every element and its attributes, and the text inside each script element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def assert_inert(html):
    """Nothing from the payloads is live; their text did reach the page."""
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        for name, value in attrs.items():
            value = value or ""
            if MARK not in value:
                continue
            assert not name.startswith("on"), f"<{tag} {name}={value!r}> is a live handler"
            assert name not in URL_ATTRIBUTES, f"<{tag} {name}={value!r}> is a live link"
            assert name != "style", f"<{tag} style={value!r}> survived"
        assert tag not in ("iframe", "svg", "math", "object", "embed") or MARK not in str(attrs)
    for script in parser.scripts:
        assert MARK not in script, f"a script element holds the payload: {script!r}"
    assert MARK in html, "the text never reached the page: the test would prove nothing"


@pytest.fixture
def network_people(db):
    lead = make_user("esp_red", Role.SPECIALIST)
    member = make_user("miembro", Role.MUNICIPAL_OFFICER)
    other = make_user("otra", Role.MUNICIPAL_OFFICER)
    network = active_network(lead)
    for person in (member, other):
        network_services.add_member(network, lead, person)
    return network, lead, member, other


def test_blog_posts_and_comments(client, network_people):
    network, lead, member, other = network_people
    client.force_login(member)
    client.post(
        reverse("networks:add_post", args=[network.pk]),
        {"title": TEXT[:190], "body": TEXT + "<p><strong>bien</strong></p>", "is_public": "on"},
    )
    post = network.posts.get()
    assert "<script" not in post.body and "onerror" not in post.body  # cleaned on the way in
    client.post(reverse("networks:add_comment", args=[post.pk]), {"text": TEXT})
    assert post.comments.count() == 1
    for viewer in (other, lead, None):  # another member, the lead, the public
        client.logout()
        if viewer:
            client.force_login(viewer)
        for url in (
            reverse("networks:post_detail", args=[post.pk]),
            network.get_absolute_url(),
        ):
            assert_inert(client.get(url).content.decode())
    client.force_login(other)  # the notification of the new post
    assert_inert(client.get(reverse("notifications:list")).content.decode())


def test_network_proposals_reach_the_coordination_inert(client, coordinator, member_a):
    specialist = make_user("esp_prop", Role.SPECIALIST)
    client.force_login(specialist)
    from networks.models import Theme

    response = client.post(
        reverse("networks:propose"),
        {
            "theme": Theme.objects.get(slug="servicios-publicos").pk,
            "name": PAYLOADS[3],
            "sector": "Servicios",
            "objectives": TEXT,
            "visibility": "public",
            "target_municipalities": [member_a.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    network = Network.objects.get()
    client.force_login(coordinator)
    for url in (
        network.get_absolute_url(),
        reverse("networks:network_list"),
        reverse("workflows:queue"),
    ):
        assert_inert(client.get(url).content.decode())


def test_case_comments_reach_the_public_and_the_authors_inert(
    client, facilitator_a, municipality_a, coordinator
):
    from networks.models import Theme
    from tests.knowledge.helpers import publish

    theme = Theme.objects.get(slug="servicios-publicos")
    specialist = make_user("esp_servicios", Role.SPECIALIST)
    theme.specialists.add(specialist)
    curator = make_user("curadora", Role.KNOWLEDGE_CURATOR)
    case = publish(
        facilitator_a,
        municipality_a,
        theme,
        specialist,
        curator,
        coordinator,
        title=PAYLOADS[0][:150],
        lessons=TEXT,
    )
    reader = make_user("lectora", Role.MUNICIPAL_OFFICER)
    client.force_login(reader)
    client.post(reverse("knowledge:comment", args=[case.pk]), {"text": TEXT})
    assert case.comments.count() == 1
    for viewer in (None, specialist, facilitator_a):
        client.logout()
        if viewer:
            client.force_login(viewer)
        assert_inert(client.get(case.get_absolute_url()).content.decode())
    client.force_login(facilitator_a)  # the author is told of the comment
    assert_inert(client.get(reverse("notifications:list")).content.decode())
    client.logout()
    assert_inert(client.get(reverse("knowledge:library"), {"q": TEXT[:200]}).content.decode())


def test_contact_logs_reach_the_coordination_inert(
    client, facilitator_a, municipality_a, coordinator
):
    import datetime

    client.force_login(facilitator_a)
    today = datetime.date.today()
    response = client.post(
        reverse("agreements:contact_create", args=[municipality_a.pk]),
        {
            "date": today.isoformat(),
            "kind": "visit",
            "participants": TEXT,
            "agreed": TEXT,
            "follow_up": PAYLOADS[1],
            "follow_up_role": Role.FACILITATOR.value,
            "follow_up_due": (today + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    client.force_login(coordinator)
    for url in (
        reverse("agreements:municipality_detail", args=[municipality_a.pk]),
        reverse("workflows:process_list"),
    ):
        assert_inert(client.get(url).content.decode())
    client.force_login(facilitator_a)
    assert_inert(client.get(reverse("workflows:queue")).content.decode())


def test_candidates_reach_the_coordination_inert(client, coordinator):
    from networks.models import Theme
    from tests.staffing.conftest import open_position, pdf_upload

    position = open_position(client, coordinator, Theme.objects.get(slug="finanzas-municipales"))
    client.force_login(make_user("asistente", Role.ASSISTANT))
    response = client.post(
        reverse("staffing:candidate_add", args=[position.pk]),
        {
            "full_name": PAYLOADS[3][:190],
            "email": "ana@correo.example",
            "phone": "",
            "national_id": "",
            "cv": pdf_upload(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    client.force_login(coordinator)
    assert_inert(
        client.get(reverse("staffing:position_detail", args=[position.pk])).content.decode()
    )
