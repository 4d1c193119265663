"""A case as a PDF that reads like a report: the five steps, results, evidence, transfer."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from workflows.numbers import format_figure

from .models import CRITERIA, STEP_FIELDS, STEPS, Case


def _paragraphs(text, style):
    from reportlab.platypus import Paragraph

    return [Paragraph(escape(part), style) for part in (text or "").split("\n") if part.strip()]


def render(case):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=case.title,
        author="PAGG Municipal",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
    )
    styles = getSampleStyleSheet()
    body, heading = styles["BodyText"], styles["Heading3"]
    labels = {field.name: str(field.verbose_name).capitalize() for field in Case._meta.fields}
    facts = [
        [_("Municipality"), f"{case.municipality.name} ({case.municipality.region.name})"],
        [_("Theme"), case.theme.name],
        [_("Period"), _period(case)],
        [_("Contact person"), " · ".join(filter(None, [case.contact_name, case.contact_email]))],
        [_("Partners"), case.partners or "—"],
        [_("Status"), case.get_state_display()],
        [_("Version"), str(case.version)],
    ]
    story = [
        Paragraph(_("PAGG Municipal: innovation case"), styles["Heading4"]),
        Paragraph(escape(case.title), styles["Title"]),
        *_paragraphs(case.summary, body),
        Spacer(1, 0.3 * cm),
        Table(
            [[Paragraph(escape(k), body), Paragraph(escape(v), body)] for k, v in facts],
            colWidths=[4 * cm, 13 * cm],
            style=TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f7")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        ),
    ]
    for number, label in STEPS:
        story.append(Paragraph(f"{number}. {escape(str(label))}", styles["Heading2"]))
        for name in STEP_FIELDS[number]:
            value = getattr(case, name)
            if value:
                story.append(Paragraph(escape(labels[name]), heading))
                story += _paragraphs(value, body)
        if number == 3:
            milestones = [
                [date_format(m.date, "SHORT_DATE_FORMAT"), Paragraph(escape(m.title), body)]
                for m in case.milestones.all()
            ]
            if milestones:
                story.append(Paragraph(_("Timeline"), heading))
                story.append(Table(milestones, colWidths=[3 * cm, 14 * cm]))
        if number == 5:
            rows = [[_("Indicator"), _("Before"), _("After"), _("Unit")]]
            rows += [
                [
                    Paragraph(escape(i.name), body),
                    format_figure(i.before),
                    format_figure(i.after),
                    i.unit,
                ]
                for i in case.indicators.all()
            ]
            if len(rows) > 1:
                story.append(Paragraph(_("Results before and after"), heading))
                story.append(
                    Table(
                        rows,
                        colWidths=[8 * cm, 3 * cm, 3 * cm, 3 * cm],
                        style=TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]),
                    )
                )
    evidence = list(case.evidence.all())
    if evidence:
        story.append(Paragraph(_("Evidence"), styles["Heading2"]))
        story += [
            Paragraph(escape(f"• {e.title} ({e.get_kind_display()}) {e.url}"), body)
            for e in evidence
        ]
    if case.criteria:
        story.append(Paragraph(_("Inclusion criteria"), styles["Heading2"]))
        story += [
            Paragraph(("✓ " if case.criteria.get(key) else "✗ ") + escape(str(label)), body)
            for key, label in CRITERIA
        ]
    replications = list(case.replications.select_related("municipality"))
    if replications:
        story.append(Paragraph(_("Replications"), styles["Heading2"]))
        story += [
            Paragraph(escape(f"{r.municipality.name}: {r.get_state_display()}"), body)
            for r in replications
        ]
    story.append(Spacer(1, 0.5 * cm))
    story.append(
        Paragraph(
            _("Generated on %(date)s.") % {"date": timezone.localtime().strftime("%d/%m/%Y %H:%M")},
            styles["Italic"],
        )
    )
    doc.build(story)
    return buffer.getvalue()


def _period(case):
    start = date_format(case.started_on, "SHORT_DATE_FORMAT")
    if case.ended_on:
        return f"{start} – {date_format(case.ended_on, 'SHORT_DATE_FORMAT')}"
    return _("since %(date)s") % {"date": start}
