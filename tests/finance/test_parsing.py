"""Reading files as municipal staff produce them, and refusing what cannot be read."""

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from agreements.models import Municipality
from finance import parsing, templates_xlsx
from finance.models import ClassifierEntry, Currency, FiscalPeriod

from .conftest import quarter_amounts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234.567,89", Decimal("1234567.89")),
        ("1234567,89", Decimal("1234567.89")),
        ("1234567.89", Decimal("1234567.89")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("1.234", Decimal("1234")),
        ("0,5", Decimal("0.50")),
        ("(1.000,00)", Decimal("-1000.00")),
        ("-12,30", Decimal("-12.30")),
        ("Bs. 1.000,25", Decimal("1000.25")),
        ("1\u00a0234,00", Decimal("1234.00")),
        ("-", Decimal("0")),
        ("", None),
        (None, None),
        (1234.5, Decimal("1234.50")),
        (0.1 + 0.2, Decimal("0.30")),
        (7, Decimal("7")),
        ("2,345", Decimal("2.35")),
    ],
)
def test_amounts_as_spanish_spreadsheets_write_them(text, expected):
    assert parsing.parse_amount(text) == expected


@pytest.mark.parametrize("text", ["12,3x", "1.23.4", "1,2,3", "abc", "1..2", "--5", "1.2345,6"])
def test_unreadable_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parsing.parse_amount(text)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("4.01.01.01.00", "4.01.01.01.00"),
        ("4.01.01.01", "4.01.01.01.00"),
        ("4-01-01", "4.01.01.00.00"),
        ("401010100", "4.01.01.01.00"),
        (401010100, "4.01.01.01.00"),
        ("3.5.3.1", "3.05.03.01.00"),
        (" 4.01.01.01.00. ", "4.01.01.01.00"),
    ],
)
def test_codes_in_the_ways_people_write_them(raw, code):
    assert parsing.normalise_code(raw) == code


@pytest.mark.parametrize("raw", ["5.01.00.00.00", "4.001", "partida 4.01", "4.01.01.01.00.00"])
def test_codes_that_are_not_budget_codes(raw):
    with pytest.raises(ValueError):
        parsing.normalise_code(raw)


def _csv(text, encoding="utf-8"):
    return parsing.parse("datos.csv", text.encode(encoding))


def test_windows_spanish_csv_with_semicolons_and_accents(db):
    data = "Título del reporte;;\n;;\nCódigo;Denominación;Causado;Recaudado\n"
    data += "4.01.01.01.00;Sueldos básicos;1.234,50;\n3.01.02.05.00;Inmuebles urbanos;;99,00\n"
    parsed = _csv(data, "cp1252")
    assert not parsed.findings
    assert [(line.row, line.code) for line in parsed.lines] == [
        (4, "4.01.01.01.00"),
        (5, "3.01.02.05.00"),
    ]
    assert parsed.lines[0].amounts == {"caused": Decimal("1234.50"), "collected": None}
    assert parsed.columns == {"code": "A", "name": "B", "caused": "C", "collected": "D"}


def test_comma_separated_utf8_with_bom_and_english_numbers(db):
    data = "\ufeffcode,program,caused,paid\n4.01.01.01.00,01.00.51,1234567.89,1000\n"
    parsed = _csv(data)
    assert parsed.lines[0].program == "01.00.51"
    assert parsed.lines[0].amounts["caused"] == Decimal("1234567.89")


def test_bad_cells_name_row_column_and_value(db):
    parsed = _csv("Código;Causado\n4.01.01.01.00;12,3x\nabc;5\n")
    messages = [f.message for f in parsed.findings]
    assert parsed.has_errors
    assert any("12,3x" in m and "2" in m and "B" in m for m in messages), messages
    assert {(f.rule, f.row, f.column) for f in parsed.findings} == {
        ("FIN-006", 2, "B"),
        ("FIN-004", 3, "A"),
    }


def test_no_header_is_reported(db):
    parsed = _csv("a;b\n1;2\n")
    assert [f.rule for f in parsed.findings] == ["FIN-001"]
    assert not parsed.lines


def _period(quarter=1):
    return FiscalPeriod(
        year=2026,
        quarter=quarter,
        currency=Currency.current(),
        opens_on="2026-04-01",
        deadline="2026-04-30",
    )


