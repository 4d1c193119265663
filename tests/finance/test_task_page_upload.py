"""The upload step is done on its task page: the template, the file, the checks, the
justification and the sending, without leaving it (officer, or facilitator for them)."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance import services
from finance.flows import FinanceSubmissionFlow
from finance.models import Submission
from tests.conftest import open_task
from workflows.models import Process, Task

from .conftest import csv_bytes, quarter_amounts, quarter_file, submission_of, with_parents
from .test_task_panels import decide, file_with_a_warning, send, text_of

pytestmark = pytest.mark.django_db


def task_url(task):
    return reverse("workflows:task_detail", args=[task.pk])


def upload_from(client, task, data, name="datos.csv", **extra):
    """The panel's upload form, posted as the task page posts it (``next``: back here)."""
    submission = task.process.subject
    return client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile(name, data, "text/csv"), "next": task_url(task)},
        **extra,
    )


def file_with_errors(count):
    """The quarter's file with ``count`` paid amounts above what was caused (FIN-012)."""
    rows = quarter_amounts()
    codes = [code for code in sorted(rows) if code.startswith("4")][:count]
    for code in codes:
        rows[code]["paid"] = rows[code]["caused"] + 1000
    return csv_bytes(with_parents(rows))


def test_the_officer_uploads_sees_the_checks_justifies_and_sends_on_the_task_page(
    client, period, member_a, officer_a
):
    submission = submission_of(member_a, period)
    task = open_task(Process.for_subject(submission))
    client.force_login(officer_a)
    html = client.get(task_url(task)).content.decode()
    panel = text_of(html)
    # Everything the step needs is on the page: the template, the file input, the checks.
    assert f'href="{reverse("finance:template", args=[submission.pk])}"' in html
    action = reverse("finance:submission_upload", args=[submission.pk])
    assert f'action="{action}"' in html and 'type="file" name="file"' in html
    assert f'name="next" value="{task_url(task)}"' in html
    assert "Todavía no se ha cargado ningún archivo." in panel
    assert f"{submission.get_absolute_url()}#upload" not in html  # no page to go to for it

    # A file with errors is refused: back on the task page, each error with where it is.
    response = upload_from(client, task, file_with_errors(1), name="malo.csv")
    assert response.status_code == 302 and response["Location"] == task_url(task)
    html = client.get(task_url(task)).content.decode()
    panel = text_of(html)
    assert "Rechazado malo.csv" in panel
    assert "Corrija estas celdas y cárguelo de nuevo" in panel
    assert "Pagado, causado, comprometido y presupuesto modificado fuera de orden" in panel
    assert re.search(r"Fila \d+ \(4\.\d\d\.\d\d\.\d\d\.\d\d\), columna [A-Z]+ \(Pagado\)", panel)
    # A check's code is shown only beside what it found, in words.
    assert set(re.findall(r"FIN-\d{3}", panel)) == {"FIN-012"}
    assert "fuera de orden FIN-012" in panel and "(Pagado): " in panel
    assert not submission.lines.exists()

    # A file with a warning is accepted; the warning asks for the justification below.
    response = upload_from(client, task, file_with_a_warning(), name="bueno.csv")
    assert response["Location"] == task_url(task)
    panel = text_of(client.get(task_url(task)).content.decode())
    assert "Aceptado bueno.csv" in panel and "líneas guardadas" in panel
    assert "Columna desconocida" in panel and "Observaciones" in panel
    assert "explíquela en la justificación de abajo antes de enviar" in panel
    assert "Totales por partida" in panel

    # Sending without the justification is refused on the page; with it, it goes to review.
    client.post(reverse("workflows:task_claim", args=[task.pk]))
    response = client.post(task_url(task), {"justification": "", "comment": ""})
    assert response.status_code == 200
    assert "Explique las advertencias de los controles antes de enviar." in unescape(
        response.content.decode()
    )
    response = client.post(task_url(task), {"justification": "Columna interna", "comment": ""})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.justification == "Columna interna"


def test_the_background_check_returns_to_the_task_page(
    client, period, member_a, officer_a, settings, django_capture_on_commit_callbacks
):
    settings.FINANCE_BACKGROUND_BYTES = 1  # the check waits for the worker (eager here)
    task = open_task(Process.for_subject(submission_of(member_a, period)))
    client.force_login(officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload_from(client, task, quarter_file(), HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    data = response.json()
    assert data["url"] == task_url(task)  # where the page goes once the checks end
    status = client.get(reverse("finance:upload_status", args=[data["id"]])).json()
    assert status["result"] == "accepted"


def test_an_upload_never_returns_to_another_site(client, period, member_a, officer_a):
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    response = client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {
            "file": SimpleUploadedFile("d.csv", quarter_file(), "text/csv"),
            "next": "https://elsewhere.example/tasks/1/",
        },
    )
    assert response["Location"] == submission.get_absolute_url()


def test_the_facilitator_uploads_a_returned_submission_on_the_task_page_for_the_officer(
    client, period, member_a, officer_a, facilitator_a
):
    submission = submission_of(member_a, period)
    send(submission, facilitator_a, file_with_a_warning(), justification="Columna interna")
    decide(open_task(Process.for_subject(submission)), facilitator_a, "return", "Falta el situado")
    again = open_task(Process.for_subject(submission))
    assert again.owner == facilitator_a
    client.force_login(facilitator_a)
    html = client.get(task_url(again)).content.decode()
    assert "Usted hace este paso en nombre del funcionario municipal." in text_of(html)
    assert 'id="upload-form"' in html

    response = upload_from(client, again, file_with_a_warning(), name="corregido.csv")
    assert response["Location"] == task_url(again)
    html = client.get(task_url(again)).content.decode()
    assert "Aceptado corregido.csv" in text_of(html)
    # The justification sent last time is still there after the new file.
    form = text_of(html, "task-form")
    assert "Columna interna" in form
    response = client.post(task_url(again), {"justification": "Columna interna", "comment": ""})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW


def test_the_officer_reads_no_acting_for_note(client, period, member_a, officer_a):
    task = open_task(Process.for_subject(submission_of(member_a, period)))
    client.force_login(officer_a)
    assert "en nombre del funcionario" not in client.get(task_url(task)).content.decode()


def test_a_finished_upload_step_offers_no_upload(client, period, member_a, officer_a):
    submission = submission_of(member_a, period)
    send(submission, officer_a)
    done = Task.objects.get(
        process=Process.for_subject(submission), flow_task=FinanceSubmissionFlow.prepare_data
    )
    client.force_login(officer_a)
    html = client.get(task_url(done)).content.decode()
    assert 'id="upload-form"' not in html
    assert "Aceptado datos.csv" in text_of(html)


def test_the_upload_page_reads_as_many_rows_for_one_error_as_for_many(
    client, period, member_a, member_b, officer_a, officer_b
):
    counts, errors = [], []
    for member, officer, wrong in ((member_b, officer_b, 1), (member_a, officer_a, 5)):
        submission = submission_of(member, period)
        upload = services.receive_upload(submission, officer, "malo.csv", file_with_errors(wrong))
        task = open_task(Process.for_subject(submission))
        client.force_login(officer)
        client.get(task_url(task))
        with CaptureQueriesContext(connection) as queries:
            html = client.get(task_url(task)).content.decode()
        listed = html.split('id="check-errors"', 1)[1].split("</ul>", 1)[0]
        assert listed.count("fuera de orden") == len(upload.errors)
        errors.append(len(upload.errors))
        counts.append(len(queries))
    assert errors[0] < errors[1]
    assert counts[0] == counts[1], counts
