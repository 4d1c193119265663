"""The programme report as a PDF with its charts, drawn with reportlab.

The charts are read on paper, often printed in grey: each has a title, a legend, both
axes named, and every bar carries its number, so that a bar of 1 beside one of 300
is still seen and read (reportlab's ``minDimen`` keeps it a few points long).
"""

import io
import math
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from workflows.numbers import format_count as number
from workflows.pdf import MUTED, numbered_canvas

PRIMARY = "#1f4e79"
GRID = "#dde3ea"
TEXT = "#1d2733"
# Colour-blind safe (Okabe and Ito), one per series of the processes chart.
SERIES = ("#0072B2", "#009E73", "#E69F00")
# One colour per onboarding stage: none yet in grey, the way in blues, the goal in
# greens, the way out in warm tones.
STAGE_COLOURS = {
    None: "#c9d2dc",
    "draft": "#c6dbef",
    "in_review": "#6baed6",
    "returned": "#E69F00",
    "approved": "#74c476",
    "signed": "#31a354",
    "active": "#006d2c",
    "suspended": "#D55E00",
    "expired": "#8c6d31",
    "terminated": "#525252",
}
PADDING = 3  # points each side of a table cell's text
DARK_STAGES = {"in_review", "signed", "active", "suspended", "expired", "terminated"}


