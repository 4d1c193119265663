"""Open data: published lines and indicators (CSV, XLSX) and a Fiscal Data Package descriptor.

Each download comes as CSV in the two dialects of ``workflows.csvfiles`` (the standard
one keeps the column keys the descriptor names; the Spanish one, for people, has the
columns' names in words and the indicators' names) and as XLSX, whose cells carry
number formats (amounts with two decimals, ratios as percentages, years as plain
numbers) and whose second sheet says what the data is and as of when. Every download
states its "data as of": the latest publication among the data it holds.
"""

import io
from decimal import Decimal

from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from workflows import csvfiles
from workflows.exports import safe_row

from .indicators import BY_KEY
from .models import STAGES, IndicatorValue, Line, Submission

LINE_COLUMNS = [
    "municipality_code",
    "municipality",
    "state",
    "year",
    "quarter",
    "currency",
    "version",
    "program",
    "code",
    "name",
    *STAGES,
]
INDICATOR_COLUMNS = [
    "municipality_code",
    "municipality",
    "state",
    "year",
    "quarter",
    "currency",
    "indicator",
    "unit",
    "value",
]

AMOUNT_FORMAT = "#,##0.00"
RATIO_FORMAT = "0.0%"
WHOLE_FORMAT = "0"  # years, quarters, versions: no thousands mark ("2026", not "2.026")
DATE_FORMAT = "dd/mm/yyyy"

UNIT_LABELS = {
    "ratio": gettext_lazy("Ratio"),
    "money": gettext_lazy("Amount"),
    "per_capita": gettext_lazy("Amount per inhabitant"),
}


def _where_and_when_titles():
    """The columns every open-data row starts with: the municipality and its period."""
    return [
        _("Municipality code (INE)"),
        _("Municipality"),
        _("Federal entity"),
        _("Year"),
        _("Quarter"),
        _("Currency"),
    ]


def line_titles():
    from .templates_xlsx import COLUMN_TITLES

    return [
        *_where_and_when_titles(),
        _("Version"),
        _("Programme"),
        _("Code"),
        pgettext("budget account", "Name"),
        *[COLUMN_TITLES[stage] for stage in STAGES],
    ]


def indicator_titles():
    return [
        *_where_and_when_titles(),
        _("Indicator"),
        _("Unit"),
        _("Value"),
    ]


LINE_FORMATS = {3: WHOLE_FORMAT, 4: WHOLE_FORMAT, 6: WHOLE_FORMAT} | {
    10 + index: AMOUNT_FORMAT for index in range(len(STAGES))
}


def indicator_formats(unit):
    return {
        3: WHOLE_FORMAT,
        4: WHOLE_FORMAT,
        8: RATIO_FORMAT if unit == "ratio" else AMOUNT_FORMAT,
    }


# Data as of ----------------------------------------------------------------


def data_as_of(submissions):
    """The day (Caracas) of the latest publication among ``submissions``; None if none."""
    latest = submissions.filter(state=Submission.State.PUBLISHED).aggregate(
        latest=Max("published_at")
    )["latest"]
    return timezone.localdate(latest) if latest else None


def data_as_of_by_period():
    """period id -> the day of its latest publication, for the periods with any."""
    latest = (
        Submission.objects.filter(state=Submission.State.PUBLISHED)
        .values("period")
        .annotate(latest=Max("published_at"))
        .values_list("period", "latest")
    )
    return {period: timezone.localdate(moment) for period, moment in latest}


def long_date(day):
    # Translators: a date written out, as Django's date filter reads it
    # (Spanish: j \d\e E \d\e Y, "7 de diciembre de 2026"; E is the month as a date
    # writes it, which the catalogue gives in lower case).
    return formats.date_format(day, pgettext("long date", "F j, Y"))


def as_of_text(day):
    """ "Data as of December 7, 2026" ("Datos al 7 de diciembre de 2026"): how every public
    page and download says as of when its data is."""
    if day is None:
        return _("Nothing published yet.")
    return _("Data as of %(date)s") % {"date": long_date(day)}


def line_rows(period):
    lines = (
        Line.objects.filter(submission__period=period, submission__state=Submission.State.PUBLISHED)
        .order_by("submission__municipality__code", "program", "code")
        .values_list(
            "submission__municipality__code",
            "submission__municipality__name",
            "submission__municipality__region__name",
            "submission__period__year",
            "submission__period__quarter",
            "submission__period__currency__code",
            "submission__version",
            "program",
            "code",
            *STAGES,
        )
    )
    from .models import ClassifierEntry

    names = dict(ClassifierEntry.objects.values_list("code", "name"))
    for row in lines.iterator(chunk_size=5000):
        yield [*row[:9], names.get(row[8], ""), *row[9:]]


