"""Property tests of the finance file reader: whatever the bytes, a reading or a refusal.

``parsing.parse`` must either return lines and findings or raise ``Refused`` with a
message; any other exception would be a server error for the person uploading.
"""

import io
import json
from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from finance import parsing
from tests.finance.conftest import HEADER, es

CODES = ["4.01.01.01.00", "4.02.01.01.00", "3.01.02.05.00", "4", "401010100", "4-01-01"]
amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False
)
junk_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


def parse_or_refuse(name, data):
    try:
        parsed = parsing.parse(name, data)
    except parsing.Refused as refusal:
        assert str(refusal).strip(), "a refusal must say why"
        return None
    for finding in parsed.findings:
        assert finding.message.strip() and finding.severity in (parsing.ERROR, parsing.WARNING)
    return parsed


@given(st.binary(max_size=3000), st.sampled_from(["datos.csv", "datos.xlsx", "x.json", "x"]))
@example(b"PK\x03\x04" + b"\x00" * 40, "datos.xlsx")
@example(b"\xd0\xcf\x11\xe0rest", "datos.xlsx")
@example(b"%PDF-1.4", "datos.xlsx")
@example(b'{"lines": 1}', "x.json")
@example(b"[1, [2], null]", "x.json")
@example(b"\xef\xbb\xbf", "x.csv")
def test_arbitrary_bytes_are_read_or_refused(data, name):
    parse_or_refuse(name, data)


@given(amounts)
def test_spanish_amounts_read_back_exactly(value):
    assert parsing.parse_amount(es(value)) == value
    assert parsing.parse_amount(f"{value:.2f}") == value
    assert parsing.parse_amount(f"Bs. {es(value)}") == value


@given(st.text(max_size=40))
def test_any_amount_text_is_a_number_or_a_value_error(text):
    try:
        value = parsing.parse_amount(text)
    except ValueError:
        return
    assert value is None or isinstance(value, Decimal)


cell = st.one_of(
    amounts.map(es),
    amounts.map(lambda v: f"{v:.2f}"),
    junk_text,
    st.sampled_from(["", "-", "(1.234,56)", "1.2.3", "1,2,3", "=SUM(A1:A3)", "NaN", "∞"]),
)


@given(
    rows=st.lists(
        st.tuples(st.one_of(st.sampled_from(CODES), junk_text), st.lists(cell, max_size=10)),
        max_size=12,
    ),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
    header=st.one_of(st.just(HEADER), st.lists(junk_text, max_size=6)),
)
def test_csv_like_text_never_breaks_the_reader(rows, delimiter, encoding, header):
    lines = [delimiter.join(header)]
    lines += [delimiter.join([code, "", *cells]) for code, cells in rows]
    data = "\r\n".join(lines).encode(encoding, errors="replace")
    parsed = parse_or_refuse("datos.csv", data)
    if parsed is None:
        return
    for line in parsed.lines:  # every line read carries a well-formed code and Decimal amounts
        assert parsing.CODE_DOTTED.match(line.code) or line.code.isdigit()
        assert all(v is None or isinstance(v, Decimal) for v in line.amounts.values())


xlsx_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
    amounts,
    junk_text.filter(lambda t: not t.startswith("=")),
    st.sampled_from(["=1+1", "=SUM(C7:C9)", '=HYPERLINK("http://x","y")', "@SUM(1)"]),
)


def workbook_bytes(header, rows, title="Datos"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@given(
    rows=st.lists(
        st.tuples(st.one_of(st.sampled_from(CODES), xlsx_cell), st.lists(xlsx_cell, max_size=9)),
        max_size=10,
    ),
    title=st.sampled_from(["Datos", "Hoja1"]),
)
def test_odd_xlsx_cells_never_break_the_reader(rows, title):
    try:
        data = workbook_bytes(HEADER, [[code, "x", *cells] for code, cells in rows], title)
    except (ValueError, TypeError, IllegalCharacterError):
        return  # openpyxl itself would not write such a cell: nobody can upload it
    parsed = parse_or_refuse("datos.xlsx", data)
    assert parsed is not None, "a well-formed workbook is read, not refused"
    formulas = {
        (number, index)
        for number, (code, cells) in enumerate(rows, start=2)
        for index, value in enumerate([code, "x", *cells])
        if isinstance(value, str) and value.startswith("=")
    }
    read_rows = {line.row for line in parsed.lines}
    for number, _index in formulas:  # a formula is never taken as a value
        assert number not in read_rows or any(
            f.row == number and "fórmula" in f.message for f in parsed.findings
        )


def test_formula_cells_are_reported_not_calculated():
    data = workbook_bytes(
        HEADER, [["4.01.01.01.00", "Sueldos", 100, 100, 50, "=C2/2", 10, None, None, None]]
    )
    parsed = parsing.parse("datos.xlsx", data)
    [finding] = [f for f in parsed.findings if f.row == 2]
    assert finding.severity == parsing.ERROR and finding.column == "F"
    assert "=C2/2" in finding.message and "fórmula" in finding.message
    assert parsed.lines[0].amounts["caused"] is None  # not 50, not a cached value


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | junk_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(junk_text, inner, max_size=3),
    max_leaves=10,
)
line_item = st.fixed_dictionaries(
    {"code": st.one_of(st.sampled_from(CODES), json_value)},
    optional={
        "program": json_value,
        "caused": st.one_of(amounts.map(str), json_value),
        "paid": st.one_of(amounts.map(str), json_value),
    },
)


@given(st.one_of(json_value, st.fixed_dictionaries({"lines": st.lists(line_item, max_size=6)})))
def test_json_with_wrong_types_is_read_or_refused(document):
    data = json.dumps(document, allow_nan=True).encode()
    parse_or_refuse("api.json", data)
