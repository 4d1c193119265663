"""Finance fixtures: a member municipality, its officer, a specialist and files built from leaves.

Files are generated from leaf amounts with every parent summed up to the roots, so
that a test changes exactly the cell it wants to break.
"""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from agreements import scope
from finance import services
from finance.models import ClassifierEntry
from tests.conftest import make_user
from workflows.roles import Role

# Leaves of a small municipal budget (initial = estimated, so that it balances).
REVENUE = {
    "3.01.02.05.00": Decimal("300000.00"),  # Inmuebles urbanos
    "3.01.02.07.00": Decimal("500000.00"),  # Patente de industria y comercio
    "3.01.03.54.00": Decimal("50000.00"),  # Aseo domiciliario
    "3.05.03.01.00": Decimal("1150000.00"),  # Situado Constitucional
}
EXPENDITURE = {
    "4.01.01.01.00": Decimal("900000.00"),  # Sueldos básicos personal fijo
    "4.02.01.01.00": Decimal("100000.00"),  # Alimentos y bebidas
    "4.03.04.01.00": Decimal("200000.00"),  # Electricidad
    "4.04.16.01.00": Decimal("700000.00"),  # Construcción de vialidad
    "4.10.02.02.11": Decimal("100000.00"),  # Intereses de la deuda
}
HEADER = [
    "Código",
    "Denominación",
    "Presupuesto inicial",
    "Presupuesto modificado",
    "Comprometido",
    "Causado",
    "Pagado",
    "Estimado",
    "Liquidado",
    "Recaudado",
]


def es(value):
    """A Decimal as a Spanish-locale spreadsheet writes it: 1.234.567,89."""
    text = f"{value:,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def quarter_amounts(share=Decimal("0.25")):
    """Leaf -> stage amounts for a quarter: ``share`` of the year executed."""
    rows = {}
    for code, amount in REVENUE.items():
        liquidated = (amount * share).quantize(Decimal("0.01"))
        rows[code] = {
            "estimated": amount,
            "liquidated": liquidated,
            "collected": (liquidated * Decimal("0.9")).quantize(Decimal("0.01")),
        }
    for code, amount in EXPENDITURE.items():
        committed = (amount * share * Decimal("1.2")).quantize(Decimal("0.01"))
        caused = (amount * share).quantize(Decimal("0.01"))
        rows[code] = {
            "initial": amount,
            "modified": amount,
            "committed": committed,
            "caused": caused,
            "paid": (caused * Decimal("0.8")).quantize(Decimal("0.01")),
        }
    return rows


def with_parents(leaves):
    """Add every ancestor line, each the sum of its children."""
    rows = {code: dict(values) for code, values in leaves.items()}
    for code, values in leaves.items():
        parent = ClassifierEntry.parent_code(code)
        while parent:
            target = rows.setdefault(parent, {})
            for stage, value in values.items():
                target[stage] = target.get(stage, Decimal(0)) + value
            parent = ClassifierEntry.parent_code(parent)
    return rows


def csv_bytes(rows, *, spanish=True, header=HEADER, encoding="cp1252"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if spanish else ",")
    writer.writerow(header)
    stages = ["initial", "modified", "committed", "caused", "paid"]
    stages += ["estimated", "liquidated", "collected"]
    for code in sorted(rows):
        values = rows[code]
        cells = []
        for stage in stages:
            value = values.get(stage)
            cells.append("" if value is None else (es(value) if spanish else f"{value:.2f}"))
        writer.writerow([code, ""] + cells)
    return buffer.getvalue().encode(encoding)


def quarter_file(share=Decimal("0.25"), **kwargs):
    return csv_bytes(with_parents(quarter_amounts(share)), **kwargs)


@pytest.fixture
def member_a(db, municipality_a):
    municipality_a.is_member = True
    municipality_a.population = 100_000
    municipality_a.save(update_fields=["is_member", "population"])
    return municipality_a


@pytest.fixture
def member_b(db, municipality_b):
    municipality_b.is_member = True
    municipality_b.population = 400_000
    municipality_b.save(update_fields=["is_member", "population"])
    return municipality_b


@pytest.fixture
def officer_a(member_a, coordinator):
    user = make_user("off_a", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(user, member_a, by=coordinator)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def officer_b(member_b, coordinator):
    user = make_user("off_b", Role.MUNICIPAL_OFFICER)
    scope.grant_officer(user, member_b, by=coordinator)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def specialist(db):
    return make_user("esp", Role.SPECIALIST)


@pytest.fixture
def period(coordinator, member_a, member_b, facilitator_a, facilitator_b):
    return services.open_period(2026, 1, by=coordinator)


def submission_of(municipality, period):
    return services.current_submission(municipality, period)
