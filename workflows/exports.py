"""A process's history as CSV and as a PDF an auditor can file."""

import csv
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit

CSV_COLUMNS = [
    "seq",
    "time",
    "actor",
    "action",
    "task",
    "object",
    "comment",
    "before",
    "after",
    "hash",
]
# What a spreadsheet program reads as the start of a formula (OWASP "CSV injection"),
# with the full-width forms some East Asian locales of Excel also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value):
    """Keep spreadsheets from running a text cell as a formula: a leading ``'`` makes it text.

    Every CSV and XLSX the system writes goes through here (or ``spreadsheet_value``),
    so the rule lives in one place.
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def spreadsheet_value(value):
    """A cell for a CSV or XLSX export: text escaped, numbers and dates left as they are.

    A negative amount stored as a number stays a number (and sums in the sheet); only
    text is escaped, because only text can smuggle a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return safe_cell(value)


def safe_row(values):
    return [spreadsheet_value(value) for value in values]


def history_csv(process, events):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    event.seq,
                    timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M:%S"),
                    event.actor_label or _("system"),
                    event.action,
                    event.task.title if event.task_id else "",
                    event.subject_repr,
                    event.comment,
                    audit.to_json(event.before) if event.before is not None else "",
                    audit.to_json(event.after) if event.after is not None else "",
                    event.hash,
                )
            ]
        )
    return buffer.getvalue()


def history_pdf(process, events, chain_result, user):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .actions import label

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        title=str(process),
        author="PAGG Municipal",
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph(_("PAGG Municipal programme"), styles["Title"]),
        Paragraph(
            _("Process history: %(process)s") % {"process": process.title}, styles["Heading2"]
        ),
        Paragraph(
            "<br/>".join(
                [
                    _("Process type: %(type)s") % {"type": process.flow_title},
                    _("Municipality: %(name)s")
                    % {"name": process.municipality.name if process.municipality_id else "—"},
                    _("Generated on %(date)s by %(user)s")
                    % {
                        "date": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
                        "user": user.get_full_name() or user.get_username(),
                    },
                ]
            ),
            styles["BodyText"],
        ),
        Spacer(1, 0.4 * cm),
    ]
    rows = [[_("Time"), _("Actor"), _("Action"), _("Comment")]]
    for event in events:
        rows.append(
            [
                Paragraph(timezone.localtime(event.at).strftime("%d/%m/%Y %H:%M"), small),
                Paragraph(event.actor_label or _("system"), small),
                Paragraph(str(label(event.action)), small),
                Paragraph(_escape(event.comment), small),
            ]
        )
    table = Table(rows, colWidths=[3 * cm, 3.5 * cm, 5 * cm, 6.5 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTSIZE", (0, 0), (-1, 0), 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 0.5 * cm))
    verdict = (
        _("Chain verification: intact (%(count)d events).") % {"count": chain_result["events"]}
        if chain_result["ok"]
        else _("Chain verification: BROKEN: %(problem)s") % {"problem": chain_result["problem"]}
    )
    story.append(Paragraph(verdict, styles["Heading3"]))
    story.append(
        Paragraph(
            _("Hash of the last event: %(hash)s") % {"hash": chain_result["last_hash"] or "—"},
            small,
        )
    )
    doc.build(story)
    return buffer.getvalue()


def _escape(text):
    from xml.sax.saxutils import escape

    return escape(text or "").replace("\n", "<br/>")