def render(report, user):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("report-body", fontSize=9.5, leading=12.5)
    muted = body.clone(
        "report-muted", fontSize=8.5, textColor=colors.HexColor(MUTED), keepWithNext=1
    )
    heading = styles["Heading3"].clone(
        "report-heading",
        fontSize=11.5,
        textColor=colors.HexColor(PRIMARY),
        spaceBefore=10,
        keepWithNext=1,
    )
    head_cell = body.clone(
        "report-head", fontSize=7, leading=8.5, textColor=colors.white, fontName="Helvetica-Bold"
    )
    head_num = head_cell.clone("report-head-num", alignment=TA_RIGHT)

    margin = 1.5 * cm
    width = A4[0] - 2 * margin
    period = f"{report.start:%d/%m/%Y} – {report.end:%d/%m/%Y}"
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=1.8 * cm,
        bottomMargin=2 * cm,
        title=_("Programme progress report"),
        author=user.get_full_name() or user.get_username(),
    )

    def table(rows, widths=None, numeric_from=1, total=False):
        """A table with a coloured header row, numbers to the right, and a bold total.

        Without ``widths`` each column is as wide as its header's longest word (headers
        wrap between words, never inside one) and the first column takes what is left.
        """
        header = [
            Paragraph(escape(str(cell)), head_num if i >= numeric_from else head_cell)
            for i, cell in enumerate(rows[0])
        ]
        body_rows = [
            [number(cell) if isinstance(cell, int) else str(cell) for cell in row]
            for row in rows[1:]
        ]
        if widths is None:
            widths = fitted_widths(rows[0], body_rows, width, head_cell.fontSize, PADDING)
        style = [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(PRIMARY)),
            ("FONTSIZE", (0, 1), (-1, -1), 8),
            ("TEXTCOLOR", (0, 1), (-1, -1), colors.HexColor(TEXT)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID)),
        ]
        if total:
            style += [
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (0, -1), (-1, -1), 1, colors.HexColor(PRIMARY)),
            ]
        return Table([header, *body_rows], colWidths=widths, repeatRows=1, style=TableStyle(style))

    if report.region is not None:
        scope = report.region.name
    elif report.whole_programme:
        scope = _("the whole programme")
    else:
        scope = _("every state in your scope")
    story = [
        Paragraph(_("PAGG Municipal programme"), styles["Title"]),
        Paragraph(_("Programme progress report"), styles["Heading2"]),
        Paragraph(
            escape(
                _(
                    "Period %(start)s to %(end)s · %(scope)s · municipalities in scope: "
                    "%(count)s. Generated on %(date)s by %(user)s."
                )
                % {
                    "start": report.start.strftime("%d/%m/%Y"),
                    "end": report.end.strftime("%d/%m/%Y"),
                    "scope": scope,
                    "count": number(report.municipalities),
                    "date": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
                    "user": user.get_full_name() or user.get_username(),
                }
            ),
            body,
        ),
        Paragraph(
            escape(
                _(
                    "The figures cover the whole programme, including the work that belongs "
                    "to no municipality (network proposals, special projects, hiring)."
                )
                if report.whole_programme
                else _(
                    "The figures count what touches the municipalities in scope: their own "
                    "processes and the networks, special projects and hiring that reach them."
                )
            ),
            muted,
        ),
        Spacer(1, 0.3 * cm),
        Paragraph(_("Agreements"), heading),
        Paragraph(
            escape(
                _("Active agreements: %(active)s; expiring in the next 90 days: %(expiring)s.")
                % {
                    "active": number(report.active_agreements),
                    "expiring": number(report.expiring_count),
                }
            ),
            body,
        ),
    ]

    # Processes per type, with their chart.
    opened = pgettext("processes in the period", "Opened")
    closed = pgettext("processes in the period", "Closed")
    open_now = pgettext("processes in the period", "Open now")
    rows = [[_("Process type"), opened, closed, open_now]]
    rows += [[str(t), o, c, n] for t, o, c, n in report.processes]
    rows.append([_("Total"), *report.process_totals])
    story += [
        Paragraph(_("Processes in the period"), heading),
        table(rows, [8 * cm] + [(width - 8 * cm) / 3] * 3, total=True),
        Spacer(1, 0.3 * cm),
        KeepTogether(
            [
                bar_chart(
                    title=_("Processes by type: opened and closed in the period, open now"),
                    categories=[str(t) for t, _o, _c, _n in report.processes],
                    series=[
                        [row[1] for row in report.processes],
                        [row[2] for row in report.processes],
                        [row[3] for row in report.processes],
                    ],
                    names=[opened, closed, open_now],
                    colours=SERIES,
                    value_label=_("Number of processes"),
                    category_label=_("Process type"),
                    width=width,
                )
            ]
        ),
    ]

    # Municipalities per state and onboarding stage, with their chart.
    state_label = pgettext("Venezuelan state", "State")
    stage_labels = [str(label) for _value, label in report.states]
    rows = [[state_label, *stage_labels, _("Total")]]
    rows += [[name, *counts, total] for name, counts, total in report.onboarding]
    many = len(report.onboarding) > 1
    if many:
        rows.append([_("Total"), *report.onboarding_totals[0], report.onboarding_totals[1]])
    story += [
        Paragraph(_("Municipalities by onboarding stage and state"), heading),
        Paragraph(
            escape(_("Each municipality counts once, in the stage of its latest agreement.")),
            muted,
        ),
        table(rows, total=many),
        Spacer(1, 0.3 * cm),
    ]
    if report.onboarding:
        used = [
            i
            for i in range(len(report.states))
            if any(counts[i] for _name, counts, _total in report.onboarding)
        ]
        story.append(
            KeepTogether(
                [
                    bar_chart(
                        title=_("Municipalities by onboarding stage, one bar per state"),
                        categories=[name for name, _counts, _total in report.onboarding],
                        series=[
                            [counts[i] for _name, counts, _total in report.onboarding] for i in used
                        ],
                        names=[stage_labels[i] for i in used],
                        colours=[STAGE_COLOURS.get(report.states[i][0], "#999999") for i in used],
                        dark=[report.states[i][0] in DARK_STAGES for i in used],
                        value_label=_("Number of municipalities"),
                        category_label=state_label,
                        width=width,
                        stacked=True,
                    )
                ]
            )
        )

    story.append(
        Paragraph(pgettext("Venezuelan state", "Overdue tasks by role and state"), heading)
    )
    rows = [[_("Role"), state_label, _("Overdue")]]
    rows += [[str(r), s or _("No municipality"), n] for r, s, n in report.overdue]
    if len(rows) == 1:
        rows.append([_("No overdue tasks."), "", ""])
    story += [table(rows, [7 * cm, 7 * cm, width - 14 * cm], numeric_from=2)]

    story.append(Paragraph(_("Finance submission coverage"), heading))
    rows = [
        [
            _("Period"),
            _("Member municipalities"),
            pgettext("finance coverage", "Submitted"),
            pgettext("finance coverage", "Approved"),
            pgettext("finance coverage", "Missing"),
        ]
    ]
    rows += [[str(p), m, s, a, x] for p, m, s, a, x in report.finance]
    if len(rows) == 1:
        rows.append([_("No fiscal period is due in these dates."), "", "", "", ""])
    story += [table(rows, [6 * cm] + [(width - 6 * cm) / 4] * 4)]

    story.append(Paragraph(_("Innovation cases"), heading))
    rows = [
        [_("Innovation cases"), pgettext("a count", "Number")],
        [_("Registered in the period"), report.cases.get("registered", 0)],
        [_("Published in the period"), report.cases.get("published", 0)],
        [_("In the public library"), report.cases.get("public", 0)],
    ]
    story += [table(rows, [10 * cm, width - 10 * cm])]

    story.append(Paragraph(_("Thematic networks"), heading))
    rows = [[_("Network"), _("Situation"), _("Members"), _("Municipalities")]]
    rows += [
        [n.name, n.get_state_display(), members, towns] for n, members, towns in report.networks
    ]
    if len(rows) == 1:
        rows.append([_("No live network."), "", "", ""])
    story += [table(rows, [8 * cm, 4 * cm, (width - 12 * cm) / 2, (width - 12 * cm) / 2], 2)]

    story.append(Paragraph(_("Special projects"), heading))
    rows = [[_("Project"), _("Situation"), _("Milestones"), _("Late milestones")]]
    rows += [[p.title, p.get_state_display(), count, late] for p, count, late in report.projects]
    if len(rows) == 1:
        rows.append([_("No project under way."), "", "", ""])
    story += [table(rows, [8 * cm, 4 * cm, (width - 12 * cm) / 2, (width - 12 * cm) / 2], 2)]

    footer = f"{_('Programme progress report')} · {period} · {scope}"
    doc.build(story, canvasmaker=numbered_canvas(footer, header=_("PAGG Municipal programme")))
    return buffer.getvalue()


