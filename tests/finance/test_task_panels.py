"""What the finance data's task pages show: the reviewers decide on them, the officer reworks.

Each review page shows the submission's totals by chapter, its checks and the municipality's
justification; returned work goes back to whoever uploaded it, with the line comments and
the file sent last time; the next round lists what the new file changed.
"""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from finance import selectors, services, validation
from finance.models import ClassifierEntry
from tests.conftest import open_task
from workflows import services as tasks
from workflows.models import AuditEvent, Process

from .conftest import csv_bytes, quarter_amounts, quarter_file, submission_of, with_parents

pytestmark = pytest.mark.django_db


def page_of(client, task):
    response = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html, section="subject"):
    """The readable text of one card of the task page (its panel by default)."""
    found = re.search(rf'<section class="card {section}".*?</section>', html, re.S)
    assert found, f"no {section} card on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def file_with_a_warning():
    """The quarter's file with a column the checks do not know: accepted, with a warning."""
    rows = csv_bytes(with_parents(quarter_amounts())).decode("cp1252").splitlines()
    rows[0] += ";Observaciones"
    return "\n".join(rows).encode("cp1252")


def send(submission, user, data=None, name="datos.csv", justification=""):
    upload = services.receive_upload(submission, user, name, data or quarter_file())
    assert upload.result == "accepted", upload.findings
    services.submit_for_review(submission, user, justification)
    return upload


def decide(task, user, decision, comment="", line_comments=()):
    data = {"decision": decision, "comment": comment}
    if task.flow_task.name == "specialist_review":
        data["line_comments"] = list(line_comments)
    tasks.take_and_complete(task, user, data)


def name_of(code):
    return ClassifierEntry.objects.get(code=code).name


