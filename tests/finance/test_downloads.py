"""Downloads for spreadsheet users: two CSV dialects, XLSX number formats, "data as of".

The files are read back as a spreadsheet user's program would read them: the Spanish
CSV with ``;`` and a decimal comma (and through ``workflows.numbers``, which reads
numbers as people here write them), the standard one skipping its ``#`` line, the XLSX
with openpyxl, cell formats included. Data is published through the real flow, at a
known moment, so that "data as of" can be checked to the day.
"""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from finance import exports, indicators
from finance.models import STAGES, Line, Submission
from workflows import csvfiles
from workflows.numbers import parse_number

from .conftest import quarter_amounts, quarter_file, with_parents
from .test_public import json_file, publish, upload

CARACAS = ZoneInfo("America/Caracas")
FIRST = datetime.datetime(2026, 12, 2, 9, 30, tzinfo=CARACAS)
LATEST = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=CARACAS)  # 03:30 UTC on the 8th


def published_on(moment, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return publish(*args, **kwargs)


@pytest.fixture
def two_published(
    period,
    member_a,
    member_b,
    officer_a,
    officer_b,
    facilitator_a,
    facilitator_b,
    specialist,
):
    """A published on 2 December, B on 7 December (late in the evening, Caracas time);
    A's programme looks like a formula."""
    leaves = quarter_amounts()
    leaves["4.01.01.01.00"]["caused"] += Decimal("0.05")  # a cent that must survive
    a = published_on(
        FIRST,
        member_a,
        period,
        officer_a,
        facilitator_a,
        specialist,
        data=json_file(with_parents(leaves), program="=1+1"),
        name="f.json",
    )
    b = published_on(
        LATEST, member_b, period, officer_b, facilitator_b, specialist, data=None, name="b.csv"
    )
    return a, b


def body(response):
    assert response.status_code == 200
    content = response.getvalue() if response.streaming else response.content
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark"
    return content.decode("utf-8")[1:]


def spanish_number(text):
    """A cell of the Spanish CSV as Excel in Spanish reads it: a decimal comma, no
    thousands mark (a point would be a thousands mark there and a decimal point
    elsewhere, so the file has none)."""
    assert "." not in text, text
    return parse_number(text, decimal=",", thousands=".")


# CSV: Spanish dialect ------------------------------------------------------


def test_spanish_csv_of_lines_round_trips_to_the_stored_amounts(client, period, two_published):
    url = reverse("finance:download_lines", args=["csv"])
    text = body(client.get(url, {"period": period.pk, "dialect": "es"}))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Datos al 7 de diciembre de 2026"]
    header = rows[1]
    assert header[:4] == ["Código INE del municipio", "Municipio", "Entidad federal", "Año"]
    assert header[10:] == [str(title) for title in exports.line_titles()[10:]]
    assert len(header) == len(exports.LINE_COLUMNS)
    column = {name: index for index, name in enumerate(exports.LINE_COLUMNS)}
    stored = {
        (line.submission.municipality.code, line.code): line
        for line in Line.objects.filter(
            submission__state=Submission.State.PUBLISHED
        ).select_related("submission__municipality")
    }
    assert len(rows) - 2 == len(stored)
    for row in rows[2:]:
        line = stored[(row[column["municipality_code"]], row[column["code"]])]
        for stage in STAGES:
            cell = row[column[stage]]
            expected = getattr(line, stage)
            if expected is None:
                assert cell == ""
            else:
                assert spanish_number(cell) == expected, (line.code, stage, cell)
                assert Decimal(cell.replace(",", ".")) == expected
    programmes = {row[column["program"]] for row in rows[2:]}
    assert "'=1+1" in programmes  # formula escaping as before
    # Accents survive: the names of the municipalities and their states.
    names = {row[column["municipality"]] for row in rows[2:]}
    assert names == {m.name for m in (two_published[0].municipality, two_published[1].municipality)}


def test_spanish_csv_of_indicators_names_them_and_writes_decimal_commas(
    client, two_published, member_a
):
    text = body(client.get(reverse("finance:download_indicators", args=["csv"]), {"dialect": "es"}))
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["Datos al 7 de diciembre de 2026"]
    assert rows[1][6:] == ["Indicador", "Unidad", "Valor"]
    mine = {row[6]: row for row in rows[2:] if row[0] == member_a.code}
    autonomy = mine[str(indicators.BY_KEY["fiscal_autonomy"].label)]
    assert autonomy[7] == str(exports.UNIT_LABELS["ratio"])
    assert spanish_number(autonomy[8]) == Decimal("0.425")
    assert len(mine) == len(indicators.INDICATORS)


# CSV: standard dialect -----------------------------------------------------


def test_standard_csv_keeps_keys_points_and_a_comment_line(client, period, two_published):
    url = reverse("finance:download_lines", args=["csv"])
    for params in ({"period": period.pk}, {"period": period.pk, "dialect": "standard"}):
        text = body(client.get(url, params))
        first, _newline, rest = text.partition("\r\n")
        assert first == "# Datos al 7 de diciembre de 2026"
        rows = list(csv.reader(io.StringIO(rest)))
        assert rows[0] == exports.LINE_COLUMNS
        column = {name: index for index, name in enumerate(exports.LINE_COLUMNS)}
        situado = next(row for row in rows[1:] if row[column["code"]] == "3.05.03.01.00")
        assert Decimal(situado[column["collected"]]) == Decimal("258750.00")


def test_an_unknown_dialect_is_the_standard_one(client, two_published):
    url = reverse("finance:download_indicators", args=["csv"])
    assert body(client.get(url, {"dialect": "klingon"})) == body(client.get(url))


# The writer itself ---------------------------------------------------------

amounts = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), places=2, allow_nan=False
)
texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))


