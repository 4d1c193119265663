"""A project on one page: status, objectives, indicators against targets, milestones, team."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from workflows.numbers import format_figure, format_money


def render(project):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=project.title, topMargin=1.5 * cm)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    grid = TableStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
        ]
    )
    unit = project.currency.code if project.currency else ""
    budget = f"{format_money(project.budget)} {unit}" if project.budget is not None else "—"
    story = [
        Paragraph(_("PAGG Municipal: special project"), styles["Heading4"]),
        Paragraph(escape(project.title), styles["Title"]),
        Paragraph(
            escape(
                f"{project.line.name} · {project.get_state_display()} · "
                f"{_('Lead')}: {project.lead.get_full_name() or project.lead.get_username()} · "
                f"{_('Budget')}: {budget}"
            ),
            body,
        ),
        Spacer(1, 0.3 * cm),
        Paragraph(_("Objectives"), styles["Heading3"]),
        Paragraph(escape(project.objectives or "—"), body),
    ]
    rows = [[_("Indicator"), _("Baseline"), _("Target"), _("Current"), _("Progress")]]
    rows += [
        [
            Paragraph(escape(i.name), body),
            format_figure(i.baseline),
            format_figure(i.target),
            format_figure(i.current),
            f"{round(i.progress * 100)} %",
        ]
        for i in project.indicators.all()
    ]
    story += [Paragraph(_("Indicators"), styles["Heading3"]), Table(rows, style=grid)]
    rows = [[_("Milestone"), _("Due"), _("Delivered"), _("Status")]]
    for m in project.milestones.all():
        state = _("late") if m.is_late else (_("done") if m.completed_at else _("pending"))
        rows.append(
            [
                Paragraph(escape(m.title), body),
                date_format(m.due_on, "SHORT_DATE_FORMAT"),
                date_format(timezone.localtime(m.completed_at), "SHORT_DATE_FORMAT")
                if m.completed_at
                else "—",
                state,
            ]
        )
    story += [Paragraph(_("Milestones"), styles["Heading3"]), Table(rows, style=grid)]
    team = ", ".join(
        f"{t.user.get_full_name() or t.user.get_username()} ({t.get_role_display()})"
        for t in project.team.filter(declined=False).select_related("user")
    )
    story += [Paragraph(_("Team"), styles["Heading3"]), Paragraph(escape(team or "—"), body)]
    if project.results_summary:
        story += [
            Paragraph(_("Results against targets"), styles["Heading3"]),
            Paragraph(escape(project.results_summary), body),
        ]
    doc.build(story)
    return buffer.getvalue()
