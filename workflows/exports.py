"""A process's history as CSV and as a PDF an auditor can file."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import audit
from .pdf import numbered_canvas

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


def _when(moment, seconds=True):
    """A moment in Caracas time, day first, as Venezuelan documents write it."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def _chain_namer(process):
    """Names the chains of ``process``'s events in words, each read once: the process's
    own, its subject's, or that of another record of the process (an uploaded file), by
    its kind and its name."""
    names = {
        audit.chain_key_for(process): _("Trail of process no. %(number)s") % {"number": process.pk}
    }

    def name(key):
        if key not in names:
            subject = process.subject if process.subject_type_id else None
            if subject is None or key != audit.chain_key_for(subject=subject):
                subject = _record_of_chain(key)
            names[key] = (
                key
                if subject is None
                else _("Trail: %(kind)s “%(name)s”")
                % {
                    "kind": capfirst(subject._meta.verbose_name),
                    "name": subject,
                }
            )
        return names[key]

    return name


def _record_of_chain(key):
    """The record a subject's chain key (``app.model:pk``) names, or None."""
    from django.apps import apps

    label, _sep, pk = key.partition(":")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=pk).first() if pk.isdigit() else None


def history_csv(process, events, viewer=None, dialect=None):
    """The process's history as CSV text, one row per event, for a spreadsheet.

    Written by default for Spanish-locale Excel and LibreOffice, which is what the
    programme's people open it with (``csvfiles.SPANISH``); ``csvfiles.STANDARD`` for a
    program. The headers are in the reader's language; values read as on the pages
    (labels, full names, dates), and the hash of each event is given whole, so the file
    can be checked against the trail. Every cell is escaped by the writer: a comment
    starting with ``=`` stays text.
    """
    from . import csvfiles
    from .display import changes_text, read_events

    events = read_events(events, process.flow_class, viewer)
    chain_name = _chain_namer(process)
    header = [
        _("No."),
        _("Date and time"),
        _("Person"),
        _("Role(s)"),
        _("Action"),
        _("Task"),
        _("Object"),
        _("Comment"),
        _("Before"),
        _("After"),
        _("Trail"),
        _("Position in the trail"),
        _("Event hash (SHA-256)"),
    ]
    rows = (
        (
            number,
            event.at.replace(microsecond=0),
            event.actor_name,
            event.actor_roles,
            event.action_label,
            event.task.title if event.task_id else "",
            event.subject_repr,
            event.comment,
            changes_text(event.readable, "before"),
            changes_text(event.readable, "after"),
            chain_name(event.chain_key),
            event.seq,
            event.hash,
        )
        for number, event in enumerate(events, start=1)
    )
    return csvfiles.text(header, rows, dialect or csvfiles.SPANISH)


def chain_report(key):
    """What an auditor needs to trust one chain: its verification and its latest seal.

    ``verification`` is ``audit.verify_chain``'s result. ``checkpoint`` is the latest
    checkpoint that sealed the chain (None: not sealed yet), with ``sealed_length``
    (the events it covers), ``seal_fits`` (the checkpoint's own hash matches its
    content) and ``head_fits`` (the sealed head is still the event at that position:
    the chain was not rewritten or cut since).
    """
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from .models import AuditChain, AuditCheckpoint, AuditEvent

    report = {"key": key, "verification": audit.verify_chain(key), "checkpoint": None}
    chain = AuditChain.objects.filter(key=key).first()
    if chain is None or not chain.sealed_length:
        return report
    sealed = (
        AuditEvent.objects.filter(chain_key=key, seq=chain.sealed_length)
        .values_list("at", "hash")
        .first()
    )
    # The seal that took this head was made after its event: start looking there.
    checkpoints = AuditCheckpoint.objects.annotate(heads_text=Cast("heads", TextField()))
    if sealed is not None:
        checkpoints = checkpoints.filter(at__gte=sealed[0])
    for checkpoint in checkpoints.filter(heads__has_key=key).order_by("pk")[:5]:
        length, digest = checkpoint.heads[key]
        if (length, digest) == (chain.sealed_length, chain.sealed_hash):
            report.update(
                checkpoint=checkpoint,
                sealed_length=length,
                seal_fits=checkpoint.hash in audit._seal_digests(checkpoint),
                head_fits=sealed is not None and sealed[1] == digest,
            )
            break
    return report


