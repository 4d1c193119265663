"""An officer uploads a quarter's file on the task page of a phone: progress, the checks, the
justification, then submits; a specialist returns it to them."""

import pytest
from django.urls import reverse

from finance import services
from finance.models import Submission
from workflows.models import Process

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


def test_officer_uploads_checks_justifies_and_submits_on_the_task_page_on_a_phone(
    live_server,
    browser,
    period,
    member_a,
    officer_a,
    settings,
    tmp_path,  # noqa: F811
):
    from tests.conftest import open_task

    from ..finance.test_task_panels import file_with_a_warning

    settings.FINANCE_BACKGROUND_BYTES = 1  # checked by the (eager) worker, followed by polling
    submission = services.current_submission(member_a, period)
    task_url = reverse(
        "workflows:task_detail", args=[open_task(Process.for_subject(submission)).pk]
    )
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, live_server.url, "off_a")
    page.goto(f"{live_server.url}{task_url}")
    page.click("#claim")

    bad = quarter_amounts()
    bad["4.02.01.01.00"]["paid"] = 10**9
    bad_file = tmp_path / "malo.csv"
    bad_file.write_bytes(csv_bytes(with_parents(bad)))
    page.set_input_files("#id_file", str(bad_file))
    page.click("#upload-button")
    page.wait_for_selector("#check-errors")  # back on the task page, with the refusal
    assert page.url.endswith(task_url)
    assert page.locator("#last-result").inner_text() == "Rechazado"
    errors = page.locator("#check-errors").inner_text()
    assert "fuera de orden" in errors and "(Pagado)" in errors and "FIN-" not in errors
    assert not submission.lines.exists()

    good_file = tmp_path / "bueno.csv"
    good_file.write_bytes(file_with_a_warning())
    page.set_input_files("#id_file", str(good_file))
    page.click("#upload-button")
    page.wait_for_selector("#check-warnings")
    assert page.url.endswith(task_url)
    assert page.locator("#last-result").inner_text() == "Aceptado"
    assert "Columna desconocida" in page.locator("#check-warnings").inner_text()
    # Nothing on the page is wider than the phone: the totals are one card per chapter.
    assert page.evaluate(
        "[...document.querySelectorAll('#subject, #totals-expenditure')]"
        ".every((e) => e.scrollWidth <= e.clientWidth)"
    )

    page.click("#complete")  # without the justification: refused, on the same page
    assert "Explique las advertencias" in page.locator(".task-form").inner_text()
    page.fill("#id_justification", "La columna de observaciones es interna.")
    page.click("#complete")
    page.wait_for_selector("#history")
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.justification == "La columna de observaciones es interna."


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
    process = Process.for_subject(submission)
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
