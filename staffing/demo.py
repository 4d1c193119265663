"""Demo hiring: one position filled through the whole flow, one waiting for its evaluation."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from networks.models import Theme
from workflows import services as tasks
from workflows.models import Process

from . import services
from .models import Position


def _do(position, node, user, data):
    (task,) = tasks.open_human_tasks(Process.for_subject(position))
    assert task.flow_task.name == node, (task.flow_task.name, node)
    tasks.take_and_complete(task, user, data)
    position.refresh_from_db()


def _pdf(title):
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 770, title)
    pdf.save()
    return SimpleUploadedFile("documento.pdf", buffer.getvalue(), "application/pdf")


def _register(position, assistant, people):
    for full_name, email in people:
        services.register_candidate(
            position,
            assistant,
            {"full_name": full_name, "email": email, "phone": "", "cv": _pdf(full_name)},
        )


def seed(users):
    if Position.objects.exists():
        return
    coordinator, deputy = users["coordinador"], users["coordinador.adjunto"]
    assistant = users["asistente"]

    filled, _process = services.open_position(
        coordinator,
        {
            "title": "Especialista en finanzas municipales",
            "profile": "Acompañar a los municipios en la carga, revisión y uso de sus datos "
            "de hacienda pública.",
            "expertise": "Presupuesto público municipal, tributos municipales, indicadores.",
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "project_name": "Proyecto de Finanzas Municipales",
            "term_months": 12,
        },
    )
    _register(
        filled,
        assistant,
        [
            ("Gabriela Rincón", "gabriela.rincon@pagg.example"),
            ("Andrés Quintero", "andres.quintero@pagg.example"),
        ],
    )
    _do(filled, "register_candidates", assistant, {"confirm": True, "comment": ""})
    first, second = filled.candidates.order_by("number")
    _do(
        filled,
        "evaluate_candidates",
        deputy,
        {
            "scores": {
                first.pk: {"expertise": 5, "experience": 4, "fit": 5, "notes": "Sólida."},
                second.pk: {"expertise": 3, "experience": 4, "fit": 3, "notes": ""},
            },
            "comment": "",
        },
    )
    _do(
        filled,
        "decide",
        coordinator,
        {"decision": "hire", "candidate": first, "comment": "Mejor puntuación."},
    )
    start = timezone.localdate().replace(day=1)
    _do(
        filled,
        "record_contract",
        assistant,
        {
            "start_date": start,
            "end_date": start + datetime.timedelta(days=364),
            "terms": "Dedicación a tiempo completo; honorarios mensuales.",
            "signed_contract": _pdf("Contrato firmado"),
            "comment": "",
        },
    )

    waiting, _process = services.open_position(
        coordinator,
        {
            "title": "Especialista en servicios públicos",
            "profile": "Coordinar la red de servicios públicos municipales.",
            "expertise": "Gestión de desechos sólidos, alumbrado y mercados municipales.",
            "theme": Theme.objects.get(slug="servicios-publicos"),
            "project_name": "",
            "term_months": 18,
        },
    )
    _register(
        waiting,
        assistant,
        [
            ("Daniela Paredes", "daniela.paredes@pagg.example"),
            ("Miguel Ángel Torres", "miguel.torres@pagg.example"),
        ],
    )
    _do(waiting, "register_candidates", assistant, {"confirm": True, "comment": ""})
