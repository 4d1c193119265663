"""Demo finance data: two years of budgets and quarters published through the flow.

Files are generated per municipality from its population, uploaded and walked
through the same services a person uses, so that the delivery board, the
indicators, the profiles and the comparison have something real to show. The
current quarter is left in every state: waiting, returned, in review, missing.
"""

import csv
import datetime
import hashlib
import io
from decimal import Decimal

from django.utils import timezone

from agreements.models import Municipality
from workflows import services as tasks
from workflows.models import Process

from . import services
from .models import ClassifierEntry, FiscalPeriod, Submission

REVENUE_SHARES = {
    "3.01.02.05.00": Decimal("0.10"),  # Inmuebles urbanos
    "3.01.02.07.00": Decimal("0.16"),  # Patente de industria y comercio
    "3.01.02.08.00": Decimal("0.03"),  # Patente de vehículo
    "3.01.02.09.00": Decimal("0.02"),  # Propaganda comercial
    "3.01.03.54.00": Decimal("0.02"),  # Aseo domiciliario
    "3.01.03.48.00": Decimal("0.02"),  # Permisos municipales
    "3.05.03.01.00": Decimal("0.50"),  # Situado Constitucional
    "3.05.08.00.00": Decimal("0.15"),  # Fondo de Compensación Interterritorial
}
EXPENDITURE_SHARES = {
    "4.01.01.01.00": Decimal("0.30"),  # Sueldos básicos personal fijo
    "4.01.05.01.00": Decimal("0.05"),  # Aguinaldos
    "4.01.06.01.00": Decimal("0.03"),  # Aporte patronal al IVSS
    "4.02.01.01.00": Decimal("0.04"),  # Alimentos y bebidas para personas
    "4.02.10.00.00": Decimal("0.03"),  # Productos varios y útiles diversos
    "4.03.04.01.00": Decimal("0.04"),  # Electricidad
    "4.03.04.06.00": Decimal("0.04"),  # Servicio de aseo urbano y domiciliario
    "4.04.16.01.00": Decimal("0.22"),  # Construcción de vialidad
    "4.04.09.00.00": Decimal("0.03"),  # Máquinas, muebles y equipos de oficina
    "4.07.01.01.00": Decimal("0.13"),  # Transferencias corrientes al sector privado
    "4.10.02.02.11": Decimal("0.05"),  # Intereses de la deuda
    "4.10.02.02.01": Decimal("0.04"),  # Amortización de la deuda
}
PER_INHABITANT = {2025: Decimal("450"), 2026: Decimal("900")}
HEADER = ["Código", "Presupuesto inicial", "Presupuesto modificado", "Comprometido", "Causado"]
HEADER += ["Pagado", "Estimado", "Liquidado", "Recaudado"]
STAGES = ["initial", "modified", "committed", "caused", "paid", "estimated", "liquidated"]
STAGES += ["collected"]
CENT = Decimal("0.01")


def _factor(municipality, salt, low, high):
    """A stable number between ``low`` and ``high`` for a municipality."""
    digest = hashlib.sha256(f"{municipality.code}:{salt}".encode()).digest()
    return low + (high - low) * Decimal(digest[0]) / 255


def leaves(municipality, year, quarter, personnel=Decimal(1)):
    budget = (Decimal(municipality.population or 50_000) * PER_INHABITANT[year]).quantize(CENT)
    execution = _factor(municipality, year, Decimal("0.80"), Decimal("0.98"))
    own_effort = _factor(municipality, "own", Decimal("0.6"), Decimal("1.4"))
    share = Decimal(quarter) / 4 * execution
    revenue = dict(REVENUE_SHARES)
    for code in revenue:
        if code.startswith("3.01"):
            revenue[code] *= own_effort
    scale = sum(revenue.values())
    rows = {}
    for code, weight in revenue.items():
        estimated = (budget * weight / scale).quantize(CENT)
        liquidated = (estimated * share).quantize(CENT)
        rows[code] = {"estimated": estimated}
        if quarter:
            rows[code]["liquidated"] = liquidated
            rows[code]["collected"] = (liquidated * Decimal("0.92")).quantize(CENT)
    revenue_total = sum(values["estimated"] for values in rows.values())
    spent = Decimal(0)
    items = list(EXPENDITURE_SHARES.items())
    for index, (code, weight) in enumerate(items):
        initial = (
            revenue_total - spent
            if index == len(items) - 1
            else (revenue_total * weight).quantize(CENT)
        )
        spent += initial
        rows[code] = {"initial": initial}
        if quarter:
            modified = (initial * Decimal("1.08")).quantize(CENT)
            caused = (modified * share).quantize(CENT)
            if code.startswith("4.01"):
                caused = (caused * personnel).quantize(CENT)
            rows[code].update(
                modified=modified,
                committed=min(modified, (caused * Decimal("1.1")).quantize(CENT)),
                caused=caused,
                paid=(caused * Decimal("0.88")).quantize(CENT),
            )
    return rows


