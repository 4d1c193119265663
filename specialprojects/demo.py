"""Demo projects, made through their flow.

The Municipal Finance project is launched and follows the 2026 periods; a land
registry project was returned and waits for its lead's corrections; an open
procurement project was returned, corrected and waits for its second approval.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from finance.models import FiscalPeriod, Submission
from workflows import services as tasks
from workflows.models import Process

from . import services
from .models import Project, ProjectLine


def seed(users):
    if Project.objects.exists():
        return
    from agreements.demo import minimal_pdf
    from agreements.models import Municipality

    coordinator, specialist = users["coordinador"], users["especialista"]
    facilitator = users["facilitador.capital"]
    line, _created = ProjectLine.objects.get_or_create(
        name="Finanzas municipales",
        defaults={"description": "Información financiera pública local para decidir mejor."},
    )
    project = services.define_project(coordinator, line, "Finanzas municipales", specialist)
    periods = list(FiscalPeriod.objects.filter(year=2026).order_by("quarter"))
    project.fiscal_periods.set(periods)
    members = list(Municipality.objects.filter(is_member=True))
    start = datetime.date(2026, 1, 1)
    milestones = [
        (start, p.deadline, f"Datos del período {p} publicados", "Tablero de entregas completo")
        for p in periods
    ]
    from decimal import Decimal

    from finance.models import Currency

    (draft,) = tasks.open_human_tasks(Process.for_subject(project))
    tasks.take_and_complete(
        draft,
        specialist,
        {
            "objectives": "Registrar, sistematizar y poner a disposición de los municipios la "
            "información financiera pública local.",
            "expected_results": "Todos los municipios miembros publican su presupuesto y su "
            "ejecución trimestral con datos de calidad.",
            "indicators": [
                (
                    "Municipios con datos publicados",
                    "municipios",
                    Decimal(0),
                    Decimal(len(members)),
                ),
                ("Calidad media de los datos", "%", Decimal(80), Decimal(98)),
            ],
            "milestones": milestones,
            "municipalities": members,
            "budget": Decimal("250000.00"),
            "currency": Currency.current(),
            "risks": "Conectividad de las alcaldías; rotación del personal de hacienda.",
        },
    )
    (team,) = tasks.open_human_tasks(Process.for_subject(project))
    tasks.take_and_complete(
        team, coordinator, {"members": [(facilitator, "facilitator", "Acompañar la carga")]}
    )
    (confirmation,) = tasks.open_human_tasks(Process.for_subject(project))
    tasks.take_and_complete(confirmation, facilitator, {"accept": "yes"})
    (approval,) = tasks.open_human_tasks(Process.for_subject(project))
    tasks.take_and_complete(
        approval, coordinator, {"decision": "approve", "comment": "Primer proyecto especial."}
    )
    published = Submission.objects.filter(state=Submission.State.PUBLISHED)
    for task in tasks.open_human_tasks(Process.for_subject(project)):
        milestone = project.milestones.get(pk=task.data["milestone"])
        period = next(p for p in periods if p.deadline == milestone.due_on)
        if not published.filter(period=period).exists():
            continue  # still open: the current quarter's milestone waits for its data
        indicator = project.indicators.get(name="Municipios con datos publicados")
        tasks.take_and_complete(
            task,
            specialist,
            {
                "deliverable_file": SimpleUploadedFile(
                    f"tablero-{period.year}-{period.quarter}.pdf",
                    minimal_pdf(f"Tablero de entregas {period}"),
                ),
                "report": f"{published.filter(period=period).count()} municipios publicaron.",
                f"indicator_{indicator.pk}": Decimal(published.filter(period=period).count()),
            },
        )

    _returned_projects(users, line, members)


def _proposal(members, **overrides):
    """A proposal as the lead writes it on the task page's form."""
    from decimal import Decimal

    from finance.models import Currency

    data = {
        "objectives": "Actualizar el catastro urbano de los municipios participantes y usarlo "
        "para la recaudación del impuesto inmobiliario.",
        "expected_results": "Catastro urbano actualizado y en uso para la facturación del "
        "impuesto sobre inmuebles urbanos.",
        "indicators": [
            ("Inmuebles registrados en el catastro", "inmuebles", Decimal(1200), Decimal(5000)),
            ("Recaudación del impuesto inmobiliario", "%", Decimal("12.5"), Decimal(40)),
        ],
        "milestones": [
            (
                datetime.date(2026, 9, 1),
                datetime.date(2026, 10, 31),
                "Levantamiento catastral",
                "Base de datos de inmuebles",
            ),
            (
                datetime.date(2026, 11, 1),
                datetime.date(2027, 1, 31),
                "Valoración de inmuebles",
                "Tabla de valores aprobada",
            ),
        ],
        "municipalities": members[:2],
        "budget": Decimal("180000.00"),
        "currency": Currency.current(),
        "risks": "Resistencia de los contribuyentes; equipos de medición insuficientes.",
    }
    data.update(overrides)
    return data


def _returned_projects(users, line, members):
    coordinator, specialist = users["coordinador"], users["especialista"]
    capital = users["facilitador.capital"]

    def step(project, user, data):
        (task,) = tasks.open_human_tasks(Process.for_subject(project))
        tasks.take_and_complete(task, user, data)

    def to_approval(project, proposal, team):
        step(project, specialist, proposal)
        step(project, coordinator, {"members": team})
        for task in tasks.open_human_tasks(Process.for_subject(project)):
            if task.flow_task.name == "confirm_participation":
                tasks.take_and_complete(task, task.owner, {"accept": "yes"})

    registry, _created = ProjectLine.objects.get_or_create(
        name="Gestión territorial",
        defaults={"description": "Catastro y ordenamiento del territorio municipal."},
    )
    cadastre = services.define_project(
        coordinator, registry, "Catastro urbano multifinalitario", specialist
    )
    to_approval(cadastre, _proposal(members), [(capital, "facilitator", "")])
    step(
        cadastre,
        coordinator,
        {
            "decision": "return",
            "comment": "Sumar un hito de capacitación del personal de catastro y precisar "
            "la meta de recaudación.",
        },
    )

    procurement = services.define_project(
        coordinator, line, "Compras públicas abiertas", specialist
    )
    first = _proposal(
        members,
        objectives="Publicar las compras municipales en datos abiertos.",
        expected_results="Compras de los municipios participantes publicadas cada mes.",
        indicators=[("Compras publicadas en datos abiertos", "%", 0, 60)],
        milestones=[
            (
                datetime.date(2026, 9, 1),
                datetime.date(2026, 12, 15),
                "Portal de compras",
                "Portal publicado",
            )
        ],
        budget=90000,
        risks="Sistemas de compras sin exportación de datos.",
    )
    to_approval(procurement, first, [(capital, "facilitator", "")])
    step(
        procurement,
        coordinator,
        {"decision": "return", "comment": "Incluir a los municipios del Zulia y subir la meta."},
    )
    # The team stands (the facilitator confirmed): the rework goes straight to approval.
    step(
        procurement,
        specialist,
        {
            **first,
            "indicators": [("Compras publicadas en datos abiertos", "%", 0, 80)],
            "municipalities": members[:4],
            "budget": 120000,
        },
    )
