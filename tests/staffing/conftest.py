"""Hiring fixtures: one person per coordination role, a theme, and steps walked over HTTP."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from networks.models import Network, Theme
from staffing.models import Position
from tests.conftest import make_user, open_task, pdf_bytes
from workflows.roles import Role


@pytest.fixture
def deputy(db):
    return make_user("adjunto", Role.DEPUTY_COORDINATOR)


@pytest.fixture
def assistant(db):
    return make_user("asistente", Role.ASSISTANT)


@pytest.fixture
def theme(db):
    return Theme.objects.get(slug="finanzas-municipales")


@pytest.fixture
def network(theme):
    lead = make_user("lider", Role.SPECIALIST)
    return Network.objects.create(
        theme=theme,
        name="Red de hacienda municipal",
        objectives="Mejorar la recaudación propia.",
        specialist=lead,
    )


@pytest.fixture
def people(coordinator, deputy, assistant):
    return {"coordinator": coordinator, "deputy": deputy, "assistant": assistant}


def pdf_upload(name="cv.pdf", text="Curriculum vitae"):
    return SimpleUploadedFile(name, pdf_bytes(), "application/pdf")


def position_post(theme, **overrides):
    data = {
        "title": "Especialista en finanzas municipales",
        "profile": "Acompañar a los municipios en la gestión de su hacienda.",
        "expertise": "Presupuesto público, tributos municipales.",
        "theme": theme.pk if theme is not None else "",
        "network": "",
        "project_name": "Proyecto de Finanzas Municipales",
        "term_months": "12",
    }
    data.update(overrides)
    return data


CANDIDATES = [
    {
        "full_name": "Ana Beatriz Salcedo",
        "email": "ana.salcedo@correo.example",
        "phone": "+58 412 555 0101",
        "national_id": "V-12345678",
    },
    {
        "full_name": "Carlos Eduardo Mendoza",
        "email": "carlos.mendoza@correo.example",
        "phone": "+58 414 555 0202",
        "national_id": "V-23456789",
    },
]


def claim(client, task):
    return client.post(reverse("workflows:task_claim", args=[task.pk]))


def complete(client, task, data):
    return client.post(reverse("workflows:task_detail", args=[task.pk]), data, follow=True)


def open_position(client, coordinator, theme, **overrides):
    client.force_login(coordinator)
    response = client.post(reverse("staffing:position_create"), position_post(theme, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Position.objects.order_by("-pk").first()


def add_candidate(client, position, data, cv=None):
    return client.post(
        reverse("staffing:candidate_add", args=[position.pk]),
        {**data, "cv": cv or pdf_upload()},
    )


def register_all(client, position, assistant, candidates=CANDIDATES):
    from workflows.models import Process

    client.force_login(assistant)
    for data in candidates:
        response = add_candidate(client, position, data)
        assert response.status_code == 302, response.content.decode()[:2000]
    task = open_task(Process.for_subject(position))
    assert task.flow_task.name == "register_candidates"
    claim(client, task)
    complete(client, task, {"confirm": "on", "comment": ""})
    position.refresh_from_db()
    return position


def evaluate_all(client, position, deputy, scores=None):
    from workflows.models import Process

    task = open_task(Process.for_subject(position))
    assert task.flow_task.name == "evaluate_candidates"
    client.force_login(deputy)
    claim(client, task)
    data = {"comment": ""}
    for index, candidate in enumerate(position.candidates.order_by("number")):
        expertise, experience, fit = (scores or {}).get(candidate.number, (4 - index, 3, 4))
        data[f"c{candidate.pk}_expertise"] = str(expertise)
        data[f"c{candidate.pk}_experience"] = str(experience)
        data[f"c{candidate.pk}_fit"] = str(fit)
        data[f"c{candidate.pk}_notes"] = f"Notas sobre {candidate.full_name}"
    response = complete(client, task, data)
    position.refresh_from_db()
    return response


def to_decision(client, people, theme, **overrides):
    position = open_position(client, people["coordinator"], theme, **overrides)
    register_all(client, position, people["assistant"])
    evaluate_all(client, position, people["deputy"])
    return position


def decide(client, position, coordinator, **data):
    from workflows.models import Process

    task = open_task(Process.for_subject(position))
    assert task.flow_task.name == "decide"
    client.force_login(coordinator)
    claim(client, task)
    page = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert 'name="candidate"' in page.content.decode()
    response = complete(client, task, {"comment": "", **data})
    position.refresh_from_db()
    return response


def contract_post(**overrides):
    data = {
        "start_date": "2027-01-04",
        "end_date": "2027-12-31",
        "terms": "Dedicación exclusiva; honorarios mensuales según tabulador.",
        "signed_contract": pdf_upload("contrato.pdf"),
        "comment": "",
    }
    data.update(overrides)
    return data


def record_contract(client, position, assistant, capture, **overrides):
    from workflows.models import Process

    task = open_task(Process.for_subject(position))
    assert task.flow_task.name == "record_contract"
    client.force_login(assistant)
    claim(client, task)
    page = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert 'name="signed_contract"' in page.content.decode()
    with capture(execute=True):
        response = complete(client, task, contract_post(**overrides))
    position.refresh_from_db()
    return response


@pytest.fixture
def filled(client, people, theme, django_capture_on_commit_callbacks):
    """A position walked to the end: candidate 1 hired, candidate 2 not."""
    position = to_decision(client, people, theme)
    hired = position.candidates.get(number=1)
    decide(client, position, people["coordinator"], decision="hire", candidate=hired.pk)
    record_contract(client, position, people["assistant"], django_capture_on_commit_callbacks)
    assert position.state == Position.State.FILLED
    return position
