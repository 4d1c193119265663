"""A facilitator and a coordinator move an onboarding on in a real browser (Debian Chromium)."""

import pytest
from django.urls import reverse

from agreements.models import Agreement

from ..conftest import open_task

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between page actions are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield instance
        instance.close()


def login(page, base, username):
    page.goto(f"{base}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")


def test_draft_review_and_return_in_the_browser(live_server, browser, onboarding_a, coordinator):
    base = live_server.url
    page = browser.new_page(locale="en-US")  # an English browser still gets Spanish

    login(page, base, "fac_a")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    assert (
        page.locator("h1").inner_text() == "Bandeja de entrada: sus tareas"
        or "Bandeja" in page.locator("h1").inner_text()
    )
    page.click("text=Redactar el convenio de cooperación")
    page.fill("#id_scope", "Gestión financiera municipal")
    page.fill("#id_commitments", "Designar un enlace de hacienda")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_end_date", "2029-01-01")
    page.fill("#id_contacts", "Despacho del alcalde")
    page.click("#complete")
    assert "Convenio enviado a revisión" in page.locator("#history").inner_text()
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "in_review"

    page.click("text=Cerrar sesión")
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:queue')}")
    page.click("text=Revisar el convenio")
    page.click("#claim")
    page.check("input[value=return]")
    page.fill("#id_comment", "Precisar el plazo")
    page.click("#complete")
    assert "Precisar el plazo" in page.locator("#history").inner_text()
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "returned"
    assert open_task(onboarding_a).owner.username == "fac_a"
