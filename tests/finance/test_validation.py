"""Each automatic check, passing and failing, with the row, column and values it names."""

from decimal import Decimal

import pytest

from finance import parsing, services, validation
from finance.models import Currency, FiscalPeriod

from .conftest import HEADER, csv_bytes, es, quarter_amounts, with_parents

pytestmark = pytest.mark.django_db


def period(quarter=2):
    return FiscalPeriod(
        year=2026,
        quarter=quarter,
        currency=Currency.current(),
        opens_on="2026-07-01",
        deadline="2026-07-31",
    )


def check(data, quarter=2, previous=None, last_year=None, factor=1):
    parsed = parsing.parse("datos.csv", data)
    return validation.check(
        parsed, period(quarter), services.classifier_map(), previous, last_year, factor
    )


def rules(parsed):
    return [f.rule for f in parsed.findings]


def only(parsed, rule):
    found = [f for f in parsed.findings if f.rule == rule]
    assert found, rules(parsed)
    return found


def rows():
    return with_parents(quarter_amounts())


def row_of(data, code):
    """The file row where ``code`` ends up (header is row 1, codes sorted)."""
    return sorted(data).index(code) + 2


def test_a_consistent_file_passes_every_check():
    parsed = check(csv_bytes(rows()))
    assert parsed.findings == []
    assert parsed.checks_run > 100


def test_fin001_required_columns_of_the_period():
    header = [h for h in HEADER if h != "Pagado"]
    data = rows()
    for values in data.values():
        values.pop("paid", None)
    buffer = "\n".join([";".join(header)] + [f"{code};;" for code in data])
    parsed = check(buffer.encode())
    finding = only(parsed, "FIN-001")[0]
    assert finding.severity == "error" and "Pagado" in finding.message
    # The budget period asks only for the two budget columns.
    budget = "Código;Presupuesto inicial;Estimado\n4.01.01.01.00;10;\n3.01.02.05.00;;10\n"
    assert "FIN-001" not in rules(check(budget.encode(), quarter=0))


def test_fin002_unknown_columns_are_a_warning_naming_the_column():
    data = csv_bytes(rows()).decode("cp1252").splitlines()
    data[0] += ";Observaciones"
    parsed = check("\n".join(data).encode("cp1252"))
    finding = only(parsed, "FIN-002")[0]
    assert finding.severity == "warning"
    assert "columna K" in finding.message and "Observaciones" in finding.message
    assert not parsed.has_errors


def test_fin003_code_not_in_the_classifier():
    data = rows()
    data["4.01.01.99.00"] = {"initial": Decimal(0)}
    parsed = check(csv_bytes(data))
    finding = only(parsed, "FIN-003")[0]
    assert finding.row == row_of(data, "4.01.01.99.00") and finding.column == "A"
    assert "4.01.01.99.00" in finding.message and f"Fila {finding.row}" in finding.message


def test_fin004_text_that_is_not_a_code():
    text = "Código;Causado\npartida cuatro;10\n"
    finding = only(check(text.encode()), "FIN-004")[0]
    assert (finding.row, finding.column) == (2, "A")
    assert "«partida cuatro»" in finding.message


def test_fin005_repeated_code_names_the_first_row():
    text = "Código;Causado\n4.01.01.01.00;10\n4.01.01.01.00;12\n"
    finding = only(check(text.encode()), "FIN-005")[0]
    assert finding.row == 3 and "fila 2" in finding.message
    # The same code in two programmes is not a repetition.
    text = "Programa;Código;Causado\n01;4.01.01.01.00;10\n02;4.01.01.01.00;12\n"
    assert "FIN-005" not in rules(check(text.encode()))


def test_fin006_amount_that_is_not_a_number():
    text = "Código;Causado\n4.01.01.01.00;1.2O0,00\n"
    finding = only(check(text.encode()), "FIN-006")[0]
    assert (finding.row, finding.column) == (2, "B")
    assert "«1.2O0,00»" in finding.message and "Causado" in finding.message


def test_fin007_negative_amounts():
    data = rows()
    code = "4.02.01.01.00"
    data[code]["paid"] = Decimal("-5")
    parsed = check(csv_bytes(data))
    finding = only(parsed, "FIN-007")[0]
    assert finding.row == row_of(data, code) and finding.column == "G"
    assert "-5,00" in finding.message


def test_fin008_revenue_code_with_an_expenditure_stage():
    data = rows()
    data["3.01.02.05.00"]["caused"] = Decimal("10")
    finding = only(check(csv_bytes(data)), "FIN-008")[0]
    assert finding.column == "F" and "ingreso" in finding.message and "10,00" in finding.message
    # An explicit zero in a column that does not apply is not a problem.
    data["3.01.02.05.00"]["caused"] = Decimal("0")
    assert "FIN-008" not in rules(check(csv_bytes(data)))


