"""Every CSV and XLSX export escapes text a spreadsheet would run as a formula.

Records are made through the services with text that starts with ``=``, ``+``, ``-``
or ``@`` (and a tab), then the exported files are read back: the text comes out with
a leading ``'`` (OWASP's advice against CSV injection) and numbers stay numbers.
"""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from finance import classifier, exports
from finance.models import ClassifierEntry
from tests.conftest import draft_post, open_task
from tests.finance.conftest import quarter_amounts, with_parents
from tests.finance.test_public import json_file, publish
from tests.knowledge.helpers import publish as publish_case
from workflows import services as tasks
from workflows.exports import safe_cell, spreadsheet_value

pytestmark = pytest.mark.django_db

ATTACKS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def csv_cells(text, delimiter=","):
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))


def streamed(response):
    return b"".join(response.streaming_content).decode()


def assert_escaped(cells, attack):
    assert attack not in cells, f"{attack!r} reached the file unescaped"
    assert "'" + attack in cells, f"{attack!r} is not in the file, escaped"


def test_the_one_helper():
    for attack in ATTACKS:
        assert safe_cell(attack) == "'" + attack
    assert safe_cell("Alcaldía de Sucre") == "Alcaldía de Sucre"
    assert spreadsheet_value(Decimal("-1234.50")) == Decimal("-1234.50")  # a number, untouched
    assert spreadsheet_value(-7) == -7 and spreadsheet_value("-7") == "'-7"


def test_finance_csv_and_xlsx_escape_programmes_and_keep_amounts_numeric(
    client, period, member_a, officer_a, facilitator_a
):
    from tests.conftest import make_user
    from workflows.roles import Role

    specialist = make_user("esp", Role.SPECIALIST)
    attack = ATTACKS[0]
    data = json_file(with_parents(quarter_amounts()), program=attack)
    publish(member_a, period, officer_a, facilitator_a, specialist, data, name="f.json")
    args = {"period": period.pk}
    text = streamed(client.get(reverse("finance:download_lines", args=["csv"]), args))
    rows = csv_cells(text)[1:]  # after the "data as of" line
    program = rows[0].index("program")
    assert {row[program] for row in rows[1:]} == {"'" + attack}
    response = client.get(reverse("finance:download_lines", args=["xlsx"]), args)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    caused = values[0].index("Causado")
    assert {row[program] for row in values[1:]} == {"'" + attack}
    assert all(isinstance(row[caused], int | float | type(None)) for row in values[1:])
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), (
        "no formula cell in the workbook"
    )


def test_xlsx_keeps_negative_numbers_as_numbers_and_escapes_negative_text():
    amount = {1: exports.AMOUNT_FORMAT}
    response = exports._xlsx_response(
        ["indicator", "value", "note"],
        [
            (["fiscal_balance", Decimal("-1500.25"), "-1500,25"], amount),
            (["x", -3, "@risk"], amount),
        ],
        "x.xlsx",
        as_of=None,
        title="x",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert rows[0][1].value == -1500.25 and rows[0][1].data_type == "n"
    assert rows[1][1].value == -3 and rows[1][1].data_type == "n"
    assert rows[0][2].value == "'-1500,25" and rows[1][2].value == "'@risk"


def test_knowledge_csv_escapes_what_authors_wrote(
    client, facilitator_a, municipality_a, coordinator
):
    from networks.models import Theme
    from tests.conftest import make_user
    from workflows.roles import Role

    theme = Theme.objects.get(slug="servicios-publicos")
    specialist = make_user("esp_servicios", Role.SPECIALIST)
    theme.specialists.add(specialist)
    curator = make_user("curadora", Role.KNOWLEDGE_CURATOR)
    publish_case(
        facilitator_a,
        municipality_a,
        theme,
        specialist,
        curator,
        coordinator,
        title=ATTACKS[1],
        summary=ATTACKS[2],
        contact_name=ATTACKS[3],
        lessons=ATTACKS[4],
    )
    rows = csv_cells(streamed(client.get(reverse("knowledge:export", args=["csv"]))))
    cells = [cell for row in rows[1:] for cell in row]
    for attack in ATTACKS[1:4]:
        assert_escaped(cells, attack)
    # The JSON export is data for programs, not a spreadsheet: the text stays as written.
    cases = client.get(reverse("knowledge:export", args=["json"])).json()["cases"]
    assert cases[0]["title"] == ATTACKS[1]


def test_audit_history_csv_escapes_comments(client, onboarding_a, facilitator_a, coordinator):
    task = open_task(onboarding_a)
    tasks.complete(task, facilitator_a, draft_post(comment=ATTACKS[3]))
    client.force_login(coordinator)
    response = client.get(reverse("workflows:process_history_csv", args=[onboarding_a.pk]))
    text = response.content.decode()
    cells = [cell for row in csv_cells(text, delimiter=";") for cell in row]
    assert_escaped(cells, ATTACKS[3])


def test_classifier_export_escapes_names(db):
    entry = ClassifierEntry.objects.order_by("code").first()
    ClassifierEntry.objects.filter(pk=entry.pk).update(name=ATTACKS[5])
    rows = csv_cells(classifier.export_csv(ClassifierEntry.objects.order_by("code")))
    assert_escaped([cell for row in rows for cell in row], ATTACKS[5])
