"""A facilitator and a coordinator move an onboarding on in a real browser (Debian Chromium)."""

import pytest
from django.urls import reverse

from agreements.models import Agreement

from ..conftest import AUTHORITIES, open_task
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_draft_review_and_return_in_the_browser(live_server, browser, onboarding_a, coordinator):
    base = live_server.url
    page = browser.new_page(locale="en-US")  # an English browser still gets Spanish

    login(page, base, "fac_a")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    assert (
        page.locator("h1").inner_text() == "Bandeja de entrada: sus tareas"
        or "Bandeja" in page.locator("h1").inner_text()
    )
    draft_agreement(page)
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "in_review"

    coordinator_opens_the_review(page, base)
    page.check("input[value=return]")
    page.fill("#id_comment", "Precisar el plazo")
    page.click("#complete")
    assert "Precisar el plazo" in page.locator("#history").inner_text()
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "returned"
    assert open_task(onboarding_a).owner.username == "fac_a"


def test_facilitator_onboards_and_the_coordinator_approves(
    live_server, browser, facilitator_a, coordinator, municipality_a
):
    base = live_server.url
    page = browser.new_page()

    login(page, base, "fac_a")
    page.goto(f"{base}{reverse('agreements:start_onboarding')}")
    page.select_option("#id_municipality", str(municipality_a.pk))
    page.fill("#id_population", "12000")
    page.fill("#id_mayor_name", AUTHORITIES["mayor_name"])
    page.fill("#id_official_name", AUTHORITIES["official_name"])
    page.fill("#id_official_position", AUTHORITIES["official_position"])
    page.fill("#id_official_email", AUTHORITIES["official_email"])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("#history")
    assert municipality_a.name in page.locator("h1").inner_text() + page.content()
    agreement = Agreement.objects.get(municipality=municipality_a)
    assert agreement.state == "draft"

    page.goto(f"{base}{reverse('workflows:inbox')}")
    draft_agreement(page)

    coordinator_opens_the_review(page, base)
    page.check("input[value=approve]")
    page.click("#complete")
    history = page.locator("#history").inner_text()
    assert "Convenio aprobado" in history, history
    agreement.refresh_from_db()
    assert agreement.state == "approved"
    # The facilitator's next step (uploading the signed agreement) is waiting for them.
    assert open_task(agreement_process(agreement)).owner.username == "fac_a"


def agreement_process(agreement):
    from workflows.models import Process

    return Process.for_subject(agreement)


def draft_agreement(page):
    """From the facilitator's inbox: draft the agreement and send it to review."""
    page.click("text=Redactar el convenio de cooperación")
    page.fill("#id_scope", "Gestión financiera municipal")
    page.fill("#id_commitments", "Designar un enlace de hacienda")
    page.fill("#id_start_date", "2027-01-01")
    page.fill("#id_end_date", "2029-01-01")
    page.fill("#id_contacts", "Despacho del alcalde")
    page.click("#complete")
    assert "Convenio enviado a revisión" in page.locator("#history").inner_text()


def coordinator_opens_the_review(page, base):
    """Sign out, sign in as the coordinator and take the review from the queue."""
    page.click("text=Cerrar sesión")
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:queue')}")
    page.click("text=Revisar el convenio")
    page.click("#claim")
