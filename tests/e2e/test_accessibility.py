"""The pages people use most, for every role and for the public, in a real browser on the
demo's data: axe-core finds no serious or critical WCAG 2.0/2.1 A or AA violation at a
desktop's width and at a phone's; on the phone no page scrolls sideways and every button,
field and choice is at least 44 px high. The skip
link, the focus ring and the bell's name are checked as a keyboard or speech user meets them.

The demo is seeded once for the module and served by a server of its own, so that every
page reads the same realistic data; the database is restored afterwards for the tests
that follow."""

import io
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.db import connection

from .conftest import login

WIDTHS = (1366, 390)
PHONE = 390
PASSWORD = "pagg-demo-2026"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Experimental in axe-core, so outside the tags: a control's accessible name holds the
    # text it shows (WCAG 2.5.3), which the bell with its unread count must keep.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")

# The pages read the module's committed demo through the server's own connection; each
# test's transaction only lets pytest-django set the test database up.
pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Demo:
    url: str
    paths: dict


def _paths():
    """The demo's objects each key page shows, looked up rather than numbered."""
    from django.urls import reverse

    from agreements.flows import OnboardingFlow
    from agreements.models import Agreement, Municipality
    from finance.flows import FinanceSubmissionFlow
    from finance.models import Submission, Upload
    from knowledge.flows import CaseFlow
    from knowledge.models import Case
    from networks.models import Network
    from specialprojects.flows import ProjectFlow
    from specialprojects.models import Project
    from workflows.models import Process, Task

    def task(node, username=None):
        tasks = Task.objects.filter(flow_task=node, status__in=("NEW", "ASSIGNED", "STARTED"))
        if username:
            tasks = tasks.filter(owner__username=username)
        return reverse("workflows:task_detail", args=[tasks.order_by("pk").first().pk])

    libertador = Municipality.objects.get(name="Libertador", region__code="01")
    returned = Agreement.objects.filter(state="returned").first()
    published = Submission.objects.filter(state="published").order_by("pk").first()
    return {
        "login": reverse("login"),
        "finance-index": reverse("finance:public_index"),
        "finance-compare": reverse("finance:compare"),
        "finance-downloads": reverse("finance:downloads"),
        "finance-profile": reverse("finance:profile", args=[published.municipality.code]),
        "finance-classifier": reverse(
            "finance:classifier_node",
            args=[published.municipality.code, published.period_id, "4.01.00.00.00"],
        ),
        "finance-series": reverse(
            "finance:series", args=[published.municipality.code, "4.00.00.00.00"]
        ),
        "finance-calendar": reverse("finance:calendar", args=[published.period_id]),
        "finance-compare-five": reverse("finance:compare")
        + "?indicator=current_savings&"
        + "&".join(
            f"m={code}"
            for code in Submission.objects.filter(state="published")
            .order_by("municipality__code")
            .values_list("municipality__code", flat=True)
            .distinct()[:5]
        ),
        "library": reverse("knowledge:library"),
        "case": reverse(
            "knowledge:case_detail", args=[Case.objects.filter(state="published").first().pk]
        ),
        "home": reverse("workflows:home"),
        "inbox": reverse("workflows:inbox"),
        "case-file": reverse("agreements:municipality_detail", args=[libertador.pk]),
        "submission": reverse(
            "finance:submission_detail",
            args=[Submission.objects.filter(state="returned").first().pk],
        ),
        "upload-findings": reverse(
            "finance:upload_findings",
            args=[Upload.objects.exclude(findings=[]).order_by("pk").first().pk],
        ),
        "project": reverse(
            "specialprojects:project_detail",
            args=[Project.objects.filter(state="in_execution").first().pk],
        ),
        "network": reverse(
            "networks:network_detail", args=[Network.objects.filter(state="active").first().pk]
        ),
        "report": reverse("reports:dashboard"),
        "notifications": reverse("notifications:list"),
        "audit-desk": reverse("workflows:audit_search"),
        "process": reverse("workflows:process_detail", args=[Process.for_subject(returned).pk]),
        "task-agreement-review": task(OnboardingFlow.review_agreement, "coordinador"),
        "task-project-approval": task(ProjectFlow.approve_project, "coordinador"),
        "task-finance-upload": task(FinanceSubmissionFlow.prepare_data, "facilitador.capital"),
        "task-curation": task(CaseFlow.curate),
        "profile": reverse("workflows:profile"),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test.utils import override_settings
    from pytest_django.live_server_helper import LiveServer

    from pagg.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    media = tmp_path_factory.mktemp("a11y-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, LANGUAGE_CODE="es-ve"):
        # What the migrations left (regions, municipalities, roles): put back afterwards.
        saved = getattr(connection, "_test_serialized_contents", None)
        saved = saved or connection.creation.serialize_db_to_string()
        server = None
        try:
            call_command("seed_demo", stdout=io.StringIO())
            paths = _paths()
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            yield Demo(server.url, paths)
        finally:
            if server is not None:
                server._live_server_modified_settings.disable()
                server.stop()
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
            connection.creation.deserialize_db_from_string(saved)
            _reset_sequences()


def _reset_sequences():
    """The flush restarted every id sequence and the restored rows carry their own ids: move
    each sequence past them, or the next test's first insert would reuse an id."""
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


_sessions = {}


def open_as(browser, demo, username):
    """A page signed in as ``username`` (None: the public), one sign-in per user."""
    if username is None:
        return browser.new_context(locale="es-VE").new_page()
    if username not in _sessions:
        page = browser.new_context(locale="es-VE").new_page()
        login(page, demo.url, username, PASSWORD)
        _sessions[username] = page.context.storage_state()
        return page
    return browser.new_context(locale="es-VE", storage_state=_sessions[username]).new_page()


def blocking_violations(page):
    """axe-core's serious and critical findings, each naming its rule and elements."""
    results = Axe().run(page, options=AXE_OPTIONS).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(
                f"{violation['id']} ({violation['impact']}: {violation['help']}) at "
                f"{' '.join(map(str, node['target']))}: {node['html'][:200]}"
            )
    return found


def sideways_overflow(page, width):
    """The document's width past the viewport's, and the outermost elements that stick out
    (not those inside a box that scrolls or clips on its own)."""
    return page.evaluate(
        """(width) => {
          const doc = document.documentElement.scrollWidth;
          if (doc <= width) return null;
          const out = [];
          const past = (el) => el.getBoundingClientRect().right > width + 1;
          const clipped = (el) => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
              if (getComputedStyle(up).overflowX !== "visible") return true;
            }
            return false;
          };
          for (const el of document.querySelectorAll("body *")) {
            if (past(el) && !past(el.parentElement) && !clipped(el)) {
              out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (el.className && typeof el.className === "string"
                   ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
            }
          }
          return {scrollWidth: doc, elements: out.slice(0, 8)};
        }""",
        width,
    )


def small_targets(page):
    """Controls a thumb must hit that are under 44 px high: buttons, fields, the header's
    links, and the labels of checkboxes and radio buttons (their larger target)."""
    return page.evaluate(
        """() => {
          const controls = [...document.querySelectorAll(
            "button, .btn, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]),"
            + " header.top a, label:has(> input[type=checkbox]), label:has(> input[type=radio]),"
            + " input[type=checkbox] + label, input[type=checkbox] ~ label")];
          return controls.filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && box.height < 43.5
              && getComputedStyle(el).visibility !== "hidden";
          }).map((el) => `${el.outerHTML.slice(0, 120)} (${Math.round(
            el.getBoundingClientRect().height)} px)`).slice(0, 8);
        }"""
    )


PAGES = [
    (None, "login"),
    (None, "finance-index"),
    (None, "finance-compare"),
    (None, "finance-downloads"),
    (None, "finance-profile"),
    (None, "finance-classifier"),
    (None, "finance-series"),
    (None, "finance-calendar"),
    (None, "finance-compare-five"),
    (None, "library"),
    (None, "case"),
    ("coordinador", "home"),
    ("coordinador", "case-file"),
    ("coordinador", "submission"),
    ("coordinador", "upload-findings"),
    ("coordinador", "project"),
    ("coordinador", "report"),
    ("coordinador", "notifications"),
    ("coordinador", "task-agreement-review"),
    ("coordinador", "task-project-approval"),
    ("facilitador.capital", "inbox"),
    ("facilitador.capital", "task-finance-upload"),
    ("facilitador.capital", "profile"),
    ("especialista", "network"),
    ("curaduria", "task-curation"),
    ("auditor", "process"),
    ("auditor", "audit-desk"),
]


@pytest.mark.parametrize(
    "username,name", PAGES, ids=[f"{user or 'public'}-{name}" for user, name in PAGES]
)
def test_page_passes_axe_and_fits_a_phone(demo, browser, username, name):
    page = open_as(browser, demo, username)
    url = demo.url + demo.paths[name]
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        toggle = page.locator("header.top .menu-toggle")
        if width == PHONE and toggle.is_visible():
            toggle.click()  # the folded header is checked open, as a phone user opens it
        if width == PHONE and (overflow := sideways_overflow(page, width)):
            problems.append(
                f"{url} at {width} px scrolls sideways: the document is "
                f"{overflow['scrollWidth']} px wide; sticking out: {overflow['elements']}"
            )
        if width == PHONE and (small := small_targets(page)):
            problems.append(f"{url} at {width} px has controls under 44 px high: {small}")
        problems += [f"{url} at {width} px: {found}" for found in blocking_violations(page)]
    assert not problems, "\n".join(problems)


def test_skip_link_focus_ring_and_the_bells_name(demo, browser):
    page = open_as(browser, demo, "coordinador")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(demo.url + demo.paths["inbox"])

    page.keyboard.press("Tab")
    skip = page.evaluate(
        """() => { const el = document.activeElement, box = el.getBoundingClientRect();
          return {text: el.textContent.trim(), href: el.getAttribute("href"),
                  visible: box.top >= 0 && box.height > 0,
                  outline: getComputedStyle(el).outlineStyle}; }"""
    )
    assert skip == {
        "text": "Saltar al contenido",
        "href": "#content",
        "visible": True,
        "outline": "solid",
    }
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")  # the first control of the page's own content
    ring = page.evaluate(
        """() => { const el = document.activeElement, style = getComputedStyle(el);
          return {inMain: !!el.closest("main"), style: style.outlineStyle,
                  width: parseFloat(style.outlineWidth)}; }"""
    )
    assert ring["inMain"] and ring["style"] == "solid" and ring["width"] >= 2, ring

    count = page.locator("#unread-count").inner_text()
    assert count.isdigit()
    bell = page.get_by_role("link", name=f"Notificaciones {count} sin leer", exact=True)
    assert bell.count() == 1


@pytest.mark.parametrize("username", [None, "facilitador.capital"])
def test_api_documentation_is_ours_accessible_and_fits_a_phone(demo, browser, username):
    """Swagger UI, from our own static files: it draws every operation with its example,
    asks nothing of another host (not even a font or a validator badge), and passes axe
    once an operation is open (its examples and choices shown)."""
    from urllib.parse import urlsplit

    page = open_as(browser, demo, username)
    ours = urlsplit(demo.url).netloc
    requested, refused = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(demo.url + "/api/docs/")
        assert response.status == 200
        page.wait_for_selector(".opblock", timeout=60000)
        assert page.locator(".opblock").count() >= 25
        page.locator("#operations-tasks-tasks_list .opblock-summary-control").click()
        example = page.locator("#operations-tasks-tasks_list .responses-wrapper pre").first
        assert "Revisar el convenio: Municipio Sucre" in example.inner_text()
        if width == PHONE and (overflow := sideways_overflow(page, width)):
            problems.append(f"/api/docs/ at {width} px scrolls sideways: {overflow}")
        problems += [f"/api/docs/ at {width} px: {found}" for found in blocking_violations(page)]
    assert not problems, "\n".join(problems)
    elsewhere = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != ours
    ]
    assert requested and elsewhere == []
    assert refused == [], refused  # CSP refusals and failed loads show as console errors
