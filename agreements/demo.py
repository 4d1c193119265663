"""Demo data: one user per role and onboarding processes in every state, made through the flows."""

import datetime
import io

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from workflows import services as wf
from workflows.forms import DecisionForm
from workflows.models import Task
from workflows.registry import flows
from workflows.roles import Role
from workflows.sla import ensure_policies

from . import scope
from . import services as onboarding
from .models import Agreement, Municipality, Region

PASSWORD = "pagg-demo-2026"

USERS = [
    ("coordinador", "Carmen", "Rojas", Role.COORDINATOR),
    ("coordinador.adjunto", "Luis", "Pérez", Role.DEPUTY_COORDINATOR),
    ("logistica", "Ana", "Gómez", Role.LOGISTICS_COORDINATOR),
    ("asistente", "José", "Díaz", Role.ASSISTANT),
    ("facilitador.capital", "María", "Hernández", Role.FACILITATOR),
    ("facilitador.zulia", "Pedro", "González", Role.FACILITATOR),
    ("especialista", "Laura", "Martínez", Role.SPECIALIST),
    ("auditor", "Ricardo", "Suárez", Role.AUDITOR),
    ("funcionario", "Elena", "Ramírez", Role.MUNICIPAL_OFFICER),
    ("curaduria", "Sofía", "Blanco", Role.KNOWLEDGE_CURATOR),
]


def minimal_pdf(title):
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 770, title)
    pdf.save()
    return buffer.getvalue()


def ensure_users():
    User = get_user_model()
    users = {}
    for username, first, last, role in USERS:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@pagg.example"},
        )
        user.set_password(PASSWORD)
        user.is_staff = role in (Role.COORDINATOR,)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = User.objects.get(pk=user.pk)
    return users


def draft_data(start=None, years=2):
    start = start or timezone.localdate()
    return {
        "scope": "Fortalecimiento de la gestión financiera y de la planificación municipal.",
        "commitments": "La alcaldía designa un enlace y comparte su información presupuestaria.",
        "start_date": start,
        "end_date": start.replace(year=start.year + years),
        "contacts": "Despacho del alcalde; Dirección de Hacienda",
        "comment": "",
    }


def authorities(name):
    return {
        "population": None,
        "mayor_name": f"Alcalde de {name}",
        "mayor_email": "",
        "mayor_phone": "",
        "official_name": f"Enlace de {name}",
        "official_position": "Director de Hacienda",
        "official_email": "enlace@alcaldia.example",
        "official_phone": "",
    }


