"""Nobody is shown a form they may not send.

Every page each person may open (the access matrix's ``OK`` routes, on the same world)
is read for its POST forms and for its links to pages that hold a form (routes that
take a POST). Each form is sent by that person, with its hidden fields and the
matrix's real data for its route, and each such link is followed: neither may end in
a refusal (403, or 404 for what they may not even see). A form that only leads to a
refusal is a promise the page breaks: it is hidden from whoever may not use it.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from .routes import concrete, values
from .test_access_matrix import ACTORS, EXPECTED, LOGIN, OK, POST_DATA, act_as, request, routes

pytestmark = pytest.mark.django_db

# Forms every page carries for the session itself (the header's language and logout).
SESSION_FORMS = {"set_language", "logout", "login"}
# The HTML pages' namespaces (the API answers JSON; the admin has its own rules).
PAGES = {
    "workflows",
    "agreements",
    "notifications",
    "reports",
    "finance",
    "knowledge",
    "staffing",
    "networks",
    "specialprojects",
}
REFUSED = (403, 404, LOGIN)


class Page(HTMLParser):
    """A page's POST forms (action and hidden fields) and the targets of its links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.links, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "data": {}}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs.get("type") == "hidden":
            self._form["data"][attrs.get("name")] = attrs.get("value") or ""
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _route(url, path):
    target = urlsplit(urljoin(url, path))
    if target.netloc:
        return None, None
    try:
        return resolve(target.path).view_name, target.path
    except Resolver404:
        return None, None


def offered(content, url):
    """(kind, route name, path, data) for each form and each link to a form page."""
    page = Page()
    page.feed(content.decode("utf-8", errors="replace"))
    for form in page.forms:
        name, path = _route(url, form["action"] or url)
        if name and name not in SESSION_FORMS:
            form["data"].pop("csrfmiddlewaretoken", None)
            yield "form", name, path, form["data"]
    for href in page.links:
        name, path = _route(url, href)
        if name in EXPECTED and EXPECTED[name][1] is not None and name not in SESSION_FORMS:
            yield "link", name, path, None


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anon"])
def test_every_form_a_page_shows_its_reader_may_send(client, world, actor):
    act_as(client, world, actor)
    found = {}
    for name, route in routes(actor):
        if EXPECTED[name][0][actor] != OK or name.split(":")[0] not in PAGES:
            continue
        url = concrete(route, values(world, name))
        got, content = request(client, "get", url)
        if got != OK or not content.lstrip().startswith(b"<"):
            continue
        for kind, target, path, data in offered(content, url):
            found.setdefault((kind, path), (target, data, url))
    refused = []
    for (kind, path), (target, data, page) in sorted(found.items()):
        if kind == "form":
            got, _content = request(client, "post", path, {**data, **POST_DATA.get(target, {})})
        else:
            got, _content = request(client, "get", path)
        if got in REFUSED:
            refused.append(f"{page} offers {target} ({kind} to {path}): {got}")
    assert refused == [], "\n" + "\n".join(refused)


def _forms(client, url):
    return {name for kind, name, _path, _data in offered(client.get(url).content, url)}


def test_the_auditor_reads_a_case_without_comment_or_rating_forms(client, world):
    url = reverse("knowledge:case_detail", args=[world.case_public.pk])
    act_as(client, world, "auditor")
    page = client.get(url).content.decode()
    assert world.case_public.title in page
    assert {"knowledge:comment", "knowledge:rate"} & _forms(client, url) == set()
    assert 'name="text"' not in page and 'name="usefulness"' not in page
    assert "Inicie sesión" not in page  # signed in already: no invitation to log in

    act_as(client, world, "officer")
    assert {"knowledge:comment", "knowledge:rate"} <= _forms(client, url)


def test_links_to_forms_are_shown_to_those_who_may_fill_them(client, world):
    periods, mine = reverse("finance:period_list"), reverse("knowledge:my_cases")
    token, register = reverse("workflows:profile") + "#tokens", reverse("knowledge:register")
    act_as(client, world, "coordinator")
    assert token in client.get(periods).content.decode()  # everybody may hold API tokens
    assert register not in client.get(mine).content.decode()
    act_as(client, world, "officer")
    assert token in client.get(periods).content.decode()
    assert register in client.get(mine).content.decode()
