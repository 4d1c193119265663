"""Demo: the Municipal Finance project, launched through its flow and following the periods."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from finance.models import FiscalPeriod, Submission
from workflows import services as tasks

from . import services
from .flows import process_of
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

    (draft,) = tasks.open_human_tasks(process_of(project))
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
            "risks": "Conectividad de las alcaldías; rotación del personal de hacienda.",
        },
    )
    (team,) = tasks.open_human_tasks(process_of(project))
    tasks.take_and_complete(
        team, coordinator, {"members": [(facilitator, "facilitator", "Acompañar la carga")]}
    )
    (confirmation,) = tasks.open_human_tasks(process_of(project))
    tasks.take_and_complete(confirmation, facilitator, {"accept": "yes"})
    (approval,) = tasks.open_human_tasks(process_of(project))
    tasks.take_and_complete(
        approval, coordinator, {"decision": "approve", "comment": "Primer proyecto especial."}
    )
    published = Submission.objects.filter(state=Submission.State.PUBLISHED)
    for task in tasks.open_human_tasks(process_of(project)):
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