def _task(process):
    return Task.objects.get(process=process, flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"])


def walk(process, facilitator, coordinator, until):
    """Walk one onboarding up to ``until`` (an agreement state), through the real services."""
    steps = ["in_review", "returned", "resubmitted", "approved", "signed", "active"]
    if until == "draft":
        return
    wf.complete(_task(process), facilitator, draft_data())
    if until == "in_review":
        return
    review = _task(process)
    wf.claim(review, coordinator)
    if until in ("returned", "resubmitted"):
        wf.complete(
            review,
            coordinator,
            {
                "decision": DecisionForm.RETURN,
                "comment": "Precisar los compromisos de la alcaldía.",
            },
        )
        if until == "resubmitted":
            # Drafted again as the review asked: the second review shows what changed.
            data = draft_data(years=3)
            data["commitments"] = (
                "La alcaldía designa un enlace de hacienda, comparte cada trimestre su "
                "ejecución presupuestaria y participa en la red de finanzas municipales."
            )
            wf.complete(_task(process), facilitator, data)
        return
    wf.complete(review, coordinator, {"decision": DecisionForm.APPROVE, "comment": ""})
    if until == "approved":
        return
    upload = _task(process)
    pdf = SimpleUploadedFile("convenio.pdf", minimal_pdf("Convenio firmado"), "application/pdf")
    wf.complete(
        upload,
        facilitator,
        {"signed_document": pdf, "signed_on": timezone.localdate(), "comment": ""},
    )
    if until == "signed":
        return
    activate = _task(process)
    wf.claim(activate, coordinator)
    if until == "signature_returned":
        # The signed copy cannot be read: back to the facilitator, who uploads it again.
        wf.complete(
            activate,
            coordinator,
            {
                "decision": DecisionForm.RETURN,
                "comment": "La segunda página del convenio firmado no se lee y falta el "
                "sello de la alcaldía. Escanéelo de nuevo, por favor.",
            },
        )
        return
    wf.complete(activate, coordinator, {"confirm": True, "comment": ""})
    assert until in steps


@transaction.atomic
def seed():
    users = ensure_users()
    ensure_policies(flows())
    capital = Region.objects.get(code="01")
    miranda = Region.objects.get(code="15")
    zulia = Region.objects.get(code="23")
    fac_capital, fac_zulia = users["facilitador.capital"], users["facilitador.zulia"]
    coordinator = users["coordinador"]
    for region in (capital, miranda):
        if not fac_capital.has_perm(scope.FACILITATE_REGION, region):
            scope.grant_facilitator_region(fac_capital, region, by=coordinator)
    if not fac_zulia.has_perm(scope.FACILITATE_REGION, zulia):
        scope.grant_facilitator_region(fac_zulia, zulia, by=coordinator)
    libertador = Municipality.objects.get(code="0101")
    scope.grant_officer(users["funcionario"], libertador, by=coordinator)

    if Agreement.objects.exists():
        return users  # processes were seeded already: the command is idempotent

    plan = [
        (
            fac_capital,
            miranda,
            [
                "draft",
                "in_review",
                "returned",
                "approved",
                "signed",
                "active",
                "active",
                "active",
                "active",
                "resubmitted",
            ],
        ),
        (fac_zulia, zulia, ["draft", "in_review", "approved", "active", "signature_returned"]),
    ]
    actives = []
    for facilitator, region, states in plan:
        municipalities = list(region.municipalities.order_by("code")[: len(states)])
        for municipality, state in zip(municipalities, states, strict=True):
            process = onboarding.start_onboarding(
                facilitator, municipality, authorities(municipality.name)
            )
            walk(process, facilitator, coordinator, state)
            if state == "active":
                actives.append(process.subject)
    # Libertador (Distrito Capital) is an active member, served by the capital facilitator.
    process = onboarding.start_onboarding(fac_capital, libertador, authorities(libertador.name))
    walk(process, fac_capital, coordinator, "active")

    suspended, terminated, expiring = actives[1], actives[2], actives[3]
    onboarding.change_membership(suspended, "suspend", coordinator, "Cambio de autoridades")
    onboarding.change_membership(terminated, "terminate", coordinator, "Solicitud de la alcaldía")
    # An agreement whose term has ended: it expires and opens its renewal.
    Agreement.objects.filter(pk=expiring.pk).update(
        start_date=timezone.localdate() - datetime.timedelta(days=730),
        end_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    onboarding.expire_due_agreements()

    # A review waiting in the coordinator's inbox, not only in the queue.
    waiting = Task.objects.filter(flow_task_type="HUMAN", status="NEW", role=Role.COORDINATOR)
    for reviewer in (coordinator, users["coordinador.adjunto"]):
        review = waiting.order_by("pk").first()
        if review:
            wf.claim(review, reviewer)

    # Follow-ups from a visit to Libertador for the officer and the specialist.
    due = timezone.localdate() + datetime.timedelta(days=7)
    visit = {
        "date": timezone.localdate(),
        "kind": "visit",
        "participants": "Alcalde, Dirección de Hacienda, facilitadora",
        "agreed": "Enviar la ejecución presupuestaria del trimestre y revisar el clasificador.",
    }
    for role, assignee, text in [
        (Role.MUNICIPAL_OFFICER, users["funcionario"], "Enviar la ejecución presupuestaria"),
        (Role.MUNICIPAL_OFFICER, None, "Actualizar el directorio de la alcaldía"),
        (Role.SPECIALIST, users["especialista"], "Revisar el uso del clasificador presupuestario"),
        (Role.SPECIALIST, None, "Proponer la red temática de finanzas"),
        (Role.FACILITATOR, None, "Agendar la próxima visita"),
        (Role.LOGISTICS_COORDINATOR, users["logistica"], "Reservar la sala para el taller"),
        (Role.LOGISTICS_COORDINATOR, None, "Coordinar el traslado del equipo"),
        (Role.ASSISTANT, users["asistente"], "Enviar la minuta de la visita"),
        (Role.ASSISTANT, None, "Archivar la lista de asistencia"),
    ]:
        onboarding.record_contact(
            fac_capital,
            libertador,
            {
                **visit,
                "follow_up": text,
                "follow_up_role": role,
                "follow_up_due": due,
                "follow_up_assignee": assignee,
            },
        )
    # A meeting in Zulia leaves a follow-up in the queue of Zulia's facilitators.
    zulia_member = (
        Agreement.objects.filter(state=Agreement.State.ACTIVE, municipality__region=zulia)
        .select_related("municipality")
        .order_by("pk")
        .first()
        .municipality
    )
    onboarding.record_contact(
        fac_zulia,
        zulia_member,
        {
            "date": timezone.localdate(),
            "kind": "meeting",
            "participants": "Alcaldesa, Dirección de Hacienda, facilitador",
            "agreed": "Presentar el convenio ante el concejo municipal.",
            "follow_up": "Enviar al concejo municipal la minuta de la reunión",
            "follow_up_role": Role.FACILITATOR,
            "follow_up_due": due,
            "follow_up_assignee": None,
        },
    )
    # Some work is late or nearly due, so that reminders and escalation show on a first look.
    late = Task.objects.filter(flow_task_type="HUMAN", status="ASSIGNED", role=Role.FACILITATOR)
    late = list(late.order_by("pk")[:2])
    now = timezone.now()
    if late:
        Task.objects.filter(pk=late[0].pk).update(due_at=now - datetime.timedelta(days=6))
    if len(late) > 1:
        Task.objects.filter(pk=late[1].pk).update(due_at=now + datetime.timedelta(hours=20))
    return users
