"""The downloadable XLSX template, pre-filled with the classifier, municipality and period."""

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from workflows.exports import safe_cell

from .models import EXPENDITURE_STAGES, PART_PREFIX, REVENUE_STAGES, Part

COLUMN_TITLES = {
    "program": gettext_lazy("Programme"),
    "code": gettext_lazy("Code"),
    "name": pgettext_lazy("budget account", "Name"),
    "initial": gettext_lazy("Initial budget"),
    "modified": gettext_lazy("Modified budget"),
    "committed": gettext_lazy("Committed"),
    "caused": gettext_lazy("Caused"),
    "paid": gettext_lazy("Paid"),
    "estimated": gettext_lazy("Estimated"),
    "liquidated": gettext_lazy("Liquidated"),
    "collected": gettext_lazy("Collected"),
}


def stages_for(period, part=None):
    """The amount columns a period asks for: budgets only for the budget ordinance.

    With ``part`` (expenditure or revenue), only that part's columns.
    """
    stages = (
        ["initial", "estimated"] if period.is_budget else list(EXPENDITURE_STAGES + REVENUE_STAGES)
    )
    if part == Part.EXPENDITURE:
        return [stage for stage in stages if stage in EXPENDITURE_STAGES]
    if part == Part.REVENUE:
        return [stage for stage in stages if stage in REVENUE_STAGES]
    return stages


def build(municipality, period, entries, part=None):
    """The template of one part (its codes and columns only), or of both."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    stages = stages_for(period, part)
    if part in PART_PREFIX:
        entries = [entry for entry in entries if entry.code.startswith(PART_PREFIX[part])]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Datos"
    bold = Font(bold=True)
    sheet.append([_("Municipality"), safe_cell(f"{municipality.code} {municipality.name}")])
    sheet.append([_("Period"), str(period)])
    sheet.append([_("Currency"), str(period.currency)])
    sheet.append([_("Part"), str(Part(part or Part.BOTH).label)])
    header = ["code", "name", *stages]
    sheet.append([str(COLUMN_TITLES[key]) for key in header])
    fill = PatternFill("solid", fgColor="DDE7F0")
    for cell in sheet[5]:
        cell.font = bold
        cell.fill = fill
    for entry in entries:
        sheet.append([entry.code, safe_cell(entry.name)] + [None] * len(stages))
        if entry.level <= 1:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
    for index in range(len(stages)):
        column = get_column_letter(index + 3)
        for row in sheet.iter_rows(min_row=6, min_col=index + 3, max_col=index + 3):
            row[0].number_format = "#,##0.00"
        sheet.column_dimensions[column].width = 18
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 60
    sheet.freeze_panes = "C6"

    notes = workbook.create_sheet(_("Instructions"))
    for text in (
        _("Fill in the amounts of the lines your budget uses; leave the others empty."),
        _("Amounts are in %(currency)s, with up to two decimals.") % {"currency": period.currency},
        _("Every parent line must equal the sum of its children."),
        _("Quarterly amounts are cumulative from 1 January to the end of the quarter."),
        _(
            "Expenditure: paid ≤ caused ≤ committed ≤ modified budget. "
            "Revenue: collected ≤ liquidated."
        ),
        _("You may add a “Programme” column to report by programme category."),
        _("CSV files are accepted too, separated by semicolons or commas."),
        _(
            "Expenditure and revenue may be sent as separate files, in either order: a file "
            "with expenditure columns only is the expenditure part, one with revenue columns "
            "only the revenue part. The data is sent for review once both parts are in."
        ),
    ):
        notes.append([text])
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
