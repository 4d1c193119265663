"""Reading finance files as municipal staff produce them.

Spreadsheets saved by Spanish-locale programs use ``;`` between fields, ``,``
as the decimal mark and ``.`` between thousands, and are often encoded in
Windows-1252; older systems export ``,``-separated UTF-8. Both are read. What
cannot be read is refused with a message naming the row and the column.

Parsing does not touch the database: it turns a file into ``ParsedLine`` rows
and ``Finding`` problems, and ``validation`` judges them.
"""

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from workflows import files, numbers

from .models import STAGES

CENT = Decimal("0.01")
ERROR, WARNING = "error", "warning"
HEADER_SEARCH_ROWS = 30

# Header texts (lower case, no accents, letters and digits only) for each column.
HEADERS = {
    "code": {"codigo", "cod", "codigopresupuestario", "partida", "cuenta", "code"},
    "program": {
        "programa",
        "categoriaprogramatica",
        "categoriapresupuestaria",
        "estructura",
        "program",
    },
    "name": {"denominacion", "descripcion", "nombre", "concepto", "name", "description"},
    "initial": {
        "presupuestoinicial",
        "inicial",
        "asignacioninicial",
        "presupuestoaprobado",
        "aprobado",
        "ley",
        "ordenanza",
        "initial",
        "initialbudget",
    },
    "modified": {
        "presupuestomodificado",
        "modificado",
        "asignacionmodificada",
        "asignacionactualizada",
        "actualizado",
        "modified",
        "modifiedbudget",
    },
    "committed": {"comprometido", "compromiso", "compromisos", "committed"},
    "caused": {"causado", "causados", "devengadogasto", "caused"},
    "paid": {"pagado", "pagos", "paid"},
    "estimated": {"estimado", "ingresoestimado", "presupuestoestimado", "estimated"},
    "liquidated": {"liquidado", "liquidados", "devengado", "liquidated"},
    "collected": {"recaudado", "recaudacion", "cobrado", "collected"},
}
HEADER_LOOKUP = {text: column for column, texts in HEADERS.items() for text in texts}


def column_label(column):
    """The Spanish-first name of a column, as the template heads it."""
    from .templates_xlsx import COLUMN_TITLES

    return str(COLUMN_TITLES.get(column, column))


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    row: int | None = None
    column: str | None = None
    code: str | None = None

    def as_dict(self):
        """The finding as stored: text quoted from a file loses NUL characters, which
        PostgreSQL's text and jsonb cannot hold."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": _storable(self.message),
            "row": self.row,
            "column": _storable(self.column),
            "code": _storable(self.code),
        }


def _storable(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class Findings(list):
    """The findings of one file, at most ``FINANCE_FINDINGS_PER_RULE`` of each rule.

    Past the cap a finding is counted in ``omitted`` and dropped, so that a file with
    a mistake on every one of 200,000 rows neither fills the memory nor the report.
    """

    def __init__(self, items=(), cap=None):
        super().__init__()
        self.cap = settings.FINANCE_FINDINGS_PER_RULE if cap is None else cap
        self.kept = {}
        self.omitted = {}
        self.severities = {}
        self.extend(items)

    def append(self, finding):
        self.severities[finding.rule] = finding.severity
        kept = self.kept.get(finding.rule, 0)
        if self.cap and kept >= self.cap:
            self.omitted[finding.rule] = self.omitted.get(finding.rule, 0) + 1
            return
        self.kept[finding.rule] = kept + 1
        super().append(finding)

    def extend(self, findings):
        for finding in findings:
            self.append(finding)

    def __iadd__(self, findings):
        self.extend(findings)
        return self

    @property
    def total(self):
        """Every finding, kept or counted only."""
        return len(self) + sum(self.omitted.values())

    def of_rule(self, rule):
        """How many findings of ``rule`` there were, kept or not."""
        return self.kept.get(rule, 0) + self.omitted.get(rule, 0)

    def of_severity(self, severity):
        """How many findings of ``severity`` there were, kept or not."""
        return sum(
            self.of_rule(rule) for rule, level in self.severities.items() if level == severity
        )


def findings_total(findings):
    """Every finding of a list, counting those past the cap when it is a ``Findings``."""
    return findings.total if isinstance(findings, Findings) else len(findings)


def report_order(finding):
    """The order of a findings report: errors first, then by check; within a check the
    file's order stays (sorts are stable)."""
    return (finding.severity != ERROR, finding.rule)


