"""Demo networks: one launched through the whole flow with a living community, one proposed."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements.models import Municipality
from workflows import services as tasks
from workflows.models import Process

from . import services
from .models import Network, Theme


def seed(users):
    if Network.objects.exists():
        return
    from agreements.demo import minimal_pdf

    specialist, coordinator = users["especialista"], users["coordinador"]
    members = list(Municipality.objects.filter(is_member=True).order_by("code"))
    network = services.propose(
        specialist,
        {
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "name": "Red de finanzas municipales",
            "sector": "Hacienda municipal",
            "objectives": "Aumentar la recaudación propia y publicar datos fiscales comparables.",
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": members,
        },
    )
    (review,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(review, coordinator, {"decision": "approve", "comment": "Adelante."})
    (design,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        design,
        specialist,
        {
            "concept": "Aprendizaje entre pares sobre recaudación y transparencia fiscal.",
            "work_plan": "Tres encuentros al año, un banco de soluciones y mentorías.",
            "activities": "Talleres de catastro, clínica de datos fiscales.",
            "calendar": [
                (datetime.date(2027, 2, 15), "Primer encuentro"),
                (datetime.date(2027, 5, 10), "Taller de catastro"),
            ],
            "invitation_deadline": timezone.localdate() + datetime.timedelta(days=15),
        },
    )
    for task in tasks.open_human_tasks(Process.for_subject(network)):
        answers = {
            pk: ("declined" if index == 1 else "accepted", "")
            for index, pk in enumerate(task.data["municipalities"])
        }
        tasks.take_and_complete(task, task.owner, {"answers": answers})
    network.refresh_from_db()
    services.add_post(
        network,
        specialist,
        "Les damos la bienvenida a la red",
        "<p>Este es el espacio para compartir lo que funciona en la <strong>hacienda "
        "municipal</strong>.</p><ul><li>Catastro</li><li>Recaudación</li></ul>",
        True,
    )
    from knowledge.models import Case

    case = Case.objects.filter(state=Case.State.PUBLISHED, theme=network.theme).first()
    services.add_solution(
        network,
        specialist,
        {
            "title": "Catastro con censistas comunitarios",
            "problem": "Catastros desactualizados y baja recaudación del impuesto a inmuebles.",
            "solution": "Formar vecinos como censistas y validar en asamblea.",
            "requirements": "Consejos comunales activos.",
            "case": case,
            "is_public": True,
        },
    )
    services.add_resource(
        network,
        specialist,
        {
            "kind": "document",
            "title": "Guía de actualización catastral",
            "file": SimpleUploadedFile("guia-catastro.pdf", minimal_pdf("Guía de catastro")),
            "is_public": True,
        },
    )
    services.propose(
        specialist,
        {
            "theme": Theme.objects.get(slug="servicios-publicos"),
            "name": "Red de servicios públicos",
            "sector": "Aseo urbano y agua",
            "objectives": "Mejorar la cobertura de aseo urbano y agua potable.",
            "visibility": Network.Visibility.PRIVATE,
            "target_municipalities": members[:2],
        },
    )
    _returned_and_revised(specialist, coordinator, members)
    _returned(specialist, coordinator, members)
    _inviting(specialist, coordinator, members)


def _returned_and_revised(specialist, coordinator, members):
    """A proposal in its second review: the coordinator sees what changed."""
    network = services.propose(
        specialist,
        {
            "theme": Theme.objects.get(slug="gobierno-abierto"),
            "name": "Red de gobierno abierto",
            "sector": "Transparencia",
            "objectives": "Publicar datos abiertos municipales.",
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": members[:2],
        },
    )
    (review,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        review,
        coordinator,
        {
            "decision": "return",
            "comment": "Precise metas medibles e incluya municipios del Zulia.",
        },
    )
    (revision,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        revision,
        specialist,
        {
            "theme": network.theme,
            "name": network.name,
            "sector": "Transparencia y participación",
            "objectives": "Publicar datos abiertos municipales.\n"
            "Meta: diez alcaldías con su presupuesto publicado en formato abierto en 2027.",
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": members,
            "comment": "Metas precisadas; se suman los municipios del Zulia.",
        },
    )


def _returned(specialist, coordinator, members):
    """A proposal returned to its specialist: the revision opens filled in."""
    network = services.propose(
        specialist,
        {
            "theme": Theme.objects.get(slug="ambiente-y-riesgos"),
            "name": "Red de gestión de riesgos",
            "sector": "Protección civil",
            "objectives": "Planes municipales de gestión de riesgos ante lluvias.",
            "visibility": Network.Visibility.PRIVATE,
            "target_municipalities": members[-2:],
        },
    )
    (review,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        review,
        coordinator,
        {
            "decision": "return",
            "comment": "Indique qué producto concreto tendrá cada municipio al cerrar el año.",
        },
    )


def _inviting(specialist, coordinator, members):
    """A designed network whose facilitators are inviting their municipalities."""
    network = services.propose(
        specialist,
        {
            "theme": Theme.objects.get(slug="gestion-y-tecnologia"),
            "name": "Red de gobierno digital",
            "sector": "Trámites en línea",
            "objectives": "Llevar en línea los cinco trámites más frecuentes de cada alcaldía.",
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": members,
        },
    )
    (review,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(review, coordinator, {"decision": "approve", "comment": "Aprobada."})
    (design,) = tasks.open_human_tasks(Process.for_subject(network))
    tasks.take_and_complete(
        design,
        specialist,
        {
            "concept": "Comunidad de práctica sobre simplificación y digitalización de trámites.",
            "work_plan": "Diagnóstico de trámites, dos talleres y un repositorio de formularios.",
            "activities": "Taller de simplificación, clínica de formularios en línea.",
            "calendar": [
                (datetime.date(2027, 3, 8), "Diagnóstico de trámites"),
                (datetime.date(2027, 4, 19), "Taller de simplificación"),
                (datetime.date(2027, 6, 14), "Clínica de formularios en línea"),
            ],
            "invitation_deadline": timezone.localdate() + datetime.timedelta(days=21),
        },
    )
