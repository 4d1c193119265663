"""Fiscal indicators of a published submission, with the formulas the methodology page shows.

Aggregates are sums over classifier prefixes ("3.05" is every line under
3.05.00.00.00). A line counts once: when a file reports a parent and its
children, the parent is taken (the checks made sure they agree). Execution
periods use revenue collected and expenditure caused (cumulative to the
quarter's end); the budget period uses estimated revenue and the initial budget.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .models import STAGES, ClassifierEntry, IndicatorValue, Line

TOTAL_REVENUE = ("+3", "-3.02.01", "-3.07", "-3.08", "-3.09", "-3.10", "-3.11", "-3.12")
OWN_REVENUE = ("+3.01", "+3.03", "+3.06")
TRANSFERS = ("+3.05",)
CURRENT_REVENUE = ("+3.01", "+3.03", "+3.04", "+3.05.01", "+3.05.03")
TOTAL_EXPENDITURE = ("+4", "-4.05", "-4.11")
CURRENT_EXPENDITURE = ("+4.01", "+4.02", "+4.03", "+4.07.01", "+4.08")
PERSONNEL = ("+4.01",)
INVESTMENT = ("+4.04",)
DEBT_SERVICE = ("+4.10",)

AGGREGATES = {
    "total_revenue": (_("Total revenue"), TOTAL_REVENUE),
    "own_revenue": (_("Own revenue"), OWN_REVENUE),
    "transfers": (_("Transfers received"), TRANSFERS),
    "current_revenue": (_("Current revenue"), CURRENT_REVENUE),
    "total_expenditure": (_("Total expenditure"), TOTAL_EXPENDITURE),
    "current_expenditure": (_("Current expenditure"), CURRENT_EXPENDITURE),
    "personnel": (_("Personnel spending"), PERSONNEL),
    "investment": (_("Investment (real assets)"), INVESTMENT),
    "debt_service": (_("Debt service"), DEBT_SERVICE),
}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: object
    formula: object
    unit: str  # "ratio", "money" or "per_capita"
    higher_is: str = ""  # "better", "worse" or "" where it depends


INDICATORS = [
    Indicator(
        "execution_rate",
        _("Budget execution rate"),
        _("Total expenditure caused ÷ total expenditure, modified budget"),
        "ratio",
    ),
    Indicator(
        "fiscal_autonomy",
        _("Fiscal autonomy"),
        _("Own revenue ÷ total revenue"),
        "ratio",
        "better",
    ),
    Indicator(
        "transfer_dependence",
        _("Transfer dependence"),
        _("Transfers received ÷ total revenue"),
        "ratio",
        "worse",
    ),
    Indicator(
        "personnel_share",
        _("Personnel spending share"),
        _("Personnel spending ÷ total expenditure"),
        "ratio",
        "worse",
    ),
    Indicator(
        "investment_share",
        _("Investment share"),
        _("Investment (real assets) ÷ total expenditure"),
        "ratio",
        "better",
    ),
    Indicator(
        "spending_per_inhabitant",
        _("Spending per inhabitant"),
        _("Total expenditure ÷ population"),
        "per_capita",
    ),
    Indicator(
        "own_revenue_per_inhabitant",
        _("Own revenue per inhabitant"),
        _("Own revenue ÷ population"),
        "per_capita",
        "better",
    ),
    Indicator(
        "current_savings",
        _("Current savings"),
        _("Current revenue − current expenditure"),
        "money",
        "better",
    ),
    Indicator(
        "debt_service_ratio",
        _("Debt service ratio"),
        _("Debt service ÷ current revenue"),
        "ratio",
        "worse",
    ),
    Indicator(
        "fiscal_balance",
        _("Fiscal balance"),
        _("Total revenue − total expenditure"),
        "money",
        "better",
    ),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}


def _matches(code, prefix):
    return code == prefix or code.startswith(prefix + ".")


def rollup(lines, parent_of, stage, terms):
    """Sum of ``stage`` over the terms (``+prefix`` adds, ``-prefix`` subtracts).

    ``lines`` are (program, code, amounts) tuples; ``parent_of`` maps a code to its
    parent's code. A line counts under a prefix only if no ancestor present in the
    same programme also falls under it.
    """
    present = {(program, code) for program, code, _amounts in lines}
    nearest = {}
    for program, code, _amounts in lines:
        parent = parent_of.get(code)
        while parent and (program, parent) not in present:
            parent = parent_of.get(parent)
        nearest[(program, code)] = parent
    total = Decimal(0)
    for term in terms:
        sign, prefix = (1 if term[0] == "+" else -1), term[1:]
        for program, code, amounts in lines:
            if not _matches(code, prefix):
                continue
            ancestor = nearest[(program, code)]
            if ancestor and _matches(ancestor, prefix):
                continue
            total += sign * (amounts.get(stage) or 0)
    return total


def _ratio(numerator, denominator):
    if denominator in (None, 0) or numerator is None:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.000001"))


def aggregates(lines, parent_of, is_budget):
    revenue_stage, spending_stage = (
        ("estimated", "initial") if is_budget else ("collected", "caused")
    )
    result = {}
    for key, (_label, terms) in AGGREGATES.items():
        stage = revenue_stage if terms[0].startswith("+3") else spending_stage
        result[key] = rollup(lines, parent_of, stage, terms)
    result["modified_expenditure"] = (
        None if is_budget else rollup(lines, parent_of, "modified", TOTAL_EXPENDITURE)
    )
    return result


def from_aggregates(totals, population):
    per_capita = population or None
    return {
        "execution_rate": _ratio(totals["total_expenditure"], totals["modified_expenditure"]),
        "fiscal_autonomy": _ratio(totals["own_revenue"], totals["total_revenue"]),
        "transfer_dependence": _ratio(totals["transfers"], totals["total_revenue"]),
        "personnel_share": _ratio(totals["personnel"], totals["total_expenditure"]),
        "investment_share": _ratio(totals["investment"], totals["total_expenditure"]),
        "spending_per_inhabitant": _ratio(totals["total_expenditure"], per_capita),
        "own_revenue_per_inhabitant": _ratio(totals["own_revenue"], per_capita),
        "current_savings": totals["current_revenue"] - totals["current_expenditure"],
        "debt_service_ratio": _ratio(totals["debt_service"], totals["current_revenue"]),
        "fiscal_balance": totals["total_revenue"] - totals["total_expenditure"],
    }


def parent_map():
    return {
        code: ClassifierEntry.parent_code(code)
        for code in ClassifierEntry.objects.values_list("code", flat=True)
    }


def lines_of(submission):
    rows = Line.objects.filter(submission=submission).values_list("program", "code", *STAGES)
    return [(row[0], row[1], dict(zip(STAGES, row[2:], strict=True))) for row in rows]


def compute(submission):
    totals = aggregates(lines_of(submission), parent_map(), submission.period.is_budget)
    values = from_aggregates(totals, submission.municipality.population)
    values.update({f"total:{key}": value for key, value in totals.items()})
    return values


def store(submission, values):
    IndicatorValue.objects.filter(submission=submission).delete()
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(
                submission=submission,
                municipality_id=submission.municipality_id,
                period_id=submission.period_id,
                indicator=key,
                value=value,
            )
            for key, value in values.items()
        ]
    )