def findings_record(findings):
    """What an upload keeps of its findings: the list in the report's order, and per
    check its severity, how many were kept and how many more were only counted."""
    ordered = sorted(findings, key=report_order)
    counts = {}
    for finding in ordered:
        group = counts.setdefault(
            finding.rule, {"severity": finding.severity, "kept": 0, "more": 0}
        )
        group["kept"] += 1
    if isinstance(findings, Findings):
        for rule, more in findings.omitted.items():
            counts[rule]["more"] = more  # a rule past the cap has kept some
    return [finding.as_dict() for finding in ordered], counts


@dataclass
class ParsedLine:
    row: int
    code: str
    program: str
    amounts: dict


@dataclass
class Parsed:
    lines: list = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)
    columns: dict = field(default_factory=dict)  # column key -> label shown in messages
    checks_run: int = 0

    @property
    def has_errors(self):
        return any(f.severity == ERROR for f in self.findings)


class Refused(Exception):
    """A file that cannot be read at all: wrong type, too big, macros, broken."""


def normalise_header(text):
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


CODE_DOTTED = re.compile(r"^([34])(?:[.\-](\d{1,2})){1,4}$")


def normalise_code(raw):
    """``4.01.01.01.00``, ``4.01.01.01``, ``4-01-01`` or ``401010100`` -> ``4.01.01.01.00``."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(int(raw)) if float(raw).is_integer() else str(raw)
    text = str(raw).strip().replace(" ", "").rstrip(".")
    if not text:
        return None
    if text.isdigit() and text[0] in "34" and len(text) <= 9 and len(text) % 2 == 1:
        text = text.ljust(9, "0")
        return ".".join([text[0], text[1:3], text[3:5], text[5:7], text[7:9]])
    if CODE_DOTTED.match(text):
        parts = re.split(r"[.\-]", text)
        segments = [parts[0]] + [p.zfill(2) for p in parts[1:]]
        segments += ["00"] * (5 - len(segments))
        return ".".join(segments)
    raise ValueError(text)


AMOUNT_TEXT = re.compile(r"^-?\d[\d.,]*$")
# A trillion times a trillion cents is no municipal budget; the limit also keeps every
# sum of lines and every indicator inside the database's 24-digit amount columns.
MAX_AMOUNT = Decimal(10) ** 18


class TooLarge(ValueError):
    """An amount past ``MAX_AMOUNT``: a typo or a number pasted into the wrong column."""


def parse_amount(raw):
    """A cell as Decimal rounded to cents; None when empty. Raises ValueError when unreadable."""
    value = _parse_amount(raw)
    if value is not None and not value.is_finite():
        raise ValueError(raw)
    if value is not None and abs(value) >= MAX_AMOUNT:
        raise TooLarge(raw)
    return value


def _parse_amount(raw):
    """Spanish usage, read as ``workflows.numbers`` reads a file: with both marks present
    the last one is the decimal mark. With one kind only, ``1.234`` and ``1.234.567`` are
    thousands, ``1234,5`` decimals; a single ``.`` followed by other than three digits
    (``1234.56``) is a decimal point.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError(raw)
        raw = Decimal(repr(raw))
    if isinstance(raw, Decimal):
        if not raw.is_finite() or abs(raw) >= MAX_AMOUNT:
            raise TooLarge(raw) if raw.is_finite() else ValueError(raw)
        return raw.quantize(CENT, rounding=ROUND_HALF_UP)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
    for prefix in ("Bs.S", "Bs.D", "Bs.F", "Bs.", "Bs", "VED", "VES", "VEF"):
        if text.upper().startswith(prefix.upper()):
            text = text[len(prefix) :]
            break
    if text in ("", "-", "—"):
        return None if text == "" else Decimal(0)
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if not AMOUNT_TEXT.match(text):
        raise ValueError(raw)
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    try:
        value = numbers.parse_number(text, lenient=True, decimal=",", thousands=".")
    except numbers.NumberError as error:
        raise ValueError(raw) from error
    if abs(value) >= MAX_AMOUNT:
        raise TooLarge(raw)
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return -value if negative else value