def indicator_rows():
    values = (
        IndicatorValue.objects.filter(submission__state=Submission.State.PUBLISHED)
        .exclude(indicator__startswith="total:")
        .order_by("municipality__code", "period__year", "period__quarter", "indicator")
        .values_list(
            "municipality__code",
            "municipality__name",
            "municipality__region__name",
            "period__year",
            "period__quarter",
            "period__currency__code",
            "indicator",
            "value",
        )
    )
    for row in values.iterator(chunk_size=5000):
        *head, indicator, value = row
        yield [*head, indicator, BY_KEY[indicator].unit if indicator in BY_KEY else "", value]


def _xlsx_response(header, rows, filename, *, as_of=None, title=None):
    """An XLSX download: the data on its first sheet, header first, each number cell
    with its format; for open data (``title`` given) a second sheet says what the data
    is, as of when and under which licence.

    ``rows``: (values, {column index: number format}) pairs."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("data"))
    bold = Font(bold=True)
    heading = []
    for text in safe_row(header):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    sheet.freeze_panes = "A2"
    for row, number_formats in rows:
        values = safe_row(row)
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=value)
            if index in number_formats and isinstance(value, int | float | Decimal):
                cell.number_format = number_formats[index]
            cells.append(cell)
        sheet.append(cells)
    if title is not None:
        about = workbook.create_sheet(_("About these data"))
        about.append([WriteOnlyCell(about, value=str(title))])
        about.append([as_of_text(as_of)])
        day = WriteOnlyCell(about, value=as_of)
        day.number_format = DATE_FORMAT
        about.append([_("Data as of"), day])
        about.append([_("Licence"), "CC-BY-4.0"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def named_indicator(row):
    """An indicator row for people: the indicator's and the unit's names, not their keys."""
    *head, indicator, unit, value = row
    name = BY_KEY[indicator].label if indicator in BY_KEY else indicator
    return [*head, name, UNIT_LABELS.get(unit, unit), value]


def lines_response(period, fmt, dialect=csvfiles.STANDARD):
    name = f"finanzas-municipales-{period.year}-T{period.quarter}.{fmt}"
    as_of = data_as_of(Submission.objects.filter(period=period))
    if fmt == "xlsx":
        return _xlsx_response(
            line_titles(),
            ((row, LINE_FORMATS) for row in line_rows(period)),
            name,
            as_of=as_of,
            title=_("Budget lines of %(period)s") % {"period": period},
        )
    header = LINE_COLUMNS if dialect is csvfiles.STANDARD else line_titles()
    return csvfiles.response(header, line_rows(period), name, dialect, preamble=[as_of_text(as_of)])


def indicators_response(fmt, dialect=csvfiles.STANDARD):
    name = f"indicadores-fiscales-municipales.{fmt}"
    as_of = data_as_of(Submission.objects.all())
    if fmt == "xlsx":
        rows = ((named_indicator(row), indicator_formats(row[7])) for row in indicator_rows())
        return _xlsx_response(
            indicator_titles(),
            rows,
            name,
            as_of=as_of,
            title=_("Municipal fiscal indicators"),
        )
    if dialect is csvfiles.STANDARD:
        header, rows = INDICATOR_COLUMNS, indicator_rows()
    else:
        header = indicator_titles()
        rows = (named_indicator(row) for row in indicator_rows())
    return csvfiles.response(header, rows, name, dialect, preamble=[as_of_text(as_of)])


def datapackage(request):
    """A Fiscal Data Package (v1) descriptor: resources, their schema and the fiscal model."""
    from .selectors import published_periods

    amount = {"type": "number", "decimalChar": ".", "groupChar": ""}
    line_fields = [
        {"name": "municipality_code", "type": "string", "title": "Código INE del municipio"},
        {"name": "municipality", "type": "string"},
        {"name": "state", "type": "string", "title": "Entidad federal"},
        {"name": "year", "type": "integer", "title": "Ejercicio fiscal"},
        {"name": "quarter", "type": "integer", "title": "Trimestre (0 = presupuesto)"},
        {"name": "currency", "type": "string"},
        {"name": "version", "type": "integer"},
        {"name": "program", "type": "string", "title": "Categoría programática"},
        {"name": "code", "type": "string", "title": "Código del clasificador ONAPRE"},
        {"name": "name", "type": "string"},
    ] + [{"name": stage, **amount} for stage in STAGES]
    latest = data_as_of_by_period()
    resources = []
    for period in published_periods():
        url = request.build_absolute_uri(
            reverse("finance:download_lines", args=["csv"]) + f"?period={period.pk}"
        )
        resources.append(
            {
                "name": f"lines-{period.year}-q{period.quarter}",
                "title": str(period),
                "path": url,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                # The file's first line says "data as of" (see ``workflows.csvfiles``).
                "dialect": {"delimiter": ",", "commentChar": "#", "header": True},
                "data_as_of": latest[period.pk].isoformat(),
                "schema": {"fields": line_fields},
            }
        )
    return {
        "profile": "fiscal-data-package",
        "name": "pagg-municipal-finance",
        "title": _("Municipal public finance data"),
        "countryCode": "VE",
        "data_as_of": max(latest.values()).isoformat() if latest else None,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": resources,
        "model": {
            "measures": {
                stage: {
                    "source": stage,
                    "description": _("In the currency named in the row's currency column."),
                    "direction": "revenue"
                    if stage in ("estimated", "liquidated", "collected")
                    else "expenditure",
                    "phase": {
                        "initial": "proposed",
                        "estimated": "proposed",
                        "modified": "approved",
                        "committed": "adjusted",
                        "caused": "executed",
                        "liquidated": "executed",
                        "paid": "executed",
                        "collected": "executed",
                    }[stage],
                }
                for stage in STAGES
            },
            "dimensions": {
                "administrative": {
                    "attributes": {
                        "code": {"source": "municipality_code"},
                        "name": {"source": "municipality"},
                    },
                    "primaryKey": "code",
                    "dimensionType": "administrative",
                },
                "economic": {
                    "attributes": {"code": {"source": "code"}, "name": {"source": "name"}},
                    "primaryKey": "code",
                    "dimensionType": "classification",
                    "classificationType": "economic",
                },
                "program": {
                    "attributes": {"code": {"source": "program"}},
                    "primaryKey": "code",
                    "dimensionType": "classification",
                    "classificationType": "functional",
                },
                "date": {
                    "attributes": {"year": {"source": "year"}, "quarter": {"source": "quarter"}},
                    "primaryKey": ["year", "quarter"],
                    "dimensionType": "datetime",
                },
            },
        },
    }


def finding_columns():
    return [
        _("Check"),
        _("Finding"),
        _("Severity"),
        _("Row"),
        _("Column"),
        _("Budget code"),
        _("Message"),
    ]


def finding_rows(upload):
    """Every finding kept, in the report's order; then, per check past the cap, how many
    more there were."""
    from workflows import numbers

    from .selectors import findings_groups, findings_listed

    severities = {
        "error": pgettext("finding severity", "Error"),
        "warning": pgettext("finding severity", "Warning"),
    }
    for finding in findings_listed(upload):
        yield [
            finding.get("rule"),
            finding["label"],
            severities.get(finding.get("severity"), finding.get("severity")),
            finding.get("row"),
            finding.get("column"),
            finding.get("code"),
            finding.get("message"),
        ]
    for group in findings_groups(upload):
        if group.more:
            yield [
                group.rule,
                group.label,
                severities.get(group.severity, group.severity),
                None,
                None,
                None,
                _(
                    "And %(more)s more findings of this check, counted but not kept "
                    "(%(cap)s are kept per check)."
                )
                % {
                    "more": numbers.format_count(group.more),
                    "cap": numbers.format_count(group.kept),
                },
            ]


def findings_response(upload, fmt, dialect=csvfiles.SPANISH):
    """An uploaded file's findings as CSV (in ``dialect``) or XLSX, through the same
    writers as open data; working material, so without the open data's licence sheet."""
    name = f"hallazgos-archivo-{upload.pk}.{fmt}"
    rows = list(finding_rows(upload))  # in the request's language, not the stream's
    if fmt == "xlsx":
        row_number = finding_columns().index(_("Row"))
        return _xlsx_response(
            finding_columns(), [(row, {row_number: WHOLE_FORMAT}) for row in rows], name
        )
    return csvfiles.response(finding_columns(), rows, name, dialect)
