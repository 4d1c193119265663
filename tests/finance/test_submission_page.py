"""The submission page and what the trail keeps: words for checks, people and periods;
values, not formatted text, in the audit events; a download on its file's own chain."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from finance import selectors, services, validation
from finance.models import FiscalPeriod, Submission
from tests.conftest import open_task
from workflows import audit, rounds
from workflows.display import Reader
from workflows.models import AuditEvent, Process
from workflows.selectors import process_history

from .conftest import quarter_file, submission_of
from .test_task_panels import decide, file_with_a_warning, send, text_of

pytestmark = pytest.mark.django_db


def readable(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize(
    ("quarter", "spanish", "english"),
    [
        (0, "Presupuesto 2026", "2026 budget"),
        (1, "1.er trimestre de 2026", "1st quarter of 2026"),
        (2, "2.º trimestre de 2026", "2nd quarter of 2026"),
        (3, "3.er trimestre de 2026", "3rd quarter of 2026"),
        (4, "4.º trimestre de 2026", "4th quarter of 2026"),
    ],
)
def test_a_period_reads_as_people_say_it(quarter, spanish, english):
    period = FiscalPeriod(year=2026, quarter=quarter)
    with translation.override("es-ve"):
        assert str(period) == spanish
    with translation.override("en"):
        assert str(period) == english


def test_the_submission_page_names_checks_people_and_the_version_in_words(
    client, period, member_a, officer_a, facilitator_a, specialist
):
    specialist.first_name, specialist.last_name = "Laura", "Martínez"
    specialist.save(update_fields=["first_name", "last_name"])
    submission = submission_of(member_a, period)
    send(submission, officer_a, file_with_a_warning(), justification="Columna interna")
    decide(open_task(Process.for_subject(submission)), facilitator_a, "approve")
    decide(
        open_task(Process.for_subject(submission)),
        specialist,
        "return",
        "Revise el personal",
        [("4.01.01.01.00", "No coincide con la nómina")],
    )
    client.force_login(officer_a)
    html = client.get(submission.get_absolute_url()).content.decode()
    text = readable(html)
    title = f"{member_a.name}, 1.er trimestre de 2026 (versión 1)"
    assert f"<h1>{title}</h1>" in unescape(html)
    assert "Columna desconocida" in text
    # A check's code is shown only beside what it found, in words.
    for code in re.findall(r"FIN-\d{3}", text):
        with translation.override("es-ve"):
            assert validation.found_label(code) in text, code
    assert "No coincide con la nómina — Laura Martínez" in text
    assert "— esp" not in text
    # The lines scroll inside their own box, not the page.
    assert re.search(r'<div class="table-scroll"><table id="lines">', html)


def test_a_large_change_reads_as_what_the_check_found():
    with translation.override("es-ve"):
        assert validation.found_label("FIN-015") == (
            "Cambio grande respecto del mismo trimestre del año anterior"
        )
        assert validation.percent_points(Decimal("1.2134")) == "121,3"
        assert validation.percent_points(Decimal("0.98549")) == "98,5"
        assert validation.found_label("FIN-999") == "Problema en el archivo"


def test_the_review_panel_badges_a_large_change_as_a_change(
    client, coordinator, period, member_a, officer_a, facilitator_a, specialist
):
    # Last year's same quarter published, this year's caused personnel spending doubled.
    last_year = services.open_period(2025, 1, by=coordinator)
    last = submission_of(member_a, last_year)
    send(last, officer_a)
    decide(open_task(Process.for_subject(last)), facilitator_a, "approve")
    decide(open_task(Process.for_subject(last)), specialist, "approve", "Conforme")
    assert Submission.objects.get(pk=last.pk).state == Submission.State.PUBLISHED

    submission = submission_of(member_a, period)
    send(submission, officer_a, quarter_file(Decimal("0.5")), justification="Inflación")
    client.force_login(facilitator_a)
    panel = text_of(client.get(task_page(submission)).content.decode())
    assert "Cambio grande respecto del mismo trimestre del año anterior" in panel
    assert "Sin cambios grandes" not in panel
    assert "cambia un 100,0 % respecto de" in panel


def task_page(submission):
    return reverse("workflows:task_detail", args=[open_task(Process.for_subject(submission)).pk])


def test_a_new_file_is_recorded_as_values_and_read_in_the_readers_language(
    period, member_a, officer_a, facilitator_a
):
    submission = submission_of(member_a, period)
    send(submission, officer_a, name="primero.csv")
    decide(
        open_task(Process.for_subject(submission)), facilitator_a, "return", "Falta la ejecución"
    )
    send(submission, officer_a, quarter_file(Decimal("0.30")), name="segundo.csv")
    edit = AuditEvent.objects.get(action="submission.edited", subject_id=str(submission.pk))
    # Codes and Decimal strings: nothing formatted for one language is frozen in the trail.
    assert ["4.01.00.00.00", "225000.00"] in edit.before["expenditure_caused"]
    assert ["4.01.00.00.00", "270000.00"] in edit.after["expenditure_caused"]
    assert edit.after["expenditure_caused"][-1][0] == "total"

    review = open_task(Process.for_subject(submission))
    with translation.override("en"):
        changes = {c.key: c for c in rounds.changes_since_previous_round(review)["changes"]}
        caused = changes["expenditure_caused"]
        assert "4.01.00.00.00 GASTOS DE PERSONAL — 225,000.00" in caused.before.upper()
        assert "270,000.00" in caused.after and "Total — " in caused.after
    with translation.override("es-ve"):
        changes = {c.key: c for c in rounds.changes_since_previous_round(review)["changes"]}
        assert "225.000,00" in changes["expenditure_caused"].before
        assert "Total — " in changes["expenditure_caused"].after


def test_events_recorded_as_text_before_still_read_as_they_were(period, member_a):
    submission = submission_of(member_a, period)
    old = "4.01 Gastos de personal: 225.000,00\nTotal: 500.000,00"
    event = audit.record(
        "submission.edited",
        subject=submission,
        before={"expenditure_caused": old},
        after={"expenditure_caused": "Total: 0,00"},
    )
    reader = Reader().want(Submission, event.before, event.after)
    (change,) = reader.changes(Submission, event.before, event.after)
    assert change.before == old and change.after == "Total: 0,00"


def test_content_summary_keeps_amounts_to_the_cent():
    lines = [("", "4.01.01.01.00", {"caused": Decimal("225000")})]
    period = FiscalPeriod(year=2026, quarter=1)
    names = {"4.01.00.00.00": "GASTOS DE PERSONAL"}
    summary = selectors.content_summary(lines, names, period)
    assert summary["expenditure_caused"] == [["4.01.00.00.00", "225000.00"], ["total", "225000.00"]]


def test_a_download_goes_on_its_files_own_chain_and_stays_in_the_history(
    client, period, member_a, officer_a
):
    submission = submission_of(member_a, period)
    upload = services.receive_upload(submission, officer_a, "datos.csv", quarter_file())
    process = Process.for_subject(submission)
    client.force_login(officer_a)
    response = client.get(reverse("finance:upload_file", args=[upload.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="upload.downloaded")
    # Not the process's chain, whose head a completion holds locked while it runs.
    assert event.chain_key == audit.chain_key_for(subject=upload)
    assert event.chain_key != audit.chain_key_for(process)
    assert event in list(process_history(process))
    assert audit.verify_chain(event.chain_key)["ok"]
