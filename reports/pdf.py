"""The programme report as a PDF with a chart, drawn with reportlab."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def render(report, user):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=_("Programme progress report"))
    styles = getSampleStyleSheet()
    grid = TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
        ]
    )
    scope = report.region.name if report.region else _("all states in your scope")
    story = [
        Paragraph(_("PAGG Municipal programme"), styles["Title"]),
        Paragraph(_("Programme progress report"), styles["Heading2"]),
        Paragraph(
            _(
                "Period %(start)s to %(end)s; %(scope)s; %(count)d municipalities. "
                "Generated on %(date)s by %(user)s."
            )
            % {
                "start": report.start.strftime("%d/%m/%Y"),
                "end": report.end.strftime("%d/%m/%Y"),
                "scope": scope,
                "count": report.municipalities,
                "date": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
                "user": user.get_full_name() or user.get_username(),
            },
            styles["BodyText"],
        ),
        Spacer(1, 0.4 * cm),
        Paragraph(_("Municipalities by onboarding state"), styles["Heading3"]),
    ]
    header = [_("State")] + [str(label) for _value, label in report.states] + [_("Total")]
    rows = [header] + [[name, *counts, total] for name, counts, total in report.onboarding]
    story += [Table(rows, repeatRows=1, style=grid), Spacer(1, 0.4 * cm)]

    if report.onboarding:
        drawing = Drawing(16 * cm, max(3, len(report.onboarding)) * 0.6 * cm + 1 * cm)
        chart = HorizontalBarChart()
        chart.x, chart.y = 4 * cm, 0.5 * cm
        chart.width, chart.height = 11 * cm, max(3, len(report.onboarding)) * 0.6 * cm
        chart.data = [[total for _name, _counts, total in report.onboarding]]
        chart.categoryAxis.categoryNames = [name for name, _c, _t in report.onboarding]
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#2e75b6")
        drawing.add(chart)
        story += [drawing, Spacer(1, 0.4 * cm)]

    story.append(Paragraph(_("Agreements"), styles["Heading3"]))
    story.append(
        Paragraph(
            _("%(active)d active agreements; %(expiring)d expire in the next 90 days.")
            % {"active": report.active_agreements, "expiring": len(report.expiring)},
            styles["BodyText"],
        )
    )
    story.append(Paragraph(_("Processes in the period"), styles["Heading3"]))
    rows = [[_("Process type"), _("Opened"), _("Closed"), _("Open now")]]
    rows += [[str(t), o, c, n] for t, o, c, n in report.processes]
    story += [Table(rows, style=grid), Spacer(1, 0.4 * cm)]
    story.append(Paragraph(_("Overdue tasks by role and state"), styles["Heading3"]))
    rows = [[_("Role"), _("State"), _("Overdue")]]
    rows += [[str(r), s or "—", n] for r, s, n in report.overdue] or [["—", "—", 0]]
    story += [Table(rows, style=grid), Spacer(1, 0.4 * cm)]
    story.append(Paragraph(_("Finance submission coverage"), styles["Heading3"]))
    rows = [
        [
            _("Period"),
            _("Member municipalities"),
            _("Submitted"),
            pgettext("finance coverage", "Approved"),
            _("Missing"),
        ]
    ]
    rows += [[str(p), m, s, a, x] for p, m, s, a, x in report.finance] or [["—", 0, 0, 0, 0]]
    story += [Table(rows, style=grid), Spacer(1, 0.4 * cm)]
    story.append(Paragraph(_("Innovation cases"), styles["Heading3"]))
    rows = [
        [_("Registered in the period"), report.cases.get("registered", 0)],
        [_("Published in the period"), report.cases.get("published", 0)],
        [_("In the public library"), report.cases.get("public", 0)],
    ]
    story += [Table(rows, style=grid), Spacer(1, 0.4 * cm)]
    story.append(Paragraph(_("Thematic networks"), styles["Heading3"]))
    rows = [[_("Network"), _("State"), _("Members"), _("Municipalities")]]
    rows += [
        [n.name, n.get_state_display(), members, towns] for n, members, towns in report.networks
    ] or [["—", "", 0, 0]]
    story += [Table(rows, style=grid), Spacer(1, 0.4 * cm)]
    story.append(Paragraph(_("Special projects"), styles["Heading3"]))
    rows = [[_("Project"), _("State"), _("Milestones"), _("Late")]]
    rows += [
        [p.title, p.get_state_display(), count, late] for p, count, late in report.projects
    ] or [["—", "", 0, 0]]
    story.append(Table(rows, style=grid))
    doc.build(story)
    return buffer.getvalue()
