"""Findings at any size: formulas reported in every column, a cap per check, the report
grouped by check and paginated, and its downloads for those who may see the file."""

import csv
import io
import re
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from finance import parsing, services
from finance.models import Upload

from .conftest import HEADER, es, quarter_amounts, submission_of, with_parents

STAGES = ["initial", "modified", "committed", "caused", "paid", "estimated", "liquidated"]
STAGES += ["collected"]


def readable(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def rows_of_a_good_quarter():
    """[code, name, *eight amounts] for a consistent quarter, as a sheet would hold them."""
    rows = with_parents(quarter_amounts())
    return [[code, "", *[rows[code].get(stage) for stage in STAGES]] for code in sorted(rows)]


def csv_of(rows, header=HEADER):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                "" if cell is None else es(cell) if not isinstance(cell, str) else cell
                for cell in row
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_of(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Datos"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def formula_cells(parsed):
    return {(f.row, f.column) for f in parsed.findings if f.rule == "FIN-017"}


# Formulas, in every column ----------------------------------------------------


def test_formulas_in_text_and_amount_columns_of_a_csv_are_findings_with_row_and_column(db):
    rows = rows_of_a_good_quarter()
    rows[0][1] = '=HYPERLINK("http://example.com";"Ingresos")'  # Denominación, B2
    rows[2][1] = "@SUM(1+1)"  # B4
    rows[3][1] = "-Ingresos propios"  # B5: a dash before text is a formula too
    rows[4][5] = "=C6*2"  # Causado, F6
    rows[5][2] = "+1"  # Presupuesto inicial, C7
    rows[6][6] = "-1.234,56"  # a negative number: read, not a formula
    rows[7][6] = "-"  # a lone dash: zero, not a formula
    parsed = parsing.parse("datos.csv", csv_of(rows))
    assert formula_cells(parsed) == {(2, "B"), (4, "B"), (5, "B"), (6, "F"), (7, "C")}
    message = next(f.message for f in parsed.findings if (f.row, f.column) == (2, "B"))
    assert message.startswith("Fila 2, columna B") and "=HYPERLINK(" in message
    assert "fórmula" in message
    assert parsed.has_errors
    assert not any(f.row in (8, 9) for f in parsed.findings if f.rule == "FIN-017")


def test_a_formula_in_the_programme_column_of_a_csv_is_reported(db):
    header = ["Programa", *HEADER]
    rows = [['=HYPERLINK("x")', *row] for row in rows_of_a_good_quarter()[:1]]
    parsed = parsing.parse("datos.csv", csv_of(rows, header))
    assert (2, "A") in formula_cells(parsed)


def test_formulas_anywhere_in_an_xlsx_are_findings_with_row_and_column(db):
    header = ["Programa", *HEADER, "Observaciones"]
    rows = [["01.00.51", *row, ""] for row in rows_of_a_good_quarter()]
    rows[0][0] = '=HYPERLINK("http://example.com","01")'  # Programa, A2
    rows[1][2] = '=HYPERLINK("http://example.com","Impuestos")'  # Denominación, C3
    rows[2][11] = "=A1"  # an unknown column, L4
    rows[3][6] = "=D5-1"  # Causado, G5
    parsed = parsing.parse("datos.xlsx", xlsx_of(rows, header))
    assert formula_cells(parsed) == {(2, "A"), (3, "C"), (4, "L"), (5, "G")}
    assert parsed.has_errors  # refused: no programme of a formula is stored


def test_a_date_in_a_text_column_of_an_xlsx_is_no_formula(db):
    import datetime

    rows = rows_of_a_good_quarter()
    rows[0][1] = datetime.date(2026, 3, 31)
    parsed = parsing.parse("datos.xlsx", xlsx_of(rows))
    assert not formula_cells(parsed)


def test_an_uploaded_file_with_a_formula_in_a_text_column_is_refused_naming_the_cell(
    period, member_a, officer_a
):
    rows = rows_of_a_good_quarter()
    rows[3][1] = '=HYPERLINK("http://example.com","Sueldos")'
    upload = services.receive_upload(
        submission_of(member_a, period), officer_a, "datos.xlsx", xlsx_of(rows), background=False
    )
    assert upload.result == Upload.Result.REJECTED
    [finding] = [f for f in upload.findings if f["rule"] == "FIN-017"]
    assert (finding["row"], finding["column"]) == (5, "B")


# The cap --------------------------------------------------------------------


def bad_amounts_csv(count):
    lines = ["Código;Causado"] + [f"4.01.01.01.00;x{i}" for i in range(count)]
    return "\n".join(lines).encode()


@hypothesis_settings(max_examples=40, deadline=None)
@given(faults=st.integers(min_value=0, max_value=60), cap=st.integers(min_value=1, max_value=25))
def test_collecting_stops_at_the_cap_and_counts_the_rest(faults, cap):
    with override_settings(FINANCE_FINDINGS_PER_RULE=cap):
        parsed = parsing.parse("datos.csv", bad_amounts_csv(faults))
    kept = [f for f in parsed.findings if f.rule == "FIN-006"]
    assert len(kept) == min(faults, cap)
    assert parsed.findings.omitted.get("FIN-006", 0) == max(0, faults - cap)
    assert parsed.findings.of_rule("FIN-006") == faults
    # The ones kept are the first of the file.
    assert [f.row for f in kept] == list(range(2, 2 + min(faults, cap)))


@pytest.fixture
def capped(settings, period, member_a, officer_a):
    """A refused upload with 30 faulty amounts, of which 12 are kept."""
    settings.FINANCE_FINDINGS_PER_RULE = 12
    return services.receive_upload(
        submission_of(member_a, period),
        officer_a,
        "datos.csv",
        bad_amounts_csv(30),
        background=False,
    )


def test_an_upload_keeps_the_cap_and_records_how_many_more(capped):
    capped.refresh_from_db()
    assert capped.result == Upload.Result.REJECTED
    assert sum(1 for f in capped.findings if f["rule"] == "FIN-006") == 12
    assert capped.findings_counts["FIN-006"] == {"severity": "error", "kept": 12, "more": 18}
    assert capped.error_count == len(capped.errors) + 18


def test_the_report_says_how_many_more_in_spanish(client, capped, officer_a):
    client.force_login(officer_a)
    html = client.get(reverse("finance:upload_findings", args=[capped.pk])).content.decode()
    text = readable(html)
    assert "Monto que no es un número FIN-006 12 y 18 más" in text
    # The submission page shows the same groups, with the way to the report.
    page = client.get(reverse("finance:submission_detail", args=[capped.submission_id]))
    text = readable(page.content.decode())
    assert "12 y 18 más" in text and "Ver los 13 hallazgos guardados" in text


def test_thousands_are_written_as_people_here_read_them(
    settings, period, member_a, officer_a, client
):
    settings.FINANCE_FINDINGS_PER_RULE = 1
    upload = services.receive_upload(
        submission_of(member_a, period),
        officer_a,
        "datos.csv",
        bad_amounts_csv(1501),
        background=False,
    )
    client.force_login(officer_a)
    text = readable(
        client.get(reverse("finance:upload_findings", args=[upload.pk])).content.decode()
    )
    assert "1 y 1.500 más" in text


# The report, page by page ----------------------------------------------------


@pytest.fixture
def many(period, member_a, officer_a):
    """A refused upload with 250 faulty amounts and one missing-columns finding."""
    return services.receive_upload(
        submission_of(member_a, period),
        officer_a,
        "datos.csv",
        bad_amounts_csv(250),
        background=False,
    )


def messages_on(client, url):
    html = client.get(url).content.decode()
    block = html.split('id="findings-page"', 1)[1].split("</div>", 1)[0]
    return re.findall(r"<li>(.*?)</li>", block)


def test_the_report_is_grouped_by_check_and_paginated(client, many, officer_a):
    client.force_login(officer_a)
    url = reverse("finance:upload_findings", args=[many.pk])
    first = messages_on(client, url)
    assert len(first) == 100
    html = client.get(url).content.decode()
    headings = re.findall(r'<h2 class="findings-rule">(.*?)</h2>', html)
    # Errors by check: the missing columns (FIN-001) first, then the amounts (FIN-006).
    assert [unescape(re.sub(r"<[^>]+>", "", h)) for h in headings] == [
        "Faltan encabezados o columnas obligatorias (FIN-001)",
        "Monto que no es un número (FIN-006)",
    ]
    assert "«x0»" in unescape(first[1]) and "Fila 2," in unescape(first[1])
    last = messages_on(client, url + "?page=3")
    assert len(last) == 251 - 200
    assert "Fila 251," in unescape(last[-1]) and "«x249»" in unescape(last[-1])
    assert "Página 3 de 3" in readable(client.get(url + "?page=3").content.decode())
    # One check only, still paginated.
    only = messages_on(client, url + "?rule=FIN-006&page=3")
    assert len(only) == 50 and all("no es un monto" in unescape(m) for m in only)


def test_the_report_page_runs_the_same_queries_for_any_number_of_findings(
    client, many, capped, officer_a, django_assert_max_num_queries
):
    client.force_login(officer_a)
    small = reverse("finance:upload_findings", args=[capped.pk])
    client.get(small)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(small)
    with django_assert_max_num_queries(len(queries)):
        response = client.get(reverse("finance:upload_findings", args=[many.pk]) + "?page=2")
    assert response.status_code == 200


# Downloads ------------------------------------------------------------------


@pytest.mark.parametrize("dialect, delimiter", [("es", ";"), ("standard", ","), ("", ";")])
def test_the_findings_download_as_csv_with_every_finding_and_the_rest_counted(
    client, capped, officer_a, dialect, delimiter
):
    client.force_login(officer_a)
    url = reverse("finance:upload_findings_download", args=[capped.pk, "csv"])
    response = client.get(url, {"dialect": dialect} if dialect else {})
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, as spreadsheets expect
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))
    assert rows[0] == [
        "Control",
        "Hallazgo",
        "Gravedad",
        "Fila",
        "Columna",
        "Código presupuestario",
        "Mensaje",
    ]
    amounts = [row for row in rows[1:] if row[0] == "FIN-006" and row[3]]
    assert [row[3] for row in amounts] == [str(n) for n in range(2, 14)]
    assert all(row[4] == "B" and row[2] == "Error" for row in amounts)
    assert "«x0»" in amounts[0][6]
    [rest] = [row for row in rows[1:] if row[0] == "FIN-006" and not row[3]]
    assert rest[6].startswith("Y 18 hallazgos más de este control")


