"""The cooperation agreement as a document to sign: parties, clauses, signatures.

The facilitator takes it to the municipality to be signed, so it reads as a document
that can be filed: numbered clauses, the parties and the municipality's authorities,
signature blocks, and every page numbered "page n of m". Until the coordination
approves it, each page says it is a draft.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from workflows.pdf import numbered_canvas

from .models import Agreement

PRIMARY = "#1f4e79"
GRID = "#dde3ea"
SHADE = "#eef2f7"
# States before the coordination's approval: the document is still a draft.
DRAFT_STATES = {Agreement.State.DRAFT, Agreement.State.IN_REVIEW, Agreement.State.RETURNED}


def _day(value):
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _paragraphs(text, style, empty):
    from reportlab.platypus import Paragraph

    parts = [part for part in (text or "").split("\n") if part.strip()]
    if not parts:
        return [Paragraph(f"<i>{escape(empty)}</i>", style)]
    return [Paragraph(escape(part), style) for part in parts]


def render(agreement, authorities):
    """The agreement as PDF bytes; ``authorities`` are the municipality's current ones."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
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

    municipality = agreement.municipality
    place = {"municipality": municipality.name, "state": municipality.region.name}
    mayor = next((a for a in authorities if a.kind == a.Kind.MAYOR), None)
    is_draft = agreement.state in DRAFT_STATES

    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("agreement-body", fontSize=10.5, leading=14.5)
    body.alignment = TA_JUSTIFY
    small = styles["BodyText"].clone("agreement-small", fontSize=9, leading=11.5)
    title = styles["Title"].clone("agreement-title", fontSize=17, leading=21, spaceAfter=4)
    subtitle = styles["BodyText"].clone(
        "agreement-subtitle", fontSize=11.5, leading=15, alignment=TA_CENTER
    )
    clause = styles["Heading3"].clone(
        "agreement-clause", fontSize=11, textColor=colors.HexColor(PRIMARY), spaceBefore=10
    )
    centred = small.clone("agreement-centred", alignment=TA_CENTER)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2 * cm,
        bottomMargin=2.2 * cm,
        title=str(agreement),
        author="PAGG Municipal",
        subject=_("Cooperation agreement"),
    )

    story = [
        Paragraph(escape(_("Cooperation agreement")).upper(), title),
        Paragraph(
            escape(
                _(
                    "between the PAGGMunicipal programme and the mayor's office of the "
                    "municipality of %(municipality)s, %(state)s"
                )
                % place
            ),
            subtitle,
        ),
    ]
    if agreement.renewal_of_id:
        previous = agreement.renewal_of
        story.append(
            Paragraph(
                escape(
                    _("It renews the agreement in force from %(start)s to %(end)s.")
                    % {"start": _day(previous.start_date), "end": _day(previous.end_date)}
                ),
                centred,
            )
        )
    story.append(Spacer(1, 0.5 * cm))

    # The parties.
    story.append(Paragraph(escape(_("The parties")).upper(), clause))
    mayor_text = (
        _("represented by its mayor, %(name)s") % {"name": mayor.name}
        if mayor
        else _("represented by its mayor")
    )
    story.append(
        Paragraph(
            escape(
                _(
                    "On the one hand, the PAGGMunicipal programme, represented by its "
                    "coordination; on the other, the mayor's office of the municipality of "
                    "%(municipality)s, %(state)s, %(mayor)s. Both parties agree to cooperate "
                    "under the following clauses."
                )
                % {**place, "mayor": mayor_text}
            ),
            body,
        )
    )
    if authorities:
        story.append(Spacer(1, 0.2 * cm))
        story.append(Paragraph(escape(_("Authorities of the municipality")), small))
        rows = [[_("Full name"), _("Position"), _("E-mail"), _("Phone")]]
        rows += [
            [
                Paragraph(escape(a.name), small),
                Paragraph(escape(a.position or a.get_kind_display()), small),
                Paragraph(escape(a.email or "—"), small),
                Paragraph(escape(a.phone or "—"), small),
            ]
            for a in authorities
        ]
        table = Table(rows, colWidths=[5 * cm, 4.4 * cm, 4.6 * cm, 2.6 * cm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(SHADE)),
                    ("FONTSIZE", (0, 0), (-1, 0), 8.5),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor(GRID)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)

    # The clauses.
    not_written = _("Not written yet.")
    clauses = [
        (_("First. Purpose and scope of the cooperation"), agreement.scope),
        (_("Second. Commitments"), agreement.commitments),
    ]
    for heading, text in clauses:
        story.append(Paragraph(escape(heading).upper(), clause))
        story += _paragraphs(text, body, not_written)
    story.append(Paragraph(escape(_("Third. Term")).upper(), clause))
    if agreement.start_date and agreement.end_date:
        term = _(
            "This agreement comes into force on %(start)s and remains in force until "
            "%(end)s, unless the parties terminate it earlier."
        ) % {"start": _day(agreement.start_date), "end": _day(agreement.end_date)}
        story.append(Paragraph(escape(term), body))
    else:
        story.append(Paragraph(f"<i>{escape(_('The dates are not set yet.'))}</i>", body))
    story.append(Paragraph(escape(_("Fourth. Contacts")).upper(), clause))
    story += _paragraphs(agreement.contacts, body, not_written)
    if agreement.facilitator_id:
        facilitator = agreement.facilitator
        story.append(Paragraph(escape(_("Fifth. Facilitation")).upper(), clause))
        story.append(
            Paragraph(
                escape(
                    _(
                        "The programme names %(name)s as the local facilitator who accompanies "
                        "the municipality in carrying out this agreement."
                    )
                    % {"name": facilitator.get_full_name() or facilitator.get_username()}
                ),
                body,
            )
        )

    # Signatures: kept on one page with the sentence that introduces them.
    closing = Paragraph(
        escape(
            _(
                "In witness whereof, the parties sign two copies of the same content and to "
                "a single effect, in ____________________, on ____ / ____ / ________."
            )
        ),
        body,
    )
    line = "_" * 34

    def block(*lines):
        return [Paragraph(escape(text), centred) for text in lines]

    signatures = Table(
        [
            [
                block(
                    line,
                    mayor.name if mayor else _("Full name"),
                    mayor.position if mayor and mayor.position else _("Mayor"),
                    _("For the mayor's office of %(municipality)s") % place,
                ),
                block(
                    line,
                    _("Full name"),
                    _("Programme coordination"),
                    _("For the PAGGMunicipal programme"),
                ),
            ]
        ],
        colWidths=[8.3 * cm, 8.3 * cm],
    )
    signatures.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(
        KeepTogether(
            [Spacer(1, 0.6 * cm), closing, Spacer(1, 1.6 * cm), signatures, Spacer(1, 0.6 * cm)]
        )
    )
    story.append(
        Paragraph(
            escape(
                _("Generated by PAGG Municipal on %(date)s.")
                % {"date": date_format(timezone.localtime(), "SHORT_DATETIME_FORMAT")}
            ),
            styles["Italic"].clone("agreement-generated", fontSize=8),
        )
    )

    header_left = _("PAGGMunicipal programme · Cooperation agreement")
    header_right = _("DRAFT: not valid until approved and signed") if is_draft else ""
    footer_left = _("Agreement no. %(number)s · %(municipality)s, %(state)s") % {
        "number": agreement.pk,
        **place,
    }
    doc.build(
        story,
        canvasmaker=numbered_canvas(
            footer_left, header=header_left, mark=header_right, margin_cm=2
        ),
    )
    return buffer.getvalue()
