"""Every CSV the system writes, in one of two dialects, by one writer.

- ``SPANISH``, offered as "CSV (Excel en español)": what Excel and LibreOffice open
  in a Spanish (es-VE) locale by a double click, without an import wizard: ``;``
  between fields (their list separator, since the comma is their decimal mark), a
  decimal comma, dates as ``31/12/2025`` and UTF-8 with a byte order mark (without it
  Excel reads the accents as Windows-1252). Amounts carry no thousands mark: "1234,5"
  is read as a number by a Spanish spreadsheet and by ``workflows.numbers``, while a
  point between thousands would be a decimal point to anyone who opens the file in
  another locale, so that "1.234" could become one and a quarter without anyone
  noticing.
- ``STANDARD``, offered as "CSV (estándar)": RFC 4180 for programs and open-data
  tools: ``,`` between fields, a decimal point, ISO 8601 dates, UTF-8 with a byte order
  mark as well (the Fiscal Data Package descriptor names it ``utf-8-sig``).

A download picks its dialect from the ``dialect`` query parameter (``?dialect=es`` or
``?dialect=standard``); each view names its default. Every cell goes through
``spreadsheet_value`` first, so text that would start a formula is written with a
leading ``'`` in both dialects, while numbers (a negative amount included) stay numbers.

Lines before the header (``preamble``: the "data as of" of a public download) are one
cell each; in the standard dialect they start with ``#``, the comment mark that the
Fiscal Data Package's CSV dialect (``commentChar``) and pandas (``comment="#"``) skip.
"""

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .exports import spreadsheet_value

BOM = "\ufeff"
COMMENT = "#"


@dataclass(frozen=True)
class Dialect:
    key: str
    label: object
    delimiter: str
    decimal: str
    date_format: str
    datetime_format: str | None  # None: ISO 8601 with the offset
    comment: str  # what starts a preamble line

    def number(self, value):
        """A number as this dialect writes it: every digit, no exponent, no thousands."""
        if isinstance(value, int):
            return str(value)
        text = format(value if isinstance(value, Decimal) else Decimal(repr(value)), "f")
        return text.replace(".", self.decimal)

    def moment(self, value):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if self.datetime_format is None:
            return value.isoformat(timespec="seconds")
        return value.strftime(self.datetime_format)

    def cell(self, value):
        """``value`` as the text of one cell (text escaped against formulas)."""
        value = spreadsheet_value(value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | float | Decimal):
            return self.number(value)
        if isinstance(value, datetime.datetime):
            return self.moment(value)
        if isinstance(value, datetime.date):
            return value.strftime(self.date_format)
        return value

    def row(self, values):
        return [self.cell(value) for value in values]


SPANISH = Dialect(
    key="es",
    label=_("CSV (Excel in Spanish)"),
    delimiter=";",
    decimal=",",
    date_format="%d/%m/%Y",
    datetime_format="%d/%m/%Y %H:%M:%S",
    comment="",
)
STANDARD = Dialect(
    key="standard",
    label=_("CSV (standard)"),
    delimiter=",",
    decimal=".",
    date_format="%Y-%m-%d",
    datetime_format=None,
    comment=COMMENT + " ",
)
DIALECTS = {dialect.key: dialect for dialect in (SPANISH, STANDARD)}


def dialect_for(request, default=STANDARD):
    """The dialect the request asks for (``?dialect=``), or the view's default."""
    return DIALECTS.get(request.GET.get("dialect", ""), default)


class _Echo:
    def write(self, value):
        return value


def chunks(header, rows, dialect, preamble=()):
    """The file's text in pieces (for streaming): BOM, preamble, header, rows."""
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter, lineterminator="\r\n")
    yield BOM
    for line in preamble:
        yield writer.writerow([dialect.comment + dialect.cell(line)])
    yield writer.writerow(dialect.row(header))
    for row in rows:
        yield writer.writerow(dialect.row(row))


def text(header, rows, dialect, preamble=()):
    """The whole file as one string."""
    return "".join(chunks(header, rows, dialect, preamble))


def response(header, rows, filename, dialect, *, preamble=(), stream=True):
    """A download of the rows as an attachment named ``filename``."""
    content = chunks(header, rows, dialect, preamble)
    content_type = "text/csv; charset=utf-8"
    if stream:
        reply = StreamingHttpResponse(content, content_type=content_type)
    else:
        reply = HttpResponse("".join(content), content_type=content_type)
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply
