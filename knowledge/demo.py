"""Demo cases: a small library made through the flow, and work in progress in every state."""

import datetime

from agreements.models import Municipality
from networks.models import Theme
from workflows import services as tasks
from workflows.models import Process

from . import services
from .forms import IndicatorFormSet, MilestoneFormSet
from .models import Case, Evidence

CRITERIA = {"public_sector": True, "novel": True, "implemented": True, "impact": True}

CASES = [
    {
        "municipality": "1506",
        "theme": "finanzas-municipales",
        "title": "Catastro actualizado con los consejos comunales",
        "summary": "Levantamiento del catastro urbano casa por casa con vecinos formados "
        "como censistas; la recaudación del impuesto sobre inmuebles urbanos se duplicó.",
        "situation_before": "El catastro tenía quince años sin actualizarse y la mitad de los "
        "inmuebles no estaba registrada.",
        "guiding_questions": "¿Cómo actualizar el catastro sin contratar una empresa externa?",
        "objectives": "Registrar todos los inmuebles urbanos en un año con apoyo comunitario.",
        "process": "Formación de censistas, jornadas por sector y validación en asamblea.",
        "reflection": "La confianza de los vecinos en los censistas fue decisiva.",
        "results": "Inmuebles registrados: de 8.000 a 15.500; recaudación del impuesto: +110 %.",
        "results_type": "fiscal",
        "lessons": "Publicar los avances por sector sostuvo la participación.",
        "replicability": "Municipios con consejos comunales activos y una oficina de catastro.",
        "indicator": ("Inmuebles registrados", "inmuebles", 8000, 15500),
    },
    {
        "municipality": "0101",
        "theme": "servicios-publicos",
        "title": "Rutas de aseo urbano concertadas con las comunidades",
        "summary": "Rediseño de las rutas de recolección de desechos sólidos con horarios "
        "acordados en cada parroquia.",
        "situation_before": "La recolección cubría el 55 % de las viviendas, con botes a cielo "
        "abierto en varias parroquias.",
        "guiding_questions": "¿Qué cambió para que la cobertura subiera sin más camiones?",
        "objectives": "Cubrir todas las parroquias con la flota existente.",
        "process": "Mapeo de rutas con GPS, asambleas por parroquia y horarios publicados.",
        "reflection": "Los horarios fijos cambiaron la conducta de los vecinos.",
        "results": "Cobertura del 55 % al 92 % en dieciocho meses.",
        "results_type": "coverage",
        "lessons": "Medir antes de comprar: la flota alcanzaba.",
        "replicability": "Ciudades medianas con flota propia.",
        "indicator": ("Cobertura de recolección", "%", 55, 92),
    },
    {
        "municipality": "2301",
        "theme": "gobierno-abierto",
        "title": "Presupuesto participativo en línea y en asamblea",
        "summary": "Las comunidades proponen y votan obras por parroquia, en asambleas y por "
        "una plataforma en línea.",
        "situation_before": "Las obras se decidían sin consulta y muchas quedaban inconclusas.",
        "guiding_questions": "¿Cómo lograr que la participación no dependa de la asamblea?",
        "objectives": "Decidir el 20 % de la inversión con participación ciudadana.",
        "process": "Reglamento, plataforma, asambleas y seguimiento público de las obras.",
        "reflection": "Combinar asamblea y plataforma amplió la participación juvenil.",
        "results": "Participantes: de 600 a 9.400; obras concluidas: 87 %.",
        "results_type": "participation",
        "lessons": "Rendir cuentas de cada obra sostuvo la confianza.",
        "replicability": "Requiere un reglamento aprobado por el concejo municipal.",
        "indicator": ("Participantes", "personas", 600, 9400),
    },
    {
        "municipality": "1508",
        "theme": "gestion-y-tecnologia",
        "title": "Trámites municipales en línea con una sola ventanilla",
        "summary": "Licencias de actividades económicas y solvencias tramitadas en línea.",
        "situation_before": "Una licencia tomaba cuarenta días y cinco visitas a la alcaldía.",
        "guiding_questions": "¿Qué pasos del trámite sobraban?",
        "objectives": "Reducir a cinco días hábiles la licencia de actividades económicas.",
        "process": "Rediseño del trámite, formulario en línea y pagos electrónicos.",
        "reflection": "Eliminar pasos rindió más que digitalizarlos.",
        "results": "Tiempo de la licencia: de 40 a 6 días.",
        "results_type": "efficiency",
        "lessons": "Simplificar antes de automatizar.",
        "replicability": "Municipios con conectividad y pagos electrónicos.",
        "indicator": ("Días para la licencia", "días", 40, 6),
    },
]


def _systematise(case, specialist, data):
    for step, fields in {
        1: ["situation_before"],
        2: ["guiding_questions", "objectives"],
        3: ["process"],
        4: ["reflection"],
        5: ["results", "results_type", "lessons", "replicability"],
    }.items():
        services.save_step(case, specialist, step, {name: data[name] for name in fields})
    start = case.started_on
    milestones = MilestoneFormSet(
        {
            "milestones-TOTAL_FORMS": "2",
            "milestones-INITIAL_FORMS": "0",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "1000",
            "milestones-0-date": start.isoformat(),
            "milestones-0-title": "Inicio de la experiencia",
            "milestones-1-date": (start + datetime.timedelta(days=180)).isoformat(),
            "milestones-1-title": "Primeros resultados medidos",
        },
        instance=case,
        prefix="milestones",
    )
    milestones.is_valid()
    services.record_children(case, specialist, "milestones", milestones)
    name, unit, before, after = data["indicator"]
    indicators = IndicatorFormSet(
        {
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "0",
            "indicators-MIN_NUM_FORMS": "0",
            "indicators-MAX_NUM_FORMS": "1000",
            "indicators-0-name": name,
            "indicators-0-unit": unit,
            "indicators-0-before": str(before),
            "indicators-0-after": str(after),
        },
        instance=case,
        prefix="indicators",
    )
    indicators.is_valid()
    services.record_children(case, specialist, "indicators", indicators)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agreements.demo import minimal_pdf

    services.add_evidence(
        case,
        specialist,
        Evidence(
            kind=Evidence.Kind.DOCUMENT,
            title="Informe de resultados",
            file=SimpleUploadedFile("informe-de-resultados.pdf", minimal_pdf(case.title)),
        ),
    )
    services.add_evidence(
        case,
        specialist,
        Evidence(
            kind=Evidence.Kind.LINK,
            title="Nota de prensa de la alcaldía",
            url="https://alcaldia.example/prensa",
        ),
    )


def _do(case, node, user, data):
    (task,) = tasks.open_human_tasks(Process.for_subject(case))
    assert task.flow_task.name == node, task.flow_task.name
    tasks.take_and_complete(task, user, data)


def seed(users):
    if Case.objects.exists():
        return
    specialist, curator = users["especialista"], users["curaduria"]
    coordinator, facilitator = users["coordinador"], users["facilitador.capital"]
    for theme in Theme.objects.all():
        theme.specialists.add(specialist)
    registrant = {"0101": users["funcionario"], "2301": users["facilitador.zulia"]}
    for index, data in enumerate(CASES):
        municipality = Municipality.objects.get(code=data["municipality"])
        case = services.register_case(
            registrant.get(
                municipality.code,
                facilitator if municipality.region.code in ("01", "15") else specialist,
            ),
            {
                "title": data["title"],
                "municipality": municipality,
                "theme": Theme.objects.get(slug=data["theme"]),
                "summary": data["summary"],
                "contact_name": "Dirección de Planificación",
                "contact_email": "planificacion@alcaldia.example",
                "contact_phone": "",
                "started_on": datetime.date(2023 + index % 3, 3, 1),
                "ended_on": None,
                "partners": "Consejos comunales",
            },
        )
        _systematise(case, specialist, data)
        _do(case, "systematise", specialist, {"comment": ""})
        _do(
            case,
            "curate",
            curator,
            {"decision": "approve", "comment": "", "criteria_keys": list(CRITERIA), **CRITERIA},
        )
        _do(case, "approve_publication", coordinator, {"decision": "approve", "comment": ""})
    published = list(Case.objects.filter(state=Case.State.PUBLISHED).order_by("pk"))
    # Transfer and feedback on the first cases.
    rojas = Municipality.objects.get(code="1508")
    services.record_replication(
        published[0], facilitator, rojas, "in_progress", "Censistas formados."
    )
    services.record_replication(
        published[1], users["facilitador.zulia"], Municipality.objects.get(code="2301"), "planned"
    )
    services.add_comment(published[1], users["funcionario"], "Nos sirvió para ordenar las rutas.")
    services.rate(published[1], users["funcionario"], 5)
    # Work in progress: one waiting for its specialist, one returned by curation.
    waiting = services.register_case(
        users["funcionario"],
        {
            "title": "Mercado municipal con pagos electrónicos",
            "municipality": Municipality.objects.get(code="0101"),
            "theme": Theme.objects.get(slug="desarrollo-economico-local"),
            "summary": "Los comerciantes pagan las tasas del mercado por medios electrónicos.",
            "contact_name": "Administración del mercado",
            "contact_email": "",
            "contact_phone": "",
            "started_on": datetime.date(2025, 6, 1),
            "ended_on": None,
            "partners": "",
        },
    )
    del waiting
    returned = services.register_case(
        facilitator,
        {
            "title": "Alumbrado público con energía solar",
            "municipality": Municipality.objects.get(code="1506"),
            "theme": Theme.objects.get(slug="ambiente-y-riesgos"),
            "summary": "Luminarias solares en plazas y avenidas.",
            "contact_name": "Dirección de Servicios",
            "contact_email": "",
            "contact_phone": "",
            "started_on": datetime.date(2024, 9, 1),
            "ended_on": None,
            "partners": "",
        },
    )
    _systematise(returned, specialist, {**CASES[1], "results": "Consumo eléctrico: −40 %."})
    _do(returned, "systematise", specialist, {"comment": ""})
    _do(
        returned,
        "curate",
        curator,
        {
            "decision": "return",
            "comment": "Agregue la medición del consumo antes del proyecto.",
            "criteria_keys": list(CRITERIA),
            **{key: True for key in ("public_sector", "novel", "implemented")},
        },
    )

    # One waiting in the knowledge team's queue, one in their inbox (taken, not finished)
    # and one waiting for the coordinator's approval of its publication.
    for title, municipality, theme, data, stage in (
        (
            "Cobro de tasas de aseo en la factura del agua",
            "2301",
            "finanzas-municipales",
            CASES[0],
            "queued",
        ),
        (
            "Consulta del plan de inversión en las parroquias",
            "0101",
            "gobierno-abierto",
            CASES[2],
            "taken",
        ),
        (
            "Ventanilla única de permisos de construcción",
            "1508",
            "gestion-y-tecnologia",
            CASES[3],
            "curated",
        ),
    ):
        case = services.register_case(
            specialist,
            {
                "title": title,
                "municipality": Municipality.objects.get(code=municipality),
                "theme": Theme.objects.get(slug=theme),
                "summary": data["summary"],
                "contact_name": "Dirección de Planificación",
                "contact_email": "",
                "contact_phone": "",
                "started_on": datetime.date(2024, 2, 1),
                "ended_on": None,
                "partners": "",
            },
        )
        _systematise(case, specialist, data)
        _do(case, "systematise", specialist, {"comment": "Listo para curaduría."})
        if stage == "taken":
            (curation,) = tasks.open_human_tasks(Process.for_subject(case))
            tasks.claim(curation, curator)
        elif stage == "curated":
            _do(
                case,
                "curate",
                curator,
                {
                    "decision": "approve",
                    "comment": "Cumple los cuatro criterios; la evidencia del impacto es sólida.",
                    "criteria_keys": list(CRITERIA),
                    **CRITERIA,
                },
            )