def history_pdf(process, events, user=None):
    """The process's history as a PDF an auditor can file.

    Every page says "Page n of m" and which process it belongs to (a two-pass canvas:
    the count is known once all pages are laid out). The first page identifies the
    process; each event gives its time, who acted (full name and roles), the action,
    the step, the comment, the values it changed as people read them and the first 12
    characters of its hash. The last section verifies every chain the history is on
    and names the checkpoint each was sealed in, or says that it was not sealed yet.
    """
    from reportlab.lib import colors
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

    from .display import read_events

    events = read_events(events, process.flow_class, user)
    generated = _("Generated on %(date)s by %(user)s") % {
        "date": _when(timezone.now(), seconds=False),
        "user": (user.get_full_name() or user.get_username()) if user else _("the system"),
    }
    footer = _("Process no. %(number)s: %(title)s") % {"number": process.pk, "title": process.title}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.8 * cm,
        bottomMargin=2 * cm,
        title=_("Process history: %(process)s") % {"process": process.title},
        author="PAGG Municipal",
    )
    styles = getSampleStyleSheet()
    body = styles["BodyText"].clone("body", fontSize=9, leading=11.5)
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9.5)
    muted = small.clone("muted", textColor=colors.HexColor("#5b6776"))
    head = small.clone("head", textColor=colors.white, fontName="Helvetica-Bold")
    mono = small.clone("mono", fontName="Courier", fontSize=7.5)
    story = [
        Paragraph(_("PAGG Municipal programme"), styles["Title"]),
        Paragraph(
            _("Process history: %(process)s") % {"process": _escape(process.title)},
            styles["Heading2"],
        ),
        _identity_table(process, body, muted),
        Paragraph(_escape(generated), muted),
        Spacer(1, 0.4 * cm),
        Paragraph(_("Events"), styles["Heading3"]),
    ]
    rows = [
        [
            Paragraph(_("Date and time"), head),
            Paragraph(_("Person and role"), head),
            Paragraph(_("Action and task"), head),
            Paragraph(_("Comment and changes"), head),
            Paragraph(_("Hash"), head),
        ]
    ]
    for event in events:
        actor = f"<b>{_escape(event.actor_name)}</b>"
        if event.actor_roles:
            actor += f"<br/>{_escape(event.actor_roles)}"
        action = f"<b>{_escape(str(event.action_label))}</b>"
        if event.task_id:
            action += f"<br/><i>{_escape(event.task.title)}</i>"
        if event.subject_repr:
            action += f"<br/>{_escape(event.subject_repr)}"
        details = []
        if event.comment:
            details.append(f"«{_escape(event.comment)}»")
        details += [_change_line(row) for row in event.readable]
        rows.append(
            [
                Paragraph(_when(event.at).replace(" ", "<br/>", 1), small),
                Paragraph(actor, small),
                Paragraph(action, small),
                Paragraph("<br/>".join(details) or "—", small),
                Paragraph(event.hash[:12], mono),
            ]
        )
    table = Table(rows, colWidths=[2.0 * cm, 3.2 * cm, 4.0 * cm, 6.5 * cm, 2.3 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1f4e79")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d2dc")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6f9")]),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    story += [table, Spacer(1, 0.5 * cm)]
    keys = list(dict.fromkeys([audit.chain_key_for(process), *(e.chain_key for e in events)]))
    heading = [Paragraph(_("Verification"), styles["Heading3"])]
    for key in keys:  # each trail's result with its seal on one page, the heading with the first
        story.append(KeepTogether(heading + _verification(chain_report(key), process, body, small)))
        heading = []
    story.append(
        Paragraph(
            _(
                "Each event's hash covers its content and the hash of the event before it "
                "on its trail; checkpoints seal the trails' last events periodically, so "
                "that a rewritten or shortened trail no longer matches its seal."
            ),
            muted,
        )
    )
    doc.build(story, canvasmaker=numbered_canvas(footer))
    return buffer.getvalue()


def _identity_table(process, body, muted):
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Table, TableStyle

    subject = process.subject if process.subject_type_id else None
    municipality = process.municipality
    rows = [
        (_("Process number"), str(process.pk)),
        (_("Process type"), str(process.flow_title)),
        (_("Title"), process.title),
    ]
    if subject is not None:
        rows.append((capfirst(subject._meta.verbose_name), str(subject)))
        state = getattr(subject, "get_state_display", None)
        if state is not None:
            rows.append((_("Current standing"), str(state())))
    if municipality is not None:
        region = getattr(municipality, "region", None)
        rows.append((_("Municipality"), municipality.name))
        if region is not None:
            rows.append((_("State (territory)"), region.name))
    starter = process.started_by
    started = _when(process.created, seconds=False)
    if starter is not None:
        started = _("%(date)s, by %(person)s") % {
            "date": started,
            "person": starter.get_full_name() or starter.get_username(),
        }
    rows.append((_("Started"), started))
    rows.append(
        (
            _("Finished"),
            _when(process.finished, seconds=False) if process.finished else _("Not yet"),
        )
    )
    table = Table(
        [[Paragraph(_escape(str(k)), muted), Paragraph(_escape(str(v)), body)] for k, v in rows],
        colWidths=[4.5 * cm, 13.5 * cm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _change_line(row):
    label = f"<b>{_escape(row.label)}</b>"
    if row.before and row.after:
        # Symbol's arrow: Helvetica (WinAnsi) has no "→".
        return (
            f'{label}: {_escape(row.before)} <font name="Symbol">\u2192</font> {_escape(row.after)}'
        )
    return f"{label}: {_escape(row.before or row.after)}"


def _verification(report, process, body, small):
    from reportlab.platypus import Paragraph

    result, name = report["verification"], _chain_namer(process)(report["key"])
    if result["ok"]:
        verdict = ngettext(
            "%(trail)s: intact, %(count)d event verified.",
            "%(trail)s: intact, %(count)d events verified.",
            result["events"],
        ) % {
            "trail": name,
            "count": result["events"],
        }
    else:
        verdict = _("%(trail)s: BROKEN: %(problem)s") % {
            "trail": name,
            "problem": result["problem"],
        }
    lines = [Paragraph(f"<b>{_escape(verdict)}</b>", body)]
    if result["last_hash"]:
        lines.append(
            Paragraph(
                _("Hash of the last event: %(hash)s")
                % {"hash": f'<font name="Courier">{result["last_hash"]}</font>'},
                small,
            )
        )
    checkpoint = report["checkpoint"]
    if checkpoint is None:
        lines.append(
            Paragraph(
                _escape(
                    _(
                        "Not yet sealed: no checkpoint covers this trail yet (seals are made "
                        "every hour)."
                    )
                ),
                small,
            )
        )
        return lines
    sealed = ngettext(
        "Checked against checkpoint no. %(number)s of %(date)s, which sealed its first "
        "%(count)d event; checkpoint hash: %(hash)s.",
        "Checked against checkpoint no. %(number)s of %(date)s, which sealed its first "
        "%(count)d events; checkpoint hash: %(hash)s.",
        report["sealed_length"],
    ) % {
        "number": checkpoint.pk,
        "date": _when(checkpoint.at),
        "count": report["sealed_length"],
        "hash": f'<font name="Courier">{checkpoint.hash}</font>',
    }
    lines.append(Paragraph(sealed, small))
    if report["seal_fits"] and report["head_fits"]:
        outcome = _("The seal matches: the trail was not rewritten or shortened since.")
    elif not report["seal_fits"]:
        outcome = _("The checkpoint does not match its own hash: it was altered.")
    else:
        outcome = _("The sealed event no longer matches: the trail was altered after the seal.")
    lines.append(Paragraph(f"<b>{_escape(outcome)}</b>", small))
    return lines


def _escape(text):
    from xml.sax.saxutils import escape

    return escape(str(text or "")).replace("\n", "<br/>")