def fitted_widths(header, rows, width, size, padding):
    """Column widths that fit each header's longest word and each column's widest cell."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    needs = []
    for index, title in enumerate(header):
        word = max((stringWidth(w, "Helvetica-Bold", size) for w in str(title).split()), default=0)
        cell = max((stringWidth(row[index], "Helvetica", 8) for row in rows), default=0)
        needs.append(max(word, cell) + 2 * padding + 1)
    spare = max(width - sum(needs), 0)
    return [needs[0] + spare, *needs[1:]]


def _scale(largest):
    """An axis end and an integer step giving at most about six ticks."""
    if largest <= 0:
        return 1, 1
    step = 1
    for candidate in (1, 2, 5):
        magnitude = 10 ** max(0, int(math.log10(largest)) - 1)
        step = candidate * magnitude
        if largest / step <= 6:
            break
    else:
        step = 10 * magnitude
    return step * math.ceil(largest / step), step


def bar_chart(
    *,
    title,
    categories,
    series,
    names,
    colours,
    value_label,
    category_label,
    width,
    stacked=False,
    dark=None,
):
    """A horizontal bar chart, categories read top down, with title, legend and axis names.

    ``series`` holds one list of counts per legend entry. Grouped bars carry their
    number at their end (a zero says "0" and draws nothing); stacked bars carry it
    inside each part, and a part of zero is left out.
    """
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.textlabels import NA_Label
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font, size = "Helvetica", 7.5
    count = len(categories)
    per_category = 0.55 * cm if stacked else (0.32 * len(series) + 0.3) * cm
    plot_height = max(count, 1) * per_category
    label_width = max((stringWidth(c, font, size) for c in categories), default=0)
    left = max(label_width, stringWidth(category_label, "Helvetica-Bold", 8)) + 0.5 * cm
    right = 0.8 * cm
    legend_columns = max(1, int((width - 0.4 * cm) // (4.4 * cm)))
    legend_rows = math.ceil(len(names) / legend_columns)
    top = 0.9 * cm + legend_rows * 0.42 * cm + 0.7 * cm
    bottom = 1.1 * cm
    drawing = Drawing(width, bottom + plot_height + top)

    drawing.add(
        String(
            0,
            drawing.height - 0.45 * cm,
            title,
            fontName="Helvetica-Bold",
            fontSize=10,
            fillColor=colors.HexColor(PRIMARY),
        )
    )
    legend = Legend()
    legend.x, legend.y = 0.1 * cm, drawing.height - 0.8 * cm
    legend.boxAnchor = "nw"
    legend.alignment = "right"
    legend.fontName, legend.fontSize = font, size
    legend.dx = legend.dy = 0.28 * cm
    legend.deltax = 4.4 * cm
    legend.deltay = 0.42 * cm
    legend.columnMaximum = legend_rows
    legend.colorNamePairs = [
        (colors.HexColor(colour), name) for colour, name in zip(colours, names, strict=True)
    ]
    drawing.add(legend)

    # reportlab draws the first category, and in a group the first series, at the
    # bottom: both are reversed to read top down, in the table's and the legend's order.
    dark = dark or [False] * len(series)
    drawn = list(zip(series, colours, dark, strict=True))
    if not stacked:
        drawn.reverse()
    data = [[value or None for value in reversed(row)] for row, _colour, _dark in drawn]
    chart = HorizontalBarChart()
    chart.x, chart.y = left, bottom
    chart.width, chart.height = width - left - right, plot_height
    chart.data = data or [[None] * count]
    chart.categoryAxis.categoryNames = list(reversed(categories))
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.strokeColor = colors.HexColor(MUTED)
    if stacked:
        chart.categoryAxis.style = "stacked"
        largest = max((sum(column) for column in zip(*series, strict=True)), default=0)
    else:
        largest = max((max(row) for row in series if row), default=0)
    top_value, step = _scale(largest * (1 if stacked else 1.12))
    axis = chart.valueAxis
    axis.valueMin, axis.valueMax, axis.valueStep = 0, top_value, step
    axis.labels.fontName, axis.labels.fontSize = font, size
    axis.labelTextFormat = number
    axis.strokeColor = colors.HexColor(MUTED)
    axis.visibleGrid = True
    axis.gridStrokeColor = colors.HexColor(GRID)
    axis.gridStrokeWidth = 0.5
    chart.barSpacing = 0 if stacked else 1
    chart.groupSpacing = 6 if stacked else 14
    chart.barLabelFormat = lambda value: number(value) if value else ""
    chart.barLabels.fontName, chart.barLabels.fontSize = font, size
    for index, (_row, colour, on_dark) in enumerate(drawn):
        chart.bars[index].fillColor = colors.HexColor(colour)
        chart.bars[index].strokeColor = colors.white if stacked else None
        chart.bars[index].strokeWidth = 0.5
        chart.bars[index].minDimen = 3
        if stacked:
            chart.barLabels[index].fillColor = colors.white if on_dark else colors.HexColor(TEXT)
    if stacked:
        chart.barLabels.boxTarget = "mid"
        chart.barLabels.boxAnchor = "c"
    else:
        chart.barLabels.boxTarget = "hi"
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 2
        chart.naLabel = NA_Label()
        chart.naLabel.text = number(0)
        chart.naLabel.fontName, chart.naLabel.fontSize = font, size
        chart.naLabel.boxAnchor = "w"
        chart.naLabel.dx = 2
        chart.naLabel.fillColor = colors.HexColor(MUTED)
    drawing.add(chart)

    drawing.add(
        String(
            left + chart.width / 2,
            0.15 * cm,
            value_label,
            fontName=font,
            fontSize=8,
            textAnchor="middle",
            fillColor=colors.HexColor(MUTED),
        )
    )
    # The categories' name heads their column of labels, read without turning the page.
    drawing.add(
        String(
            left - 0.2 * cm,
            bottom + plot_height + 0.25 * cm,
            category_label,
            fontName="Helvetica-Bold",
            fontSize=8,
            textAnchor="end",
            fillColor=colors.HexColor(MUTED),
        )
    )
    return drawing
