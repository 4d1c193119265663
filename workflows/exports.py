"""A process's history as CSV and as a PDF an auditor can file."""

import csv
import io

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
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Keep spreadsheets from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


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