def test_fin010_children_must_sum_to_their_parent():
    data = rows()
    data["4.01.01.00.00"]["caused"] += Decimal("1000")
    data["4.01.00.00.00"]["caused"] += Decimal("1000")
    data["4.00.00.00.00"]["caused"] += Decimal("1000")
    parsed = check(csv_bytes(data))
    findings = only(parsed, "FIN-010")
    assert [f.code for f in findings] == ["4.01.01.00.00"]
    message = findings[0].message
    assert es(data["4.01.01.00.00"]["caused"]) in message
    assert es(data["4.01.01.01.00"]["caused"]) in message  # what the child adds up to
    assert findings[0].column == "F"


def test_fin010_tolerates_a_cent_of_rounding_per_child():
    data = rows()
    data["4.03.04.01.00"]["caused"] += Decimal("0.01")
    assert "FIN-010" not in rules(check(csv_bytes(data)))


def test_fin011_budget_must_balance():
    data = rows()
    for code in ("4.04.16.01.00", "4.04.16.00.00", "4.04.00.00.00", "4.00.00.00.00"):
        data[code]["initial"] += Decimal("250")
    finding = only(check(csv_bytes(data)), "FIN-011")[0]
    assert "columna H" in finding.message and "columna C" in finding.message
    assert "-250,00" in finding.message


def test_fin012_execution_order():
    leaves = quarter_amounts()
    leaves["4.02.01.01.00"]["paid"] = leaves["4.02.01.01.00"]["caused"] + Decimal("1")
    parsed = check(csv_bytes(with_parents(leaves)))
    finding = by_code(only(parsed, "FIN-012"), "4.02.01.01.00")
    assert finding.column == "G"
    assert "pagado" in finding.message and "causado" in finding.message


def test_fin012_committed_above_modified_budget():
    leaves = quarter_amounts()
    leaves["4.03.04.01.00"]["committed"] = leaves["4.03.04.01.00"]["modified"] + Decimal("5")
    finding = by_code(only(check(csv_bytes(with_parents(leaves))), "FIN-012"), "4.03.04.01.00")
    assert finding.column == "E"


def test_fin013_collected_above_liquidated():
    leaves = quarter_amounts()
    leaves["3.01.02.07.00"]["collected"] = leaves["3.01.02.07.00"]["liquidated"] + Decimal("1")
    finding = by_code(only(check(csv_bytes(with_parents(leaves))), "FIN-013"), "3.01.02.07.00")
    assert finding.column == "J"


def test_fin014_cumulative_amounts_never_decrease():
    now = with_parents(quarter_amounts(Decimal("0.5")))
    before = with_parents(quarter_amounts(Decimal("0.25")))
    previous = {("", code): values for code, values in before.items()}
    assert "FIN-014" not in rules(check(csv_bytes(now), previous=previous))
    before["4.01.01.01.00"]["caused"] = now["4.01.01.01.00"]["caused"] + Decimal("1")
    previous = {("", code): values for code, values in before.items()}
    finding = by_code(only(check(csv_bytes(now), previous=previous), "FIN-014"), "4.01.01.01.00")
    assert finding.column == "F"
    assert es(before["4.01.01.01.00"]["caused"]) in finding.message


def test_fin015_large_change_from_last_year_is_a_warning_in_a_stated_unit():
    now = rows()
    last = {("", code): dict(values) for code, values in now.items()}
    assert "FIN-015" not in rules(check(csv_bytes(now), last_year=last))
    last[("", "4.01.00.00.00")]["caused"] = now["4.01.00.00.00"]["caused"] / 3
    finding = only(check(csv_bytes(now), last_year=last), "FIN-015")[0]
    assert finding.severity == "warning" and finding.code == "4.01.00.00.00"
    assert "200" in finding.message  # +200 %
    # Last year's amounts in an older currency are restated before comparing.
    old = {key: {s: v * 1000 for s, v in values.items()} for key, values in last.items()}
    old[("", "4.01.00.00.00")]["caused"] = now["4.01.00.00.00"]["caused"] * 1000
    assert "FIN-015" not in rules(check(csv_bytes(now), last_year=old, factor=Decimal("0.001")))


def test_fin016_a_file_with_only_a_header():
    parsed = check(";".join(HEADER).encode())
    assert rules(parsed) == ["FIN-016"]


def test_quality_is_the_share_of_checks_passed():
    data = csv_bytes(rows()).decode("cp1252").splitlines()
    data[0] += ";Observaciones"
    parsed = check("\n".join(data).encode("cp1252"))
    assert len(parsed.findings) == 1 and not parsed.has_errors
    assert parsed.checks_run > 1


def by_code(findings, code):
    """The finding on ``code`` (its parents, which add it up, are flagged as well)."""
    return next(f for f in findings if f.code == code)
