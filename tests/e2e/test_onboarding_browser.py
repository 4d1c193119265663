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


def test_the_review_shows_the_agreement_and_a_returned_draft_opens_filled_in(
    live_server, browser, onboarding_a, facilitator_a, coordinator
):
    from workflows import services as wf

    from ..conftest import draft_post

    base = live_server.url
    # The first draft through the service; the review and the rework in the browser.
    wf.complete(
        open_task(onboarding_a),
        facilitator_a,
        draft_post(commitments="Designar un enlace de hacienda"),
    )
    review = open_task(onboarding_a)

    coordinator_page = browser.new_context().new_page()
    login(coordinator_page, base, "coord")
    coordinator_page.goto(f"{base}{reverse('workflows:task_detail', args=[review.pk])}")
    coordinator_page.click("#claim")
    subject = coordinator_page.locator("#subject")
    assert "El convenio por revisar" in subject.inner_text()
    assert coordinator_page.locator("#agreement-commitments").inner_text() == (
        "Designar un enlace de hacienda"
    )
    assert coordinator_page.locator("#agreement-pdf").count() == 1
    coordinator_page.check("input[value=return]")
    coordinator_page.fill("#id_comment", "Precisar el plazo")
    coordinator_page.click("#complete")
    # The process page's diagram marks the step the process now waits on: the rework.
    coordinator_page.wait_for_selector("#history")
    current = coordinator_page.locator("svg.flowchart-svg g.node.current")
    assert current.count() == 1
    assert "Redactar el convenio" in current.text_content()

    facilitator_page = browser.new_context().new_page()
    login(facilitator_page, base, "fac_a")
    redraft = open_task(onboarding_a)
    facilitator_page.goto(f"{base}{reverse('workflows:task_detail', args=[redraft.pk])}")
    assert "Precisar el plazo" in facilitator_page.locator("#returned").inner_text()
    assert facilitator_page.input_value("#id_commitments") == "Designar un enlace de hacienda"
    assert facilitator_page.input_value("#id_scope") == "Gestión financiera"
    facilitator_page.fill("#id_commitments", "Designar un enlace y compartir la ejecución")
    facilitator_page.click("#complete")
    facilitator_page.wait_for_selector("#history")

    # The second round is the same coordinator's, with what changed above the agreement.
    again = open_task(onboarding_a)
    assert again.owner == coordinator
    coordinator_page.goto(f"{base}{reverse('workflows:task_detail', args=[again.pk])}")
    changes = coordinator_page.locator("#changes").inner_text()
    assert "Designar un enlace y compartir la ejecución" in changes
    assert "Designar un enlace de hacienda" in changes
    assert "Precisar el plazo" in coordinator_page.locator("#last-return").inner_text()