@given(
    st.lists(
        st.tuples(texts, amounts, st.dates(datetime.date(1900, 1, 1), datetime.date(2200, 12, 31))),
        max_size=8,
    )
)
def test_spanish_dialect_round_trips_text_amounts_and_dates(rows):
    written = csvfiles.text(["texto", "monto", "fecha"], rows, csvfiles.SPANISH)
    assert written.startswith(csvfiles.BOM)
    read = list(csv.reader(io.StringIO(written[1:], newline=""), delimiter=";"))
    assert read[0] == ["texto", "monto", "fecha"]
    assert len(read) == len(rows) + 1
    for (text, amount, day), (text_cell, amount_cell, day_cell) in zip(rows, read[1:], strict=True):
        # Text that a spreadsheet would run as a formula gets a leading apostrophe.
        assert text_cell in (text, "'" + text)
        assert text_cell == text or text.startswith(
            ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
        )
        assert spanish_number(amount_cell) == amount  # a negative amount stays a number
        assert datetime.datetime.strptime(day_cell, "%d/%m/%Y").date() == day


@given(amounts)
def test_standard_dialect_writes_amounts_as_programs_read_them(amount):
    (cell,) = csvfiles.STANDARD.row([amount])
    assert "," not in cell and "E" not in cell
    assert Decimal(cell) == amount


# XLSX ----------------------------------------------------------------------