def test_the_template_filled_in_a_spreadsheet_program_reads_back(db):
    municipality = Municipality.objects.order_by("code").first()
    entries = ClassifierEntry.objects.filter(is_active=True).order_by("code")
    data = templates_xlsx.build(municipality, _period(), entries)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Datos"]
    assert sheet["B1"].value.startswith(municipality.code)
    header = [cell.value for cell in sheet[5]]
    assert header[0] == "Código" and "Causado" in header
    amounts = quarter_amounts()  # leaves only: the parents are left blank
    columns = {name: index for index, name in enumerate(header)}
    stage_titles = {key: str(title) for key, title in templates_xlsx.COLUMN_TITLES.items()}
    for row in sheet.iter_rows(min_row=6):
        code = row[0].value
        for stage, value in amounts.get(code, {}).items():
            row[columns[stage_titles[stage]]].value = float(value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = parsing.parse("plantilla.xlsx", buffer.getvalue())
    assert not parsed.findings
    assert {line.code for line in parsed.lines} == set(amounts)  # empty rows are not lines
    by_code = {line.code: line for line in parsed.lines}
    assert by_code["4.01.01.01.00"].amounts["initial"] == Decimal("900000.00")
    assert by_code["4.01.01.01.00"].row > 5
    assert parsed.columns["code"] == "A" and parsed.columns["caused"] == "F"


def test_blank_parents_take_the_sum_of_their_children(db):
    from finance import services, validation

    text = (
        "Código;Causado;Pagado\n"
        "4.01.00.00.00;;12\n"  # caused left blank: taken from what lies under it
        "4.01.01.01.00;10;8\n"
        "4.01.05.01.00;5,5;4\n"  # its parent 4.01.05 is not in the file: 4.01 adds it
    )
    parsed = parsing.parse("d.csv", text.encode())
    validation.check(parsed, _period(), services.classifier_map())
    assert [f.rule for f in parsed.findings] == ["FIN-001"]  # the other columns are missing
    caused = {line.code: line.amounts["caused"] for line in parsed.lines}
    assert caused["4.01.00.00.00"] == Decimal("15.50")
    wrong = text.replace(";;12", ";;13")
    parsed = parsing.parse("d.csv", wrong.encode())
    validation.check(parsed, _period(), services.classifier_map())
    assert [(f.rule, f.row, f.column) for f in parsed.findings][1:] == [("FIN-010", 2, "C")]


def _xlsx_bytes(extra_entries=()):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Código", "Causado"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not extra_entries:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zip_:
        for item in source.infolist():
            zip_.writestr(item, source.read(item.filename))
        for name, content in extra_entries:
            zip_.writestr(name, content)
    return out.getvalue()


def test_refused_files_say_why(db, settings):
    cases = [
        ("viejo.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "97-2003"),
        ("macros.xlsm", _xlsx_bytes(), "macros"),
        ("macros.xlsx", _xlsx_bytes([("xl/vbaProject.bin", b"x")]), "macros"),
        ("datos.pdf", b"%PDF-1.4 ...", "PDF"),
        ("hoja.ods", b"PK\x03\x04" + b"\0" * 50, ".ods"),
        ("vacio.csv", b"  \n", "vacío"),
        ("binario.csv", b"\x00\x01\x02\x03abc", "no es una hoja de cálculo"),
        ("roto.xlsx", b"PK\x03\x04garbage", "dañado"),
    ]
    for name, data, reason in cases:
        with pytest.raises(parsing.Refused) as refusal:
            parsing.parse(name, data)
        assert reason in str(refusal.value), (name, str(refusal.value))


def test_archive_bombs_and_huge_files_are_refused_before_opening(db, settings):
    settings.FINANCE_MAX_UNPACKED_SIZE = 1024 * 1024
    bomb = _xlsx_bytes([("xl/media/padding.bin", b"0" * (4 * 1024 * 1024))])
    assert len(bomb) < 100_000  # compresses to almost nothing
    with pytest.raises(parsing.Refused, match="más de 1 MB al descomprimirse"):
        parsing.parse("bomba.xlsx", bomb)
    settings.FINANCE_MAX_UPLOAD_SIZE = 1000
    with pytest.raises(parsing.Refused, match="pesa más de"):
        parsing.parse("grande.csv", ("Código;Causado\n" + "4.01.00.00.00;1\n" * 200).encode())


def test_json_lines_report_list_positions(db):
    parsed = parsing.parse(
        "api.json",
        b'{"lines": [{"code": "4.01.01.01.00", "caused": 10.5}, {"code": "x", "caused": "1"}]}',
    )
    assert parsed.lines[0].amounts["caused"] == Decimal("10.50")
    assert [(f.rule, f.row, f.column) for f in parsed.findings] == [("FIN-004", 2, "code")]