def test_the_findings_download_as_xlsx(client, many, officer_a):
    client.force_login(officer_a)
    response = client.get(reverse("finance:upload_findings_download", args=[many.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Control", "Hallazgo", "Gravedad", "Fila")
    assert len(rows) == 1 + 251
    assert rows[-1][0] == "FIN-006" and rows[-1][3] == 251 and rows[-1][4] == "B"


def test_a_formula_quoted_in_a_finding_is_escaped_in_the_download(
    client, period, member_a, officer_a
):
    rows = rows_of_a_good_quarter()
    rows[0][1] = "=HYPERLINK(1)"
    upload = services.receive_upload(
        submission_of(member_a, period), officer_a, "datos.csv", csv_of(rows), background=False
    )
    client.force_login(officer_a)
    response = client.get(reverse("finance:upload_findings_download", args=[upload.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert all(
        not (isinstance(cell.value, str) and cell.value.startswith("="))
        for row in sheet.iter_rows()
        for cell in row
    )


@pytest.mark.parametrize(
    "name,args",
    [
        ("finance:upload_findings", []),
        ("finance:upload_findings_download", ["csv"]),
        ("finance:upload_findings_download", ["xlsx"]),
    ],
)
def test_another_territory_gets_404_and_the_public_a_login(
    client, capped, officer_b, facilitator_b, facilitator_a, name, args
):
    url = reverse(name, args=[capped.pk, *args])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for outsider in (officer_b, facilitator_b):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(facilitator_a)
    response = client.get(url)
    assert response.status_code == 200


def test_an_unknown_download_format_is_404(client, capped, officer_a):
    client.force_login(officer_a)
    url = reverse("finance:upload_findings_download", args=[capped.pk, "pdf"])
    assert client.get(url).status_code == 404
