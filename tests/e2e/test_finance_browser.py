"""An officer uploads a quarter's file in a real browser: progress, the checks, then submits."""

import pytest
from django.urls import reverse

from finance import flows, services
from finance.models import Submission

from ..finance.conftest import (  # noqa: F401 (fixtures)
    csv_bytes,
    member_a,
    member_b,
    officer_a,
    period,
    quarter_amounts,
    specialist,
    with_parents,
)
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_officer_uploads_in_the_browser_and_submits(
    live_server,
    browser,
    period,
    member_a,
    officer_a,
    settings,
    tmp_path,  # noqa: F811
):
    settings.FINANCE_BACKGROUND_BYTES = 1  # checked by the (eager) worker, followed by polling
    submission = services.current_submission(member_a, period)
    page = browser.new_page()
    login(page, live_server.url, "off_a")

    bad = quarter_amounts()
    bad["4.02.01.01.00"]["paid"] = 10**9
    bad_file = tmp_path / "malo.csv"
    bad_file.write_bytes(csv_bytes(with_parents(bad)))
    page.goto(f"{live_server.url}{reverse('finance:submission_detail', args=[submission.pk])}")
    page.set_input_files("#id_file", str(bad_file))
    page.click("#upload-button")
    page.wait_for_selector("#last-result")
    assert page.locator("#last-result").inner_text() == "Rechazado"
    assert "FIN-012" in page.locator("#findings").inner_text()
    assert not submission.lines.exists()

    good_file = tmp_path / "bueno.csv"
    good_file.write_bytes(csv_bytes(with_parents(quarter_amounts())))
    page.set_input_files("#id_file", str(good_file))
    page.click("#upload-button")
    page.wait_for_selector("#last-result >> text=Aceptado")
    assert page.locator("#submission-state").inner_text() == "Validado"

    page.click("text=Cargar y enviar los datos financieros")
    page.click("#claim")
    page.click("#complete")
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW


def test_the_specialist_decides_on_the_page_and_the_return_reaches_the_officer(
    live_server,
    browser,
    period,
    member_a,
    officer_a,
    facilitator_a,
    specialist,
):
    from tests.conftest import open_task
    from workflows import services as tasks

    from ..finance.conftest import quarter_file

    base = live_server.url
    # Upload, submission and the facilitator's approval through the services.
    submission = services.current_submission(member_a, period)
    services.receive_upload(submission, officer_a, "trimestre.csv", quarter_file())
    services.submit_for_review(submission, officer_a, "")
    process = flows.process_of(submission)
    tasks.take_and_complete(
        open_task(process), facilitator_a, {"decision": "approve", "comment": ""}
    )
    review = open_task(process)

    page = browser.new_context().new_page()
    login(page, base, "esp")
    page.goto(f"{base}{reverse('workflows:task_detail', args=[review.pk])}")
    page.click("#claim")
    expenditure = page.locator("#totals-expenditure").inner_text()
    assert "4.01" in expenditure
    assert "225.000,00" in expenditure  # personnel caused, es-VE
    assert "FIN-" not in page.locator("#subject").inner_text()
    page.check("input[value=return]")
    page.fill("#id_comment", "Revise el gasto de personal.")
    page.fill("#id_line_comments", "4.01.01.01.00: No coincide con la nómina")
    page.click("#complete")
    page.wait_for_selector("#history")
    current = page.locator("svg.flowchart-svg g.node.current")
    assert current.count() == 1
    assert "Cargar y enviar los datos financieros" in current.text_content()

    again = open_task(process)
    assert again.owner == officer_a  # back to the officer who uploaded
    officer = browser.new_context().new_page()
    login(officer, base, "off_a")
    officer.goto(f"{base}{reverse('workflows:task_detail', args=[again.pk])}")
    assert "Revise el gasto de personal." in officer.locator("#returned").inner_text()
    comments = officer.locator("#line-comments").inner_text()
    assert "4.01.01.01.00" in comments and "No coincide con la nómina" in comments
    assert "trimestre.csv" in officer.locator("#sent-file").inner_text()
    assert "225.000,00" in officer.locator("#totals-expenditure").inner_text()