TEXT_EXTENSIONS = {"", "csv", "txt", "json", "tsv"}


def sniff_format(name, head):
    """The file's real format from its first bytes, whatever its name says."""
    lower = (name or "").lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Refused(
            _(
                "This is an Excel 97-2003 (.xls) file. Save it as an Excel workbook "
                "(.xlsx) or as CSV and upload it again."
            )
        )
    if head.startswith(b"PK\x03\x04"):
        if lower.endswith((".xlsm", ".xltm")):
            raise Refused(_("Workbooks with macros (.xlsm) are not accepted. Save it as .xlsx."))
        if lower.endswith(".ods"):
            raise Refused(
                _("OpenDocument spreadsheets (.ods) are not accepted. Save it as .xlsx or CSV.")
            )
        return "xlsx"
    if head.startswith(b"%PDF"):
        raise Refused(_("A PDF cannot be read as data. Upload the XLSX template or a CSV file."))
    if b"\x00" in head or head.startswith(b"MZ"):
        raise Refused(_("This file is not a spreadsheet, CSV or JSON file."))
    extension = lower.rsplit(".", 1)[-1] if "." in lower else ""
    if extension not in TEXT_EXTENSIONS:
        raise Refused(
            _(
                "Files of type .%(extension)s are not accepted: upload the XLSX template "
                "or a CSV file."
            )
            % {"extension": extension}
        )
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"{", b"[")):
        return "json"
    return "csv"


def decode_text(data):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def csv_rows(data):
    text = decode_text(data)
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        dialect = type("SpreadsheetCsv", (csv.excel,), {"delimiter": delimiter})
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    for number, row in enumerate(reader, start=1):
        yield number, [csv_cell(cell) for cell in row]


FORMULA_STARTS = ("=", "+", "@", "-")


def csv_cell(text):
    """A CSV cell that a spreadsheet would run as a formula comes back as ``Formula``.

    ``=``, ``+`` and ``@`` always start one; ``-`` does unless the cell is a number
    ("-1.234,56") or a lone dash, which accounting systems write for zero.
    """
    if not text or not text.startswith(FORMULA_STARTS):
        return text
    if text[0] == "-":
        try:
            parse_amount(text)
        except ValueError:
            return Formula(text)
        return text
    return Formula(text)


