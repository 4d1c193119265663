"""An officer uploads a quarter's file in a real browser: progress, the checks, then submits."""

import pytest
from django.urls import reverse

from finance import services
from finance.models import Submission

from ..finance.conftest import (  # noqa: F401 (fixtures)
    csv_bytes,
    member_a,
    member_b,
    officer_a,
    period,
    quarter_amounts,
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