def with_parents(rows):
    result = {code: dict(values) for code, values in rows.items()}
    for code, values in rows.items():
        parent = ClassifierEntry.parent_code(code)
        while parent:
            target = result.setdefault(parent, {})
            for stage, value in values.items():
                target[stage] = target.get(stage, Decimal(0)) + value
            parent = ClassifierEntry.parent_code(parent)
    return result


def spanish(value):
    text = f"{value:,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def file_for(municipality, year, quarter, personnel=Decimal(1)):
    rows = with_parents(leaves(municipality, year, quarter, personnel))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    stages = STAGES if quarter else ["initial", "estimated"]
    header = ["Código"] + [HEADER[STAGES.index(s) + 1] for s in stages]
    writer.writerow(header)
    for code in sorted(rows):
        writer.writerow(
            [code] + [spanish(rows[code][s]) if s in rows[code] else "" for s in stages]
        )
    return buffer.getvalue().encode("cp1252")


def _open_task(submission):
    return tasks.open_human_tasks(Process.for_subject(submission))[0]


def walk(submission, submitter, facilitator, specialist, until="published"):
    """Upload the municipality's file and take it as far as ``until``."""
    period = submission.period
    data = file_for(submission.municipality, period.year, period.quarter)
    services.receive_upload(submission, submitter, "ejecucion.csv", data, background=False)
    if until == "validated":
        return
    justification = "Variación explicada por la inflación del período."
    tasks.take_and_complete(
        _open_task(submission), submitter, {"justification": justification, "comment": ""}
    )
    if until == "in_review":
        return
    if until == "resubmitted":
        # Returned by the facilitator and sent again with the personnel spending corrected:
        # the facilitator's second round shows what the new file changed.
        tasks.take_and_complete(
            _open_task(submission),
            facilitator,
            {
                "decision": "return",
                "comment": "El gasto de personal causado no cuadra con la nómina.",
            },
        )
        corrected = file_for(submission.municipality, period.year, period.quarter, Decimal("0.96"))
        services.receive_upload(
            submission, submitter, "ejecucion-corregida.csv", corrected, background=False
        )
        tasks.take_and_complete(
            _open_task(submission),
            submitter,
            {"justification": justification + " Personal ajustado a la nómina.", "comment": ""},
        )
        return
    tasks.take_and_complete(
        _open_task(submission), facilitator, {"decision": "approve", "comment": ""}
    )
    if until == "returned":
        tasks.take_and_complete(
            _open_task(submission),
            specialist,
            {
                "decision": "return",
                "comment": "Revise el gasto de personal del trimestre.",
                "line_comments": [("4.01.01.01.00", "No coincide con la nómina informada.")],
            },
        )
        return
    tasks.take_and_complete(
        _open_task(submission), specialist, {"decision": "approve", "comment": "Conforme."}
    )


def seed(users):
    if FiscalPeriod.objects.exists():
        return
    coordinator, specialist = users["coordinador"], users["especialista"]
    officer = users["funcionario"]
    facilitators = [users["facilitador.capital"], users["facilitador.zulia"]]
    members = list(Municipality.objects.filter(is_member=True).order_by("code"))

    def facilitator_of(municipality):
        return next(f for f in facilitators if services.can_submit(f, municipality))

    for year, quarter in [(2025, 0), (2025, 1), (2025, 2), (2025, 3), (2025, 4)]:
        period = services.open_period(year, quarter, by=coordinator)
        for submission in Submission.objects.filter(period=period).select_related("municipality"):
            facilitator = facilitator_of(submission.municipality)
            walk(submission, facilitator, facilitator, specialist)
    for quarter in (0, 1, 2):
        period = services.open_period(2026, quarter, by=coordinator)
        for submission in Submission.objects.filter(period=period).select_related("municipality"):
            facilitator = facilitator_of(submission.municipality)
            walk(submission, facilitator, facilitator, specialist)
    # The current quarter: its deadline is near, and every state shows on the board.
    current = services.open_period(
        2026, 3, by=coordinator, deadline=timezone.localdate() + datetime.timedelta(days=5)
    )
    states = ["returned", "resubmitted", "validated"]
    for submission in Submission.objects.filter(period=current).select_related("municipality"):
        municipality = submission.municipality
        if services.can_submit(officer, municipality):
            continue  # the officer's own task waits in their inbox
        if states:
            facilitator = facilitator_of(municipality)
            walk(submission, facilitator, facilitator, specialist, until=states.pop(0))
    return members
