"""Spanish that reads right: labels agree with the noun they qualify, a record's standing is
its "estado" and a Venezuelan state is an "entidad federal" (so the word never means both
on one page), deadlines are "plazos de atención" and people are greeted by name."""

import html
import re

import pytest
from django.apps import apps
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django_fsm import FSMField

from agreements.models import Agreement, Municipality
from finance.models import FiscalPeriod, Submission, Upload
from knowledge.models import Case, Replication
from networks.models import Invitation, Network, Theme
from notifications.models import EmailState, Job, Kind, Notification
from specialprojects.models import Project
from staffing.models import Position
from workflows.roles import Role

from .conftest import make_user

DOMAIN_APPS = {
    "agreements",
    "finance",
    "knowledge",
    "networks",
    "notifications",
    "specialprojects",
    "staffing",
}

# Every choice field that says where a record stands, with its Spanish labels in the
# gender and number of its model's noun ("la red activa", "el proyecto lanzado").
STANDING_LABELS = {
    (Agreement, "state"): {
        "draft": "Borrador",
        "in_review": "En revisión",
        "returned": "Devuelto con observaciones",
        "approved": "Aprobado",
        "signed": "Firmado",
        "active": "Activo",
        "suspended": "Suspendido",
        "expired": "Vencido",
        "terminated": "Terminado",
    },
    (FiscalPeriod, "state"): {"open": "Abierto", "closed": "Cerrado"},
    (Submission, "state"): {
        "draft": "Borrador",
        "validated": "Validado",
        "in_review": "En revisión",
        "returned": "Devuelto con observaciones",
        "approved": "Aprobado",
        "published": "Publicado",
        "superseded": "Reemplazado por una corrección",
    },
    (Upload, "result"): {
        "pending": "En verificación automática",
        "accepted": "Aceptado",
        "rejected": "Rechazado",
    },
    (Network, "state"): {
        "proposed": "Propuesta",
        "approved": "Aprobada",
        "in_design": "En diseño",
        "inviting": "Invitando a los municipios",
        "active": "Activa",
        "paused": "En pausa",
        "closed": "Cerrada",
    },
    (Invitation, "answer"): {
        "pending": "Sin respuesta aún",
        "accepted": "Aceptada",
        "declined": "Rechazada",
        "no_answer": "Sin respuesta al cierre",
    },
    (Project, "state"): {
        "draft": "Borrador",
        "in_review": "En revisión",
        "returned": "Devuelto con observaciones",
        "approved": "Aprobado",
        "launched": "Lanzado",
        "in_execution": "En ejecución",
        "closing": "En cierre",
        "closed": "Cerrado",
        "suspended": "Suspendido",
        "cancelled": "Cancelado",
    },
    (Case, "state"): {
        "registered": "Registrado",
        "in_systematisation": "En sistematización",
        "in_curation": "En curaduría",
        "returned": "Devuelto con observaciones",
        "approved": "Aprobado por la curaduría",
        "published": "Publicado",
        "archived": "Archivado",
    },
    (Replication, "state"): {
        "planned": "Planificada",
        "in_progress": "En curso",
        "done": "Finalizada",
        "abandoned": "Abandonada",
    },
    (Position, "state"): {
        "open": "Abierto: registro de candidaturas",
        "evaluating": "En evaluación de candidaturas",
        "evaluated": "Evaluado: decisión pendiente",
        "decided": "Decidido: contrato pendiente",
        "filled": "Cubierto",
        "cancelled": "Cancelado",
    },
    (Job, "state"): {
        "pending": "En espera del gestor de colas",
        "published": "Entregado a un proceso de fondo",
        "done": "Finalizado",
        "failed": "Abandonado",
    },
}
STANDING_NAMES = {"state", "answer", "result"}