def test_the_reviewers_see_totals_by_chapter_checks_and_justification(
    client, period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    send(submission, officer_a, file_with_a_warning(), justification="La columna es interna")
    review = open_task(Process.for_subject(submission))
    assert review.flow_task.name == "facilitator_review"

    client.force_login(facilitator_a)
    html = page_of(client, review)
    panel = text_of(html)
    with translation.override("es-ve"):
        period_name, warning = str(period), validation.found_label("FIN-002")
    assert "Los datos por revisar" in panel and period_name in panel
    assert f"{member_a.name}, {member_a.region.name}" in panel
    # Chapters of each kind, in the period's currency, with es-VE amounts.
    assert "Montos en Bolívar digital (VED)" in panel
    assert f"3.01 {name_of('3.01.00.00.00')}" in panel
    assert f"4.01 {name_of('4.01.00.00.00')}" in panel
    assert "850.000,00" in panel  # 3.01 estimated: 300.000 + 500.000 + 50.000
    assert "191.250,00" in panel  # 3.01 collected: 0.9 × 0.25 × 850.000
    assert "225.000,00" in panel  # 4.01 caused
    assert "Total 2.000.000,00" in panel  # estimated revenue = initial budget
    assert "Ingresos" in panel and "Gastos" in panel and "Partida" in panel
    # On a phone each chapter is a card, each amount under its stage's name.
    assert 'class="chapter-totals cards" id="totals-expenditure"' in html
    assert '<td class="num" data-label="Causado">225.000,00</td>' in html
    # The checks with their warnings, in words, and the municipality's justification.
    assert warning in panel and "Observaciones" in panel
    assert "La justificación del municipio" in panel and "La columna es interna" in panel
    assert "FIN-" not in panel
    assert "1 de " in panel and "controles con advertencias" in panel
    lines_url = reverse("finance:submission_detail", args=[submission.pk])
    assert f'href="{lines_url}#lines"' in html
    assert f"Ver las {submission.lines.count()} líneas del envío" in panel

    decide(review, facilitator_a, "approve")
    final = open_task(Process.for_subject(submission))
    client.force_login(specialist)
    panel = text_of(page_of(client, final))
    assert "225.000,00" in panel and "La columna es interna" in panel


def test_totals_by_chapter_count_a_line_once_whether_parents_are_given_or_not():
    leaves = quarter_amounts()
    names = {"3.01.00.00.00": "Ingresos ordinarios", "4.01.00.00.00": "Gastos de personal"}
    stages = ["initial", "caused", "estimated", "collected"]

    def tuples(rows, program=""):
        return [(program, code, amounts) for code, amounts in rows.items()]

    from_leaves = selectors.totals_by_chapter(tuples(leaves), names, stages)
    with_all = selectors.totals_by_chapter(tuples(with_parents(leaves)), names, stages)
    for totals in (from_leaves, with_all):
        revenue, expenditure = totals
        assert [row.short_code for row in revenue.chapters] == ["3.01", "3.05"]
        assert revenue.chapters[0].name == "Ingresos ordinarios"
        assert revenue.chapters[0].amounts["estimated"] == Decimal("850000.00")
        assert revenue.total["estimated"] == Decimal("2000000.00")
        assert expenditure.chapters[0].amounts["caused"] == Decimal("225000.00")
        assert expenditure.total["initial"] == Decimal("2000000.00")
        assert [key for key, _label in expenditure.stages] == ["initial", "caused"]
    # Two programmes of the same chapter add up.
    twice = selectors.totals_by_chapter(tuples(leaves, "01") + tuples(leaves, "02"), names, stages)
    assert twice[1].chapters[0].amounts["caused"] == Decimal("450000.00")


def test_a_return_goes_back_to_the_officer_who_uploaded(period, member_a, officer_a, facilitator_a):
    submission = submission_of(member_a, period)
    send(submission, officer_a)
    decide(open_task(Process.for_subject(submission)), facilitator_a, "return", "Falta el situado")
    again = open_task(Process.for_subject(submission))
    assert again.flow_task.name == "prepare_data"
    assert again.owner == officer_a and again.status == "ASSIGNED"


def test_a_return_goes_back_to_the_facilitator_who_uploaded_for_the_officer(
    period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    send(submission, facilitator_a)  # on the officer's behalf
    decide(open_task(Process.for_subject(submission)), facilitator_a, "approve")
    decide(open_task(Process.for_subject(submission)), specialist, "return", "Revisar personal")
    again = open_task(Process.for_subject(submission))
    assert again.flow_task.name == "prepare_data"
    assert again.owner == facilitator_a and again.owner != officer_a


def test_the_upload_after_a_return_shows_the_line_comments_and_the_file_sent(
    client, period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    send(submission, officer_a, name="primero.csv")
    decide(open_task(Process.for_subject(submission)), facilitator_a, "approve")
    decide(
        open_task(Process.for_subject(submission)),
        specialist,
        "return",
        "Revise el gasto de personal.",
        [("4.01.01.01.00", "No coincide con la nómina")],
    )
    again = open_task(Process.for_subject(submission))
    client.force_login(officer_a)
    html = page_of(client, again)
    assert "Revise el gasto de personal." in text_of(html, "returned")  # the engine's card
    panel = text_of(html)
    assert "Comentarios por línea" in panel
    assert f"4.01.01.01.00 {name_of('4.01.01.01.00')}" in panel
    assert "No coincide con la nómina" in panel
    assert "Archivo enviado la vez anterior: primero.csv" in panel
    upload_url = reverse("finance:submission_upload", args=[submission.pk])
    assert f'action="{upload_url}"' in html  # the new file is uploaded on this page

    services.receive_upload(submission, officer_a, "segundo.csv", quarter_file())
    panel = text_of(page_of(client, again))
    assert "Archivo enviado la vez anterior: primero.csv" in panel
    assert "un archivo nuevo pasó los controles: segundo.csv" in panel


def test_the_next_round_lists_what_the_new_file_changed(
    client, period, member_a, officer_a, facilitator_a
):
    submission = submission_of(member_a, period)
    send(submission, officer_a, name="primero.csv")
    decide(
        open_task(Process.for_subject(submission)), facilitator_a, "return", "Falta la ejecución"
    )
    send(submission, officer_a, quarter_file(Decimal("0.30")), name="segundo.csv")

    edit = AuditEvent.objects.get(action="submission.edited", subject_id=str(submission.pk))
    assert set(edit.after) == {"revenue_collected", "expenditure_caused"}
    assert ["4.01.00.00.00", "225000.00"] in edit.before["expenditure_caused"]

    review = open_task(Process.for_subject(submission))
    assert review.owner == facilitator_a  # the same reviewer's next round
    client.force_login(facilitator_a)
    changes = text_of(page_of(client, review), "changes")
    assert "Gastos causados por partida" in changes
    assert "Ingresos recaudados por partida" in changes
    assert "225.000,00" in changes and "270.000,00" in changes  # 4.01 caused: 25 % → 30 %
    assert "Archivo aceptado primero.csv segundo.csv" in changes
    assert "Sha256" not in changes and "Upload" not in changes


def test_a_file_with_the_same_totals_changes_only_the_line_count(
    client, period, member_a, officer_a, facilitator_a
):
    submission = submission_of(member_a, period)
    send(submission, officer_a)
    decide(open_task(Process.for_subject(submission)), facilitator_a, "return", "Sin los padres")
    leaves_only = csv_bytes(quarter_amounts())
    send(submission, officer_a, leaves_only, name="hojas.csv")
    client.force_login(facilitator_a)
    changes = text_of(page_of(client, open_task(Process.for_subject(submission))), "changes")
    before, after = len(with_parents(quarter_amounts())), len(quarter_amounts())
    assert f"Número de líneas {before} {after}" in changes
    assert "por partida" not in changes


def small_file():
    """Two leaves that balance: the smallest file the checks accept."""
    d = Decimal
    return csv_bytes(
        {
            "3.05.03.01.00": {"estimated": d(1000), "liquidated": d(250), "collected": d(200)},
            "4.01.01.01.00": {
                "initial": d(1000),
                "modified": d(1000),
                "committed": d(300),
                "caused": d(250),
                "paid": d(200),
            },
        }
    )


def test_a_review_page_reads_as_many_rows_for_two_lines_as_for_forty(
    client,
    period,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
):
    small, large = submission_of(member_b, period), submission_of(member_a, period)
    send(small, officer_b, small_file())
    send(large, officer_a)
    assert small.lines.count() == 2 and large.lines.count() > 20
    for submission, facilitator in ((small, facilitator_b), (large, facilitator_a)):
        decide(open_task(Process.for_subject(submission)), facilitator, "approve")
    client.force_login(specialist)
    counts = []
    for submission in (small, large):
        review = open_task(Process.for_subject(submission))
        page_of(client, review)  # caches (content types, the user's permissions) warmed
        with CaptureQueriesContext(connection) as queries:
            assert "Totales por partida" in page_of(client, review)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_upload_page_reads_as_many_rows_for_one_line_comment_as_for_five(
    client,
    period,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
):
    counts = []
    for member, officer, facilitator, comments in (
        (member_b, officer_b, facilitator_b, 1),
        (member_a, officer_a, facilitator_a, 5),
    ):
        submission = submission_of(member, period)
        send(submission, officer)
        decide(open_task(Process.for_subject(submission)), facilitator, "approve")
        codes = list(submission.lines.order_by("code").values_list("code", flat=True)[:comments])
        decide(
            open_task(Process.for_subject(submission)),
            specialist,
            "return",
            "Revisar",
            [(code, "Revisar esta línea") for code in codes],
        )
        again = open_task(Process.for_subject(submission))
        client.force_login(officer)
        page_of(client, again)
        with CaptureQueriesContext(connection) as queries:
            html = page_of(client, again)
        assert text_of(html).count("Revisar esta línea") == comments
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
