"""Open data: published lines and indicators (CSV, XLSX) and a Fiscal Data Package descriptor."""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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


class Echo:
    def write(self, value):
        return value


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


def _csv_response(header, rows, filename):
    writer = csv.writer(Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(header, rows, filename):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("datos")
    sheet.append(header)
    for row in rows:
        sheet.append(safe_row(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def lines_response(period, fmt):
    name = f"finanzas-municipales-{period.year}-T{period.quarter}.{fmt}"
    if fmt == "xlsx":
        return _xlsx_response(LINE_COLUMNS, line_rows(period), name)
    return _csv_response(LINE_COLUMNS, line_rows(period), name)


def indicators_response(fmt):
    name = f"indicadores-fiscales-municipales.{fmt}"
    if fmt == "xlsx":
        return _xlsx_response(INDICATOR_COLUMNS, indicator_rows(), name)
    return _csv_response(INDICATOR_COLUMNS, indicator_rows(), name)


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
                "schema": {"fields": line_fields},
            }
        )
    return {
        "profile": "fiscal-data-package",
        "name": "pagg-municipal-finance",
        "title": _("Municipal public finance data"),
        "countryCode": "VE",
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


def findings_response(upload, fmt):
    """An uploaded file's findings as CSV or XLSX, through the same writers as open data."""
    name = f"hallazgos-archivo-{upload.pk}.{fmt}"
    rows = list(finding_rows(upload))  # in the request's language, not the stream's
    if fmt == "xlsx":
        return _xlsx_response(finding_columns(), rows, name)
    return _csv_response(finding_columns(), rows, name)