def test_xlsx_downloads_carry_number_formats_and_their_date(client, period, two_published):
    response = client.get(reverse("finance:download_lines", args=["xlsx"]), {"period": period.pk})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    data, about = workbook.worksheets
    column = {name: index + 1 for index, name in enumerate(exports.LINE_COLUMNS)}
    assert data.cell(1, column["caused"]).value == "Causado"
    for row in range(2, data.max_row + 1):
        amount = data.cell(
            row,
            column["caused"]
            if data.cell(row, column["caused"]).value is not None
            else column["estimated"],
        )
        assert isinstance(amount.value, int | float), amount.value
        assert amount.number_format == "#,##0.00"
        assert data.cell(row, column["year"]).number_format == "0"  # 2026, not 2.026
        assert data.cell(row, column["quarter"]).value == 1
    program = data.cell(2, column["program"])
    assert program.data_type == "s"
    values = [row for row in about.iter_rows(values_only=True)]
    assert ("Datos al 7 de diciembre de 2026",) in [tuple(v for v in row if v) for row in values]
    day = next(row[1] for row in values if row[0] == "Datos al")
    assert day == datetime.datetime(2026, 12, 7)  # a real date, not text
    assert about.cell(3, 2).number_format == "dd/mm/yyyy"

    response = client.get(reverse("finance:download_indicators", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    formats = {}
    for row in sheet.iter_rows(min_row=2):
        formats[row[6].value] = row[8].number_format
    assert formats[str(indicators.BY_KEY["fiscal_autonomy"].label)] == "0.0%"
    assert formats[str(indicators.BY_KEY["current_savings"].label)] == "#,##0.00"
    assert formats[str(indicators.BY_KEY["spending_per_inhabitant"].label)] == "#,##0.00"


# Data as of ----------------------------------------------------------------


def as_of_on_page(client, url, params=None):
    html = client.get(url, params or {}).content.decode()
    start = html.index('id="data-as-of">') + len('id="data-as-of">')
    return html[start : html.index("</p>", start)]


def test_every_public_page_states_the_latest_publication_of_what_it_shows(
    client, period, two_published, member_a, member_b
):
    a, b = two_published
    assert b.published_at > a.published_at
    latest = "Datos al 7 de diciembre de 2026"
    assert as_of_on_page(client, reverse("finance:public_index")) == latest
    assert as_of_on_page(client, reverse("finance:downloads")) == latest
    assert as_of_on_page(client, reverse("finance:compare"), {"period": period.pk}) == latest
    assert as_of_on_page(client, reverse("finance:board", args=[period.pk])) == latest
    # A profile shows one municipality's data: its own latest publication.
    profile_a = reverse("finance:profile", args=[member_a.code])
    assert as_of_on_page(client, profile_a) == "Datos al 2 de diciembre de 2026"
    assert as_of_on_page(client, reverse("finance:profile", args=[member_b.code])) == latest
    html = client.get(reverse("finance:downloads")).content.decode()
    assert "07/12/2026" in html  # the period's row


def test_pages_without_publications_say_so(client, period, member_a):
    text = as_of_on_page(client, reverse("finance:public_index"))
    assert text == "Aún no hay nada publicado."


def test_datapackage_states_data_as_of_and_its_comment_line(client, period, two_published):
    package = client.get(reverse("finance:datapackage")).json()
    assert package["data_as_of"] == "2026-12-07"
    (resource,) = package["resources"]
    assert resource["data_as_of"] == "2026-12-07"
    assert resource["dialect"]["commentChar"] == "#"


def test_a_draft_uploaded_later_does_not_move_the_date(
    client, period, two_published, member_b, officer_b
):
    """Only published data counts: a draft uploaded days later leaves the date alone."""
    from finance import services

    second = services.open_period(2026, 2)
    with time_machine.travel(LATEST + datetime.timedelta(days=3), tick=False):
        upload(member_b, second, officer_b, data=quarter_file(Decimal("0.5")))
    assert as_of_on_page(client, reverse("finance:public_index")) == (
        "Datos al 7 de diciembre de 2026"
    )


def test_downloads_page_queries_stay_constant(
    client,
    period,
    two_published,
    member_a,
    officer_a,
    facilitator_a,
    specialist,
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from finance import services

    with CaptureQueriesContext(connection) as one_period:
        client.get(reverse("finance:downloads"))
    second = services.open_period(2026, 2)
    publish(
        member_a, second, officer_a, facilitator_a, specialist, data=quarter_file(Decimal("0.5"))
    )
    with django_assert_max_num_queries(len(one_period.captured_queries)):
        html = client.get(reverse("finance:downloads")).content.decode()
    assert html.count("dialect=es") == 3  # indicators, and the lines of each period


# Process history: both dialects --------------------------------------------


def test_process_history_csv_in_both_dialects(client, coordinator, onboarding_a):
    client.force_login(coordinator)
    url = reverse("workflows:process_history_csv", args=[onboarding_a.pk])
    spanish = body(client.get(url))
    rows = list(csv.reader(io.StringIO(spanish), delimiter=";"))
    assert rows[0][:2] == ["N.º", "Fecha y hora"]
    datetime.datetime.strptime(rows[1][1], "%d/%m/%Y %H:%M:%S")
    standard = body(client.get(url, {"dialect": "standard"}))
    rows = list(csv.reader(io.StringIO(standard)))
    assert rows[0][:2] == ["N.º", "Fecha y hora"]
    moment = datetime.datetime.fromisoformat(rows[1][1])
    assert moment.utcoffset() == datetime.timedelta(hours=-4)  # Caracas


@pytest.mark.parametrize("dialect", [csvfiles.SPANISH, csvfiles.STANDARD])
def test_the_classifier_export_loads_back_in_either_dialect(db, dialect):
    from finance import classifier
    from finance.models import ClassifierEntry

    entries = ClassifierEntry.objects.order_by("code")
    text = classifier.export_csv(entries, dialect)
    assert text.startswith(csvfiles.BOM + f"code{dialect.delimiter}name")
    read = classifier.parse("clasificador.csv", text.encode("utf-8"))
    assert [(code, name, cofog) for code, name, cofog, _row in read] == [
        (entry.code, entry.name, entry.cofog) for entry in entries
    ]
