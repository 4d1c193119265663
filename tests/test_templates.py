"""Promises every template keeps, read from the templates themselves."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in path.parts and "tests" not in path.parts
)
TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)


def test_templates_are_found():
    assert len(TEMPLATES) > 50


def test_every_table_has_headers():
    """A table says what its columns (or its rows) are: screen readers read them out."""
    headless = [
        f"{path.relative_to(ROOT)}: {table[:80]!r}"
        for path in TEMPLATES
        for table in TABLE.findall(path.read_text(encoding="utf-8"))
        if "<th" not in table
    ]
    assert headless == []
