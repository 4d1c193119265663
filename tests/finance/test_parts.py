"""A submission made of parts: expenditure and revenue as separate files, as accounting
systems export them, in either order and in every format they come in.

The files are written here with the csv module and openpyxl, the way a municipal system
writes them (a title row, ``;`` and ``1.234.567,89``, a BOM, Windows-1252), never with
the project's own template or export code.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from finance import services
from finance.models import Line, Part, Submission, Upload
from tests.conftest import open_task
from workflows.models import AuditEvent, Process

from .conftest import es, quarter_amounts, submission_of, with_parents
from .test_api import issue_token, openapi, token_client

EXPENDITURE_COLUMNS = {
    "initial": "Presupuesto inicial",
    "modified": "Presupuesto modificado",
    "committed": "Comprometido",
    "caused": "Causado",
    "paid": "Pagado",
}
REVENUE_COLUMNS = {"estimated": "Estimado", "liquidated": "Liquidado", "collected": "Recaudado"}
COLUMNS = {Part.EXPENDITURE: EXPENDITURE_COLUMNS, Part.REVENUE: REVENUE_COLUMNS}
PREFIX = {Part.EXPENDITURE: "4", Part.REVENUE: "3"}
TITLES = {Part.EXPENDITURE: "Ejecución de gastos", Part.REVENUE: "Ejecución de ingresos"}


def part_rows(part, share=Decimal("0.25"), *, budget=False):
    """code -> {stage: amount} of one part, parents summed, as the file should carry it."""
    stages = list(COLUMNS[part])
    if budget:
        stages = stages[:1]  # the ordinance: initial budget, estimated revenue
    rows = with_parents(quarter_amounts(share))
    return {
        code: {stage: values[stage] for stage in stages}
        for code, values in rows.items()
        if code.startswith(PREFIX[part])
    }


def both_rows(share=Decimal("0.25")):
    return {**part_rows(Part.EXPENDITURE, share), **part_rows(Part.REVENUE, share)}


def spanish_short(value):
    """1500 -> "1.500" (fifteen hundred), 1234.5 -> "1.234,50": as many systems print."""
    text = es(value)
    return text[:-3] if text.endswith(",00") else text


def table(rows, part):
    stages = list(next(iter(rows.values())))
    header = ["Código", "Denominación", *(COLUMNS[part][stage] for stage in stages)]
    return header, stages


def csv_file(rows, part, *, delimiter=";", encoding="utf-8-sig", amount=es, title=True):
    """A CSV as an accounting system writes it: a title row, then the table."""
    header, stages = table(rows, part)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([f"{TITLES[part]} al 31/03/2026"])
        writer.writerow([])
    writer.writerow(header)
    for code in sorted(rows):
        writer.writerow([code, "Partida"] + [amount(rows[code][stage]) for stage in stages])
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows, part):
    header, stages = table(rows, part)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Reporte"
    sheet.append([TITLES[part]])
    sheet.append(header)
    for code in sorted(rows):
        sheet.append([code, "Partida"] + [float(rows[code][stage]) for stage in stages])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Each format named in the issue: name -> (file name, writer)
FORMATS = {
    "semicolon-utf8-bom": ("gastos.csv", lambda rows, part: csv_file(rows, part)),
    "semicolon-windows-1252": (
        "gastos.csv",
        lambda rows, part: csv_file(rows, part, encoding="cp1252", amount=spanish_short),
    ),
    "comma-utf8": (
        "gastos.csv",
        lambda rows, part: csv_file(
            rows, part, delimiter=",", encoding="utf-8", amount=lambda v: f"{v:.2f}", title=False
        ),
    ),
    "xlsx": ("gastos.xlsx", xlsx_file),
}


def stored(submission, prefix=""):
    """code -> {stage: amount} of the stored lines (stages with an amount only)."""
    result = {}
    for line in Line.objects.filter(submission=submission, code__startswith=prefix):
        amounts = {
            stage: getattr(line, stage)
            for stage in (*EXPENDITURE_COLUMNS, *REVENUE_COLUMNS)
            if getattr(line, stage) is not None
        }
        result[line.code] = amounts
    return result


def send(submission, user, part, fmt, rows, *, declared=None):
    name, writer = FORMATS[fmt]
    upload = services.receive_upload(
        submission, user, name, writer(rows, part), part=declared, background=False
    )
    return upload


# Each part alone, in each format ------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("part", [Part.EXPENDITURE, Part.REVENUE])
def test_a_part_alone_is_accepted_in_every_format(period, member_a, officer_a, part, fmt):
    submission = submission_of(member_a, period)
    rows = part_rows(part)
    upload = send(submission, officer_a, part, fmt, rows)
    assert upload.result == Upload.Result.ACCEPTED, upload.findings
    assert upload.part == part
    assert stored(submission) == rows
    submission.refresh_from_db()
    other = Part.REVENUE if part == Part.EXPENDITURE else Part.EXPENDITURE
    assert submission.part_upload_id(part) == upload.pk
    assert submission.part_upload_id(other) is None
    assert submission.missing_parts() == [other]


def test_fifteen_hundred_is_read_as_fifteen_hundred(period, member_a, officer_a):
    """ "1.500" in a Spanish-locale file is 1500, not one and a half."""
    submission = submission_of(member_a, period)
    rows = part_rows(Part.REVENUE)
    rows["3.01.03.54.00"]["collected"] = Decimal("1500")
    parent = "3.01.03.00.00"
    rows[parent]["collected"] = Decimal("1500")
    rows["3.01.00.00.00"]["collected"] += Decimal("1500") - Decimal("11250")
    rows["3.00.00.00.00"]["collected"] += Decimal("1500") - Decimal("11250")
    data = csv_file(rows, Part.REVENUE, encoding="cp1252", amount=spanish_short)
    assert b";1.500\r\n" in data
    upload = services.receive_upload(submission, officer_a, "ingresos.csv", data)
    assert upload.result == Upload.Result.ACCEPTED, upload.findings
    line = Line.objects.get(submission=submission, code="3.01.03.54.00")
    assert line.collected == Decimal("1500.00")


def test_an_expenditure_only_export_no_longer_asks_for_revenue_columns(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    upload = send(
        submission, officer_a, Part.EXPENDITURE, "semicolon-utf8-bom", part_rows("expenditure")
    )
    assert upload.result == Upload.Result.ACCEPTED
    assert not [f for f in upload.findings if f["rule"] in ("FIN-001", "FIN-011")]


def test_empty_columns_of_the_other_part_do_not_make_a_whole_file(period, member_a, officer_a):
    """Some systems print the other part's columns empty: the file is still one part."""
    submission = submission_of(member_a, period)
    rows = part_rows(Part.EXPENDITURE)
    header = ["Código", "Denominación", *EXPENDITURE_COLUMNS.values(), *REVENUE_COLUMNS.values()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for code in sorted(rows):
        writer.writerow([code, ""] + [es(rows[code][s]) for s in EXPENDITURE_COLUMNS] + [""] * 3)
    upload = services.receive_upload(
        submission, officer_a, "gastos.csv", buffer.getvalue().encode("cp1252")
    )
    assert upload.result == Upload.Result.ACCEPTED, upload.errors
    assert upload.part == Part.EXPENDITURE
    assert not [f for f in upload.findings if f["rule"] == "FIN-011"]


# Both parts, either order; replacing one keeps the other ------------------------


@pytest.mark.parametrize("first", [Part.EXPENDITURE, Part.REVENUE])
def test_both_parts_in_either_order_make_the_whole(client, period, member_a, officer_a, first):
    submission = submission_of(member_a, period)
    second = Part.REVENUE if first == Part.EXPENDITURE else Part.EXPENDITURE
    send(submission, officer_a, first, "xlsx", part_rows(first))
    send(submission, officer_a, second, "semicolon-windows-1252", part_rows(second))
    assert stored(submission) == both_rows()
    submission.refresh_from_db()
    assert submission.has_all_parts()
    # One trail event per accepted part, each naming its part.
    events = AuditEvent.objects.filter(action="submission.validate", subject_id=str(submission.pk))
    comments = [event.comment for event in events.order_by("seq")]
    assert len(comments) == 2
    assert comments[0].startswith(str(first.label)) and comments[1].startswith(str(second.label))


def test_replacing_one_part_keeps_the_other_and_the_page_says_so(
    client, period, member_a, officer_a
):
    submission = submission_of(member_a, period)
    first = send(submission, officer_a, Part.EXPENDITURE, "xlsx", part_rows("expenditure"))
    revenue = send(submission, officer_a, Part.REVENUE, "comma-utf8", part_rows("revenue"))
    half = part_rows(Part.EXPENDITURE, Decimal("0.5"))
    again = send(submission, officer_a, Part.EXPENDITURE, "semicolon-utf8-bom", half)
    assert again.result == Upload.Result.ACCEPTED
    assert stored(submission, "4") == half
    assert stored(submission, "3") == part_rows(Part.REVENUE)
    submission.refresh_from_db()
    assert (submission.expenditure_upload_id, submission.revenue_upload_id) == (
        again.pk,
        revenue.pk,
    )
    replaced = AuditEvent.objects.filter(action="submission.validate").order_by("seq").last()
    assert first.original_name in replaced.comment and "reemplaza" in replaced.comment
    # Filling the second part is no edit; replacing one is, and it says what changed.
    (edited,) = AuditEvent.objects.filter(action="submission.edited")
    assert "expenditure_caused" in edited.after
    assert not [key for key in edited.after if key.startswith("revenue")]

    client.force_login(officer_a)
    page = client.get(submission.get_absolute_url()).content.decode()
    parts = page[page.index('id="parts"') : page.index("</table>", page.index('id="parts"'))]
    expenditure = parts[parts.index('id="part-expenditure"') : parts.index('id="part-revenue"')]
    assert "Recibida" in expenditure and again.original_name in expenditure
    assert "Reemplaza a" in expenditure and first.original_name in expenditure
    revenue_row = parts[parts.index('id="part-revenue"') :]
    assert revenue.original_name in revenue_row and "Reemplaza a" not in revenue_row


def test_a_whole_file_then_one_part_replaces_that_part_only(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    whole = services.receive_upload(submission, officer_a, "todo.csv", _whole_csv(both_rows()))
    assert whole.result == Upload.Result.ACCEPTED and whole.part == Part.BOTH
    half = part_rows(Part.REVENUE, Decimal("0.5"))
    send(submission, officer_a, Part.REVENUE, "xlsx", half)
    assert stored(submission, "3") == half
    assert stored(submission, "4") == part_rows(Part.EXPENDITURE)
    submission.refresh_from_db()
    assert submission.expenditure_upload_id == whole.pk


def _whole_csv(rows):
    """One file with both parts, as the template's columns: the way it worked before parts."""
    stages = [*EXPENDITURE_COLUMNS, *REVENUE_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        ["Código", "Denominación"]
        + [{**EXPENDITURE_COLUMNS, **REVENUE_COLUMNS}[stage] for stage in stages]
    )
    for code in sorted(rows):
        writer.writerow(
            [code, ""]
            + [es(rows[code][s]) if rows[code].get(s) is not None else "" for s in stages]
        )
    return buffer.getvalue().encode("utf-8-sig")


# Checks per part ------------------------------------------------------------


def test_a_part_declared_otherwise_than_its_columns_is_refused(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    upload = send(
        submission,
        officer_a,
        Part.EXPENDITURE,
        "semicolon-utf8-bom",
        part_rows("expenditure"),
        declared=Part.REVENUE,
    )
    assert upload.result == Upload.Result.REJECTED
    messages = [f["message"] for f in upload.errors if f["rule"] == "FIN-001"]
    assert any("Estimado" in m and "ingresos" in m for m in messages), messages
    assert any("Presupuesto inicial" in m for m in messages), messages
    assert not Line.objects.filter(submission=submission).exists()


def test_a_revenue_code_in_the_expenditure_part_is_an_error_at_its_row(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    rows = part_rows(Part.EXPENDITURE)
    rows["3.01.02.05.00"] = {stage: Decimal(0) for stage in EXPENDITURE_COLUMNS}
    upload = send(submission, officer_a, Part.EXPENDITURE, "semicolon-utf8-bom", rows)
    assert upload.result == Upload.Result.REJECTED
    (finding,) = [f for f in upload.errors if f["rule"] == "FIN-008"]
    assert finding["code"] == "3.01.02.05.00" and finding["column"] == "A"
    assert finding["row"] == 4  # title, blank row, header, then the sorted codes: 3.01... first


# The whole, on submit --------------------------------------------------------


def submit(submission, officer):
    return services.submit_for_review(submission, officer, "")


def test_submit_is_refused_until_both_parts_are_in(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    with pytest.raises(ValidationError) as refused:
        submit(submission, officer_a)
    assert "gastos" in refused.value.messages[0] and "ingresos" in refused.value.messages[0]
    send(submission, officer_a, Part.REVENUE, "xlsx", part_rows("revenue"))
    with pytest.raises(ValidationError) as refused:
        submit(submission, officer_a)
    assert refused.value.messages == [
        "Falta la parte de gastos: cargue su archivo y espere a que pase los controles antes "
        "de enviar."
    ]
    submission.refresh_from_db()
    assert submission.state == Submission.State.VALIDATED
    send(submission, officer_a, Part.EXPENDITURE, "xlsx", part_rows("expenditure"))
    submit(submission, officer_a)
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW


def test_an_unbalanced_budget_across_parts_is_refused_on_submit(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    rows = part_rows(Part.REVENUE)
    for code in ("3.05.03.01.00", "3.05.03.00.00", "3.05.00.00.00", "3.00.00.00.00"):
        rows[code]["estimated"] += Decimal("1000")
    revenue = send(submission, officer_a, Part.REVENUE, "semicolon-utf8-bom", rows)
    assert revenue.result == Upload.Result.ACCEPTED  # a part alone cannot balance
    send(submission, officer_a, Part.EXPENDITURE, "semicolon-utf8-bom", part_rows("expenditure"))
    with pytest.raises(ValidationError) as refused:
        submit(submission, officer_a)
    (message,) = refused.value.messages
    assert "no está equilibrado" in message and "2.001.000,00" in message and "1.000,00" in message
    submission.refresh_from_db()
    assert submission.state == Submission.State.VALIDATED


def test_the_task_page_refuses_the_submit_with_a_part_missing(client, period, member_a, officer_a):
    submission = submission_of(member_a, period)
    send(submission, officer_a, Part.EXPENDITURE, "xlsx", part_rows("expenditure"))
    task = open_task(Process.for_subject(submission))
    client.force_login(officer_a)
    url = reverse("workflows:task_detail", args=[task.pk])
    client.post(reverse("workflows:task_claim", args=[task.pk]))
    page = client.get(url).content.decode()
    assert 'id="part-revenue"' in page and "Falta la parte de ingresos" in page
    response = client.post(url, {"justification": "", "comment": ""})
    assert "Falta la parte de ingresos" in response.content.decode()
    submission.refresh_from_db()
    assert submission.state == Submission.State.VALIDATED


# The budget period (period 0) -----------------------------------------------


def test_the_budget_comes_in_parts_too(coordinator, member_a, officer_a, facilitator_a):
    budget = services.open_period(2026, 0, by=coordinator)
    submission = submission_of(member_a, budget)
    spending = part_rows(Part.EXPENDITURE, budget=True)
    income = part_rows(Part.REVENUE, budget=True)
    assert set(next(iter(spending.values()))) == {"initial"}
    upload = send(submission, officer_a, Part.REVENUE, "semicolon-windows-1252", income)
    assert upload.result == Upload.Result.ACCEPTED, upload.findings
    upload = send(submission, officer_a, Part.EXPENDITURE, "xlsx", spending)
    assert upload.result == Upload.Result.ACCEPTED, upload.findings
    assert stored(submission) == {**spending, **income}
    submit(submission, officer_a)
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW


# Templates per part ---------------------------------------------------------


def test_a_template_per_part(client, period, member_a, officer_a, officer_b):
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    page = client.get(submission.get_absolute_url()).content.decode()
    for part in ("expenditure", "revenue"):
        assert f'id="template-{part}"' in page
    url = reverse("finance:template", args=[submission.pk])
    response = client.get(url, {"part": "expenditure"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-gastos.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["Datos"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Código")
    assert list(header) == [
        "Código",
        "Denominación",
        "Presupuesto inicial",
        "Presupuesto modificado",
        "Comprometido",
        "Causado",
        "Pagado",
    ]
    codes = [row[0] for row in rows[rows.index(header) + 1 :]]
    assert codes and all(code.startswith("4") for code in codes)
    revenue = client.get(url, {"part": "revenue"})
    sheet = load_workbook(io.BytesIO(revenue.content), read_only=True)["Datos"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Código")
    assert list(header) == ["Código", "Denominación", "Estimado", "Liquidado", "Recaudado"]
    assert client.get(url, {"part": "otra"}).status_code == 404
    client.force_login(officer_b)  # another territory
    assert client.get(url, {"part": "revenue"}).status_code == 404


def test_a_filled_part_template_is_accepted_as_that_part(client, period, member_a, officer_a):
    """The template of a part, filled as an officer would, goes in as that part."""
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    response = client.get(reverse("finance:template", args=[submission.pk]), {"part": "revenue"})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Datos"]
    rows = part_rows(Part.REVENUE)
    columns = {"estimated": 3, "liquidated": 4, "collected": 5}
    for row in sheet.iter_rows(min_row=6):
        values = rows.get(row[0].value)
        for stage, column in columns.items():
            if values:
                row[column - 1].value = float(values[stage])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = services.receive_upload(submission, officer_a, "plantilla.xlsx", buffer.getvalue())
    assert upload.result == Upload.Result.ACCEPTED, upload.errors[:3]
    assert upload.part == Part.REVENUE and stored(submission) == rows


# The web form and the API ---------------------------------------------------


def test_the_upload_form_takes_a_chosen_part(client, period, member_a, officer_a):
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    data = FORMATS["xlsx"][1](part_rows(Part.REVENUE), Part.REVENUE)
    client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile("i.xlsx", data), "part": "revenue"},
    )
    upload = Upload.objects.get(submission=submission)
    assert (upload.result, upload.part) == (Upload.Result.ACCEPTED, Part.REVENUE)


def test_the_api_takes_parts_declared_or_read_from_the_columns(client, period, member_a, officer_a):
    document = openapi(client)
    upload_schema = document["paths"]["/api/finance/submissions/{id}/upload/"]["post"]
    body = upload_schema["requestBody"]["content"]
    for media in ("application/json", "multipart/form-data"):
        ref = body[media]["schema"]["$ref"].rsplit("/", 1)[-1]
        part = document["components"]["schemas"][ref]["properties"]["part"]
        assert "expenditure" in str(part) or "$ref" in str(part) or "allOf" in str(part)
    api = token_client(issue_token(client, officer_a))
    submission = submission_of(member_a, period)
    url = f"/api/finance/submissions/{submission.pk}/upload/"
    revenue = part_rows(Part.REVENUE)
    lines = [
        {"code": code, **{stage: f"{value:.2f}" for stage, value in revenue[code].items()}}
        for code in sorted(revenue)
    ]
    response = api.post(url, {"lines": lines}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["part"] == "revenue"
    detail = api.get(f"/api/finance/submissions/{submission.pk}/").json()
    assert detail["missing_parts"] == ["expenditure"]
    assert detail["revenue_upload"] == response.json()["id"]
    data = FORMATS["semicolon-utf8-bom"][1](part_rows(Part.EXPENDITURE), Part.EXPENDITURE)
    response = api.post(url, {"file": SimpleUploadedFile("g.csv", data), "part": "expenditure"})
    assert response.status_code == 201, response.json()
    assert api.get(f"/api/finance/submissions/{submission.pk}/").json()["missing_parts"] == []
    wrong = api.post(url, {"lines": lines, "part": "otra"}, content_type="application/json")
    assert wrong.status_code == 400 and "part" in wrong.json()
    assert stored(submission) == both_rows()


# Any order, any number of replacements (property) --------------------------------

SHARES = [Decimal("0.1"), Decimal("0.25"), Decimal("0.5"), Decimal("0.75")]
steps = st.lists(
    st.tuples(
        st.sampled_from([Part.EXPENDITURE, Part.REVENUE, Part.BOTH]),
        st.sampled_from(SHARES),
        st.sampled_from(list(FORMATS)),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_parts_in_any_order_stand_as_the_last_file_of_each(
    coordinator, member_a, officer_a, facilitator_a, steps
):
    year = 2001 + AuditEvent.objects.filter(action="fiscalperiod.opened").count()
    period = services.open_period(year, 1, by=coordinator, start_processes=False)
    submission, _process = services.start_submission(member_a, period, by=coordinator)
    last = {}
    for part, share, fmt in steps:
        if part == Part.BOTH:
            upload = services.receive_upload(
                submission, officer_a, "todo.csv", _whole_csv(both_rows(share))
            )
            last[Part.EXPENDITURE] = last[Part.REVENUE] = share
        else:
            upload = send(submission, officer_a, part, fmt, part_rows(part, share))
            last[part] = share
        assert upload.result == Upload.Result.ACCEPTED, upload.errors[:3]
        for each, kept in last.items():
            assert stored(submission, PREFIX[each]) == part_rows(each, kept)
        submission.refresh_from_db()
        if len(last) < 2:
            with pytest.raises(ValidationError):
                submit(submission, officer_a)
    if len(last) == 2:
        submit(submission, officer_a)
        submission.refresh_from_db()
        assert submission.state == Submission.State.IN_REVIEW


# Honest progress in the embedded default --------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_a_worker_the_reply_to_an_upload_is_the_final_result(
    client, coordinator, member_a, officer_a, settings
):
    """Celery eager (no worker): the background check runs when the upload commits, and
    the reply says how it ended rather than "being checked, 0 %"."""
    settings.FINANCE_BACKGROUND_BYTES = 1  # every file goes to the background job
    period = services.open_period(2026, 1, by=coordinator)
    submission = submission_of(member_a, period)
    client.force_login(officer_a)
    data = csv_file(part_rows(Part.EXPENDITURE), Part.EXPENDITURE)
    response = client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile("gastos.csv", data)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 202
    reply = response.json()
    assert (reply["result"], reply["progress"]) == ("accepted", 100)
    assert reply["lines"] == len(part_rows(Part.EXPENDITURE))
    assert (reply["part"], reply["part_label"]) == ("expenditure", "Gastos")


def test_the_parts_table_reads_in_constant_queries(client, period, member_a, officer_a):
    submission = submission_of(member_a, period)
    send(submission, officer_a, Part.EXPENDITURE, "xlsx", part_rows("expenditure"))
    client.force_login(officer_a)
    url = submission.get_absolute_url()
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for share in SHARES:
        send(submission, officer_a, Part.EXPENDITURE, "xlsx", part_rows("expenditure", share))
        send(submission, officer_a, Part.REVENUE, "xlsx", part_rows("revenue", share))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('class="muted replaced"') == 2
    assert len(many.captured_queries) == len(one.captured_queries)