def _visible(response):
    """The page's text as a person reads it: no tags, scripts or attribute values."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _headers(response, table_id=None):
    body = response.content.decode()
    if table_id:
        body = re.search(rf'<table id="{table_id}".*?</thead>', body, re.S).group(0)
    return [html.unescape(h.strip()) for h in re.findall(r"<th[^>]*>([^<]+)</th>", body)]


# Labels per model ---------------------------------------------------------------------


def test_every_standing_field_is_listed_here():
    """A new model with a state of its own must say here how its labels read in Spanish."""
    found = {
        (model, field.name)
        for model in apps.get_models()
        if model._meta.app_label in DOMAIN_APPS
        for field in model._meta.concrete_fields
        if field.choices and (isinstance(field, FSMField) or field.name in STANDING_NAMES)
    }
    assert found == set(STANDING_LABELS)


@pytest.mark.parametrize(
    ("model", "field", "expected"),
    [(model, field, labels) for (model, field), labels in STANDING_LABELS.items()],
    ids=[f"{model.__name__}.{field}" for model, field in STANDING_LABELS],
)
def test_each_model_reads_its_states_in_its_own_gender(model, field, expected):
    with translation.override("es-ve"):
        labels = {value: str(label) for value, label in model._meta.get_field(field).choices}
    assert labels == expected


def test_a_record_has_a_state_and_a_municipality_lies_in_a_federal_entity():
    with translation.override("es-ve"):
        for model, field in STANDING_LABELS:
            if field in ("state", "status"):
                assert str(model._meta.get_field(field).verbose_name) == "estado", model
        assert str(Agreement._meta.get_field("state").verbose_name) == "estado"
        assert str(Municipality._meta.get_field("region").verbose_name) == "entidad federal"


# Pages that list records by their standing --------------------------------------------


@pytest.fixture
def theme(db):
    return Theme.objects.create(name="Hacienda municipal", slug="hacienda")


@pytest.fixture
def live_network(theme, municipality_a, municipality_b):
    specialist = make_user("esp_redes", Role.SPECIALIST)
    network = Network.objects.create(
        theme=theme,
        name="Red de hacienda",
        objectives="Recaudar mejor.",
        specialist=specialist,
        state=Network.State.ACTIVE,
    )
    Invitation.objects.create(
        network=network, municipality=municipality_a, answer=Invitation.Answer.ACCEPTED
    )
    Invitation.objects.create(
        network=network, municipality=municipality_b, answer=Invitation.Answer.DECLINED
    )
    return network


def test_the_network_list_and_page_agree_with_la_red(client, coordinator, live_network):
    client.force_login(coordinator)
    listed = client.get(reverse("networks:network_list"))
    assert _headers(listed, "networks") == ["Red", "Tema", "Estado", "Especialista a cargo"]
    assert "Red de hacienda Hacienda municipal Activa" in _visible(listed)
    shown = _visible(client.get(reverse("networks:network_detail", args=[live_network.pk])))
    assert "Activa" in shown and "Activo" not in shown
    assert ": Aceptada" in shown and ": Rechazada" in shown
    assert "Aceptado" not in shown and "Rechazado" not in shown


def test_the_portfolio_filters_projects_in_the_masculine(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("specialprojects:portfolio"))
    options = re.search(r'<select name="state">(.*?)</select>', response.content.decode(), re.S)
    labels = re.findall(r">([^<]+)</option>", options.group(1))
    assert "Lanzado" in labels and "Cerrado" in labels
    assert "Lanzada" not in labels and "Cerrados" not in labels
    assert "Estado" in _headers(response, "portfolio")
    assert "Hitos atrasados" in _headers(response, "portfolio")


def test_the_periods_list_heads_its_date_column_as_a_date(client, coordinator):
    from finance import services

    services.open_period(2026, 1, by=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("finance:period_list"))
    headers = _headers(response)
    assert headers[:6] == ["Período", "Apertura", "Plazo", "Moneda", "Envíos", "Estado"]
    row = re.search(r"1\.er trimestre de 2026 (\S+) ", _visible(response))
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", row.group(1))
    assert " Abierto " in _visible(response)
    assert "Abiertos" not in _visible(response)


def test_the_positions_list_heads_its_date_column_as_a_date(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("staffing:position_list"))
    assert _headers(response) == ["Cargo", "Tema", "Atiende a", "Duración", "Estado", "Apertura"]


# The Venezuelan state is an "entidad federal" wherever a territory shows -------------


def _says_entidad_federal_and_never_estado(text):
    """The territory is an "entidad federal"; "Estado" is left to a record's standing, so it
    never names a territory ("Estado Miranda") nor heads a list of them ("Estados")."""
    assert "Entidad federal" in text
    regions = Municipality._meta.get_field("region").related_model.objects.values_list(
        "name", flat=True
    )
    for name in regions:
        assert not re.search(rf"\b[Ee]stado (de )?{re.escape(name)}\b", text), name
    assert not re.search(r"\bEstados\b", text), re.findall(r".{40}\bEstados\b.{40}", text)


def test_the_municipality_list_filters_and_heads_by_entidad_federal(
    client, coordinator, municipality_a
):
    client.force_login(coordinator)
    response = client.get(reverse("agreements:municipality_list"))
    assert "Entidad federal" in _headers(response)
    _says_entidad_federal_and_never_estado(_visible(response))
    assert '<option value="">Todas</option>' in response.content.decode()


def test_the_scopes_page_lists_entidades_federales(client, coordinator, facilitator_a):
    client.force_login(coordinator)
    response = client.get(reverse("agreements:scope_list"))
    assert "Entidades federales" in _headers(response)
    _says_entidad_federal_and_never_estado(_visible(response))


def test_the_public_finance_pages_filter_by_entidad_federal(client, coordinator, municipality_a):
    from finance import services

    period = services.open_period(2026, 1, by=coordinator)
    for url in (reverse("finance:board", args=[period.pk]), reverse("finance:compare")):
        response = client.get(url)
        assert response.status_code == 200, url
        _says_entidad_federal_and_never_estado(_visible(response))


def test_the_library_facet_and_the_audit_desk_say_entidad_federal(
    client, auditor, coordinator, facilitator_a, municipality_a
):
    from tests.knowledge.helpers import publish

    theme = Theme.objects.get(slug="servicios-publicos")
    specialist = make_user("esp_casos", Role.SPECIALIST)
    theme.specialists.add(specialist)
    curator = make_user("curadora", Role.KNOWLEDGE_CURATOR)
    publish(facilitator_a, municipality_a, theme, specialist, curator, coordinator)
    library = _visible(client.get(reverse("knowledge:library")))
    assert f"Entidad federal {municipality_a.region.name} 1" in library
    _says_entidad_federal_and_never_estado(library)
    client.force_login(auditor)
    _says_entidad_federal_and_never_estado(_visible(client.get(reverse("workflows:audit_search"))))


def test_the_process_list_heads_standing_as_estado(client, coordinator, onboarding_a):
    client.force_login(coordinator)
    response = client.get(reverse("workflows:process_list"))
    assert "Estado" in _headers(response) and "Entidad federal" not in _headers(response)
    home = client.get(reverse("workflows:home"))
    assert "Estado" in _headers(home)


# Deadlines and greetings --------------------------------------------------------------


def test_the_deadlines_page_speaks_of_plazos_de_atencion_not_ans(client, coordinator):
    from workflows.registry import flows
    from workflows.sla import ensure_policies

    ensure_policies(flows())
    client.force_login(coordinator)
    text = _visible(client.get(reverse("workflows:sla_list")))
    assert "Plazos de atención por tarea" in text
    assert not re.search(r"\bANS\b|\bSLA\b", text)


def test_notification_emails_greet_the_person_by_name(coordinator):
    from notifications.services import render_email

    coordinator.first_name = "Carmen"
    coordinator.save(update_fields=["first_name"])
    notice = Notification.objects.create(
        recipient=coordinator, kind=Kind.ASSIGNED, key="k1", title="Nueva tarea", url="/"
    )
    _subject, text, body = render_email(notice, "es-ve")
    assert text.startswith("Hola, Carmen:")
    assert "Hola, Carmen:" in body
    assert not re.search(r"Bienvenid[oa]s?\b|Estimad[oa]\b", text + body)


def test_the_daily_digest_greets_the_person_by_name(coordinator):
    from notifications.digest import send_digests

    coordinator.first_name, coordinator.email = "Carmen", "carmen@pagg.example"
    coordinator.save(update_fields=["first_name", "email"])
    Notification.objects.create(
        recipient=coordinator,
        kind=Kind.DUE_SOON,
        key="k2",
        title="Por vencer",
        url="/",
        email_state=EmailState.DIGEST,
    )
    assert send_digests() == 1
    message = mail.outbox[-1]
    assert message.body.startswith("Hola, Carmen:")
    assert "Hola, Carmen:" in message.alternatives[0][0]


def test_the_network_calendar_takes_and_shows_dates_as_they_are_written_in_venezuela():
    import datetime

    from networks.forms import DesignForm

    with translation.override("es-ve"):
        form = DesignForm(
            data={
                "concept": "Red de pares",
                "work_plan": "Encuentros",
                "calendar": "15/02/2027: Primer encuentro\n31/13/2027: Taller",
                "invitation_deadline": "2030-01-01",
            }
        )
        assert "«15/02/2027: Primer encuentro»" in str(form.fields["calendar"].help_text)
        assert not form.is_valid()
        assert form.errors["calendar"] == [
            "Renglón 2: escriba la fecha como en 15/02/2027, dos puntos y la actividad."
        ]
        form = DesignForm(
            data={
                "concept": "Red de pares",
                "work_plan": "Encuentros",
                "calendar": "15/02/2027: Primer encuentro\n2027-03-01: Taller",
                "invitation_deadline": "2030-01-01",
            }
        )
        assert form.is_valid(), form.errors
    assert form.cleaned_data["calendar"] == [
        (datetime.date(2027, 2, 15), "Primer encuentro"),
        (datetime.date(2027, 3, 1), "Taller"),
    ]
