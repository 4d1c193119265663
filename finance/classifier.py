"""Loading and updating the budget classifier from a file: all rows or none.

Coordinators upload a CSV or XLSX with the columns ``code``, ``name`` and,
optionally, ``cofog`` (Spanish headers work too). New codes are added and
existing ones renamed or remapped; codes missing from the file are kept,
because published submissions use them, unless the file is a full replacement.
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from workflows import audit

from . import parsing
from .models import ClassifierEntry

COFOG = re.compile(r"^\d{2}(\.\d)?$")
COLUMNS = {
    "code": {"code", "codigo", "cod"},
    "name": {"name", "nombre", "denominacion", "descripcion"},
    "cofog": {"cofog", "funcion", "funcioncofog"},
}


class ClassifierFileError(Exception):
    def __init__(self, problems):
        super().__init__("\n".join(problems))
        self.problems = problems


def read_rows(name, data):
    fmt = parsing.sniff_format(name, data[:8])
    if fmt == "xlsx":
        return list(parsing.xlsx_rows(data))
    if fmt == "csv":
        return list(parsing.csv_rows(data))
    raise parsing.Refused(_("Upload the classifier as CSV or XLSX."))


def parse(name, data):
    """(code, name, cofog, row) tuples, or ClassifierFileError naming rows and columns."""
    rows = read_rows(name, data)
    if not rows:
        raise ClassifierFileError([_("The file is empty.")])
    header_number, header = rows[0]
    index = {}
    for position, cell in enumerate(header):
        text = parsing.normalise_header(cell)
        for key, names in COLUMNS.items():
            if text in names and key not in index:
                index[key] = position
    missing = [key for key in ("code", "name") if key not in index]
    if missing:
        raise ClassifierFileError(
            [
                _("Row %(row)s: the columns %(columns)s are missing.")
                % {"row": header_number, "columns": ", ".join(missing)}
            ]
        )
    problems, entries, seen = [], [], {}
    for number, row in rows[1:]:
        cells = list(row) + [None] * 3

        def cell(key, cells=cells):
            position = index.get(key)
            value = cells[position] if position is not None else None
            return "" if value is None else str(value).strip()

        if not any(str(c or "").strip() for c in row):
            continue
        code_column = parsing.letter(index["code"])
        try:
            code = parsing.normalise_code(cell("code"))
        except ValueError:
            code = None
        if not code:
            problems.append(
                _("Row %(row)s, column %(column)s: “%(value)s” is not a budget code.")
                % {"row": number, "column": code_column, "value": cell("code")[:30]}
            )
            continue
        if code in seen:
            problems.append(
                _("Row %(row)s, column %(column)s: %(code)s already appears in row %(first)s.")
                % {"row": number, "column": code_column, "code": code, "first": seen[code]}
            )
            continue
        seen[code] = number
        label = cell("name")
        if not label:
            problems.append(
                _("Row %(row)s, column %(column)s: the name is empty.")
                % {"row": number, "column": parsing.letter(index["name"])}
            )
        cofog = cell("cofog")
        if cofog and (not COFOG.match(cofog) or code.startswith("3")):
            problems.append(
                _(
                    "Row %(row)s, column %(column)s: “%(value)s” is not a COFOG function for "
                    "this code (write 01.7, or leave it empty for revenue)."
                )
                % {"row": number, "column": parsing.letter(index["cofog"]), "value": cofog}
            )
        entries.append((code, label[:300], cofog, number))
    known = set(ClassifierEntry.objects.values_list("code", flat=True)) | set(seen)
    for code, _label, _cofog, number in entries:
        parent = ClassifierEntry.parent_code(code)
        if parent and parent not in known:
            problems.append(
                _(
                    "Row %(row)s: the parent %(parent)s of %(code)s is neither in the file "
                    "nor in the classifier."
                )
                % {"row": number, "parent": parent, "code": code}
            )
    if problems:
        raise ClassifierFileError(problems)
    return entries


def load(entries, *, by=None, deactivate_missing=False):
    """Apply parsed entries in one transaction, parents before children."""
    entries = sorted(entries, key=lambda e: (ClassifierEntry.level_of(e[0]), e[0]))
    created = updated = deactivated = 0
    with transaction.atomic():
        existing = {e.code: e for e in ClassifierEntry.objects.select_for_update()}
        for code, label, cofog, _number in entries:
            entry = existing.get(code)
            if entry is None:
                parent_code = ClassifierEntry.parent_code(code)
                entry = ClassifierEntry.objects.create(
                    code=code,
                    name=label,
                    cofog=cofog,
                    kind=ClassifierEntry.kind_of(code),
                    level=ClassifierEntry.level_of(code),
                    parent=existing.get(parent_code) if parent_code else None,
                )
                existing[code] = entry
                created += 1
            elif (entry.name, entry.cofog, entry.is_active) != (label, cofog, True):
                entry.name, entry.cofog, entry.is_active = label, cofog, True
                entry.save(update_fields=["name", "cofog", "is_active"])
                updated += 1
        if deactivate_missing:
            listed = {e[0] for e in entries}
            deactivated = (
                ClassifierEntry.objects.filter(is_active=True)
                .exclude(code__in=listed)
                .update(is_active=False)
            )
        summary = {"created": created, "updated": updated, "deactivated": deactivated}
        audit.record("classifier.loaded", actor=by, after=summary)
    return summary


def export_csv(entries, dialect=None):
    """The classifier as CSV text (``workflows.csvfiles``; standard by default), in the
    columns the loader reads back."""
    from workflows import csvfiles

    rows = ((entry.code, entry.name, entry.cofog) for entry in entries)
    return csvfiles.text(["code", "name", "cofog"], rows, dialect or csvfiles.STANDARD)