def check_zip(data):
    """Refuse archive bombs and macros before a spreadsheet library opens the file."""
    limit = settings.FINANCE_MAX_UNPACKED_SIZE
    infos = files.zip_entries(io.BytesIO(data))
    if infos is None:
        raise Refused(_("The workbook is damaged and cannot be opened."))
    if files.is_bomb(infos, limit):
        raise Refused(
            _(
                "The workbook unpacks to much more than it weighs (a compressed “bomb”) "
                "or to more than %(size)s MB, and is refused."
            )
            % {"size": limit // (1024 * 1024)}
        )
    names = {info.filename.lower() for info in infos}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise Refused(_("Workbooks with macros are not accepted. Save it as .xlsx."))
    if "xl/workbook.xml" not in names:
        raise Refused(_("This archive is not an Excel workbook."))


class Formula(str):
    """A cell that holds a formula: never calculated here, reported as such."""


def xlsx_rows(data):
    """Rows of cell values; formulas come back as ``Formula`` text, never evaluated.

    ``data_only=False`` so that a formula is seen as a formula rather than as the
    value the last program that saved the file cached for it (which the file's
    author can set to anything). The declared dimensions are ignored: a sheet that
    claims 16,384 columns would otherwise pad every row to that width.
    """
    from openpyxl import load_workbook

    check_zip(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        if not workbook.worksheets:
            raise Refused(_("The workbook has no sheets."))
        sheet = workbook["Datos"] if "Datos" in workbook.sheetnames else workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [_cell_value(cell) for cell in row]
    finally:
        workbook.close()


def _cell_value(cell):
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f" or hasattr(value, "text"):
        # array and data-table formulas come as objects holding their text
        text = value if isinstance(value, str) else getattr(value, "text", None) or str(value)
        return Formula(text)
    if not isinstance(value, str | int | float | Decimal | type(None) | bool):
        return str(value)  # a date or a time: text, judged like any other text
    return value


def letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def find_header(rows):
    """The first row that names a code column and at least one amount column."""
    consumed = []
    for number, row in rows:
        consumed.append((number, row))
        mapping = {}
        for index, cell in enumerate(row):
            key = HEADER_LOOKUP.get(normalise_header(cell))
            if key and key not in mapping.values():
                mapping[index] = key
        if "code" in mapping.values() and set(mapping.values()) & set(STAGES):
            return number, row, mapping
        if len(consumed) >= HEADER_SEARCH_ROWS:
            break
    return None, None, None


def formula_finding(row, column, key, formula, code=None):
    return Finding(
        "FIN-017",
        ERROR,
        _(
            "Row %(row)s, column %(column)s (%(label)s): the cell holds the formula "
            "“%(formula)s”. Formulas are not calculated here: copy the cells and paste "
            "them as values."
        )
        % {"row": row, "column": column, "label": column_label(key), "formula": formula[:40]},
        row=row,
        column=column,
        code=code,
    )


def formula_findings(number, row, skip=()):
    """Every formula in ``row`` outside the columns in ``skip`` (which report their own):
    the text columns (denomination, programme) and the unknown ones."""
    found = []
    for index, cell in enumerate(row):
        if isinstance(cell, Formula) and index not in skip:
            found.append(
                Finding(
                    "FIN-017",
                    ERROR,
                    _(
                        "Row %(row)s, column %(column)s: the cell holds the formula "
                        "“%(formula)s”. Formulas are not calculated here: copy the cells "
                        "and paste them as values."
                    )
                    % {"row": number, "column": letter(index), "formula": cell[:40]},
                    row=number,
                    column=letter(index),
                )
            )
    return found


def read_table(rows, fmt, parsed):
    """Turn rows of cells into lines; problems become findings with row and column."""
    rows = iter(rows)
    header_row, header, mapping = find_header(rows)
    if header_row is None:
        parsed.findings.append(
            Finding(
                "FIN-001",
                ERROR,
                _(
                    "No header row found in the first %(rows)s rows: the file needs a "
                    "“Código” column and at least one amount column (for example "
                    "“Causado” or “Recaudado”). Download the template to see them."
                )
                % {"rows": HEADER_SEARCH_ROWS},
            )
        )
        return
    labels = {}
    for index, key in mapping.items():
        shown = key if fmt == "json" else letter(index)
        labels[key] = (index, shown)
        parsed.columns[key] = shown
    for index, cell in enumerate(header):
        text = str(cell).strip() if cell is not None else ""
        if text and index not in mapping:
            parsed.findings.append(
                Finding(
                    "FIN-002",
                    WARNING,
                    _(
                        "Row %(row)s, column %(column)s: the column “%(header)s” is not known "
                        "and was ignored."
                    )
                    % {
                        "row": header_row,
                        "column": letter(index),
                        "header": text[:60],
                    },
                    row=header_row,
                )
            )
    code_index = labels["code"][0]
    program_index = labels.get("program", (None,))[0]
    amount_columns = [(key, *labels[key]) for key in STAGES if key in labels]
    read_cells = {code_index, *(index for _key, index, _shown in amount_columns)}
    parsed.findings.extend(formula_findings(header_row, header))
    for number, row in rows:
        if not row or all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        parsed.findings.extend(formula_findings(number, row, read_cells))
        raw_code = row[code_index] if code_index < len(row) else None
        if isinstance(raw_code, Formula):
            parsed.findings.append(formula_finding(number, labels["code"][1], "code", raw_code))
            continue
        try:
            code = normalise_code(raw_code)
        except ValueError:
            parsed.findings.append(
                Finding(
                    "FIN-004",
                    ERROR,
                    _(
                        "Row %(row)s, column %(column)s (%(label)s): “%(value)s” is not a budget "
                        "code; write it as 4.01.01.01.00."
                    )
                    % {
                        "row": number,
                        "column": labels["code"][1],
                        "label": column_label("code"),
                        "value": str(raw_code)[:40],
                    },
                    row=number,
                    column=labels["code"][1],
                )
            )
            continue
        if code is None:
            if any(idx < len(row) and row[idx] not in (None, "") for _k, idx, _s in amount_columns):
                parsed.findings.append(
                    Finding(
                        "FIN-004",
                        ERROR,
                        _("Row %(row)s, column %(column)s (%(label)s): amounts without a code.")
                        % {
                            "row": number,
                            "column": labels["code"][1],
                            "label": column_label("code"),
                        },
                        row=number,
                        column=labels["code"][1],
                    )
                )
            continue
        program = ""
        if program_index is not None and program_index < len(row) and row[program_index]:
            program = str(row[program_index]).strip()[:40]
        amounts = {}
        for key, index, shown in amount_columns:
            raw = row[index] if index < len(row) else None
            if isinstance(raw, Formula):
                parsed.findings.append(formula_finding(number, shown, key, raw, code))
                amounts[key] = None
                continue
            try:
                amounts[key] = parse_amount(raw)
            except ValueError as error:
                message = (
                    _(
                        "Row %(row)s, column %(column)s (%(label)s): “%(value)s” is too large "
                        "for an amount."
                    )
                    if isinstance(error, TooLarge)
                    else _(
                        "Row %(row)s, column %(column)s (%(label)s): “%(value)s” is not an "
                        "amount. Write numbers like 1.234.567,89."
                    )
                )
                parsed.findings.append(
                    Finding(
                        "FIN-006",
                        ERROR,
                        message
                        % {
                            "row": number,
                            "column": shown,
                            "label": column_label(key),
                            "value": str(raw)[:40],
                        },
                        row=number,
                        column=shown,
                        code=code,
                    )
                )
                amounts[key] = None
        if all(value is None for value in amounts.values()):
            continue  # a template row left empty: the code is not reported
        parsed.lines.append(ParsedLine(number, code, program, amounts))


def read_json(data, parsed):
    """``{"lines": [{"code": ..., "program": ..., "caused": "123.45", ...}]}`` or a bare list."""
    try:
        document = json.loads(decode_text(data), parse_float=Decimal)
    except ValueError as error:
        raise Refused(
            _("The JSON document cannot be read: %(error)s") % {"error": error}
        ) from error
    items = document.get("lines") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise Refused(_("The JSON document must hold a list of lines under “lines”."))
    # The stages some line names are the document's columns: lines with expenditure
    # stages only are the expenditure part, as a file with those columns only would be.
    named = {key for item in items if isinstance(item, dict) for key in item}
    stages = [stage for stage in STAGES if stage in named] or list(STAGES)
    rows = [["code", "program", *stages]]
    for item in items:
        if not isinstance(item, dict):
            item = {}
        rows.append([item.get("code"), item.get("program")] + [item.get(k) for k in stages])
    read_table(enumerate(rows, start=1), "json", parsed)
    for finding in parsed.findings:  # JSON "rows" are list positions (1-based), not file rows
        if finding.row:
            finding.row -= 1
    for line in parsed.lines:
        line.row -= 1


def parse(name, data):
    """Parse a file's bytes; raises ``Refused`` when it cannot be read at all."""
    if len(data) > settings.FINANCE_MAX_UPLOAD_SIZE:
        raise Refused(
            _("The file is larger than %(size)s MB.")
            % {"size": settings.FINANCE_MAX_UPLOAD_SIZE // (1024 * 1024)}
        )
    if not data.strip():
        raise Refused(_("The file is empty."))
    fmt = sniff_format(name, data[:8])
    parsed = Parsed()
    if fmt == "json":
        read_json(data, parsed)
    elif fmt == "xlsx":
        try:
            read_table(xlsx_rows(data), fmt, parsed)
        except Refused:
            raise
        except Exception as error:  # openpyxl raises many kinds on damaged files
            raise Refused(_("The workbook cannot be read: %(error)s") % {"error": error}) from error
    else:
        read_table(csv_rows(data), fmt, parsed)
    parsed.format = fmt
    return parsed
