"""The positions API: for whoever opens the position pages; candidates' personal data for
the coordination only (``staffing.view_candidate_personal_data``), as on the pages."""

# The shared fixtures are imported by name and taken as parameters.
# ruff: noqa: F811

import pytest
from django.utils import timezone

from staffing import services
from staffing.models import Candidate, Evaluation
from tests.api_reads import (  # noqa: F401  (fixtures)
    as_,
    conforms,
    listed,
    module_media,
    queries,
    world,
    world_media,
)

pytestmark = pytest.mark.django_db

LIST = "/api/staffing/positions/"
PERSONAL = ["full_name", "email", "phone", "national_id", "cv_url", "notes"]


def evaluate(world, candidate, notes="Conoce bien el catastro."):
    return Evaluation.objects.create(
        candidate=candidate,
        evaluator=world.people.deputy,
        expertise=4,
        experience=5,
        fit=3,
        notes=notes,
    )


def candidate_of(body, number=1):
    return next(c for c in body["candidates"] if c["number"] == number)


@pytest.mark.parametrize("role", ["coordinator", "deputy", "assistant", "logistics"])
def test_coordination_reads_candidates_personal_data(client, world, role):
    evaluate(world, world.candidate)
    as_(client, world, role)
    assert world.position.pk in listed(client.get(LIST))
    body = client.get(f"{LIST}{world.position.pk}/").json()
    assert body["personal_data"] is True
    assert body["candidate_count"] == 1
    candidate = candidate_of(body)
    assert candidate["full_name"] == "Ana Salcedo"
    assert candidate["email"] == "ana@correo.example"
    assert candidate["national_id"] == "V-1"
    assert candidate["notes"] == "Conoce bien el catastro."
    assert (candidate["expertise"], candidate["total"]) == (4, 12)
    assert candidate["cv_url"].endswith(f"/staffing/candidates/{world.candidate.pk}/cv/")
    # The CV link opens, for the same person, the candidate's PDF.
    cv = client.get(candidate["cv_url"])
    assert cv.status_code == 200 and b"".join(cv.streaming_content).startswith(b"%PDF")


def test_auditors_read_positions_and_scores_without_personal_data(client, world):
    evaluate(world, world.candidate)
    as_(client, world, "auditor")
    for response in (client.get(LIST), client.get(f"{LIST}{world.position.pk}/")):
        text = response.content.decode()
        assert response.status_code == 200
        for secret in ("Ana Salcedo", "ana@correo.example", "V-1", "Conoce bien", "/cv/"):
            assert secret not in text
    body = client.get(f"{LIST}{world.position.pk}/").json()
    assert body["title"] == "Especialista en catastro"
    assert body["personal_data"] is False
    assert body["candidate_count"] == 1
    candidate = candidate_of(body)
    assert candidate["label"] == "Candidatura 1"
    assert (candidate["evaluated"], candidate["total"]) == (True, 12)
    assert [candidate[key] for key in PERSONAL] == [None] * len(PERSONAL)


@pytest.mark.parametrize("role", ["specialist", "facilitator", "facilitator_b", "anon"])
def test_others_are_refused_as_on_the_pages(client, world, role):
    as_(client, world, role)
    assert client.get(LIST).status_code in (401, 403)
    response = client.get(f"{LIST}{world.position.pk}/")
    assert response.status_code in (401, 403)
    assert "Ana Salcedo" not in response.content.decode()


def test_an_anonymised_candidate_has_no_personal_data_for_anyone(client, world):
    Candidate.objects.filter(pk=world.candidate.pk).update(anonymised_at=timezone.now())
    as_(client, world, "coordinator")
    candidate = candidate_of(client.get(f"{LIST}{world.position.pk}/").json())
    assert candidate["anonymised"] is True
    assert [candidate[key] for key in PERSONAL] == [None] * len(PERSONAL)


def test_states_read_as_labels_and_filter(client, world):
    as_(client, world, "coordinator")
    body = client.get(f"{LIST}{world.position.pk}/").json()
    assert (body["state"], body["state_label"]) == ("open", "Abierto: registro de candidaturas")
    assert body["theme"] == "servicios-publicos"
    assert body["created"] == timezone.localtime(world.position.created).isoformat()
    assert listed(client.get(LIST, {"state": "open"})) == [world.position.pk]
    assert listed(client.get(LIST, {"state": "filled"})) == []
    assert listed(client.get(LIST, {"theme": "servicios-publicos"})) == [world.position.pk]
    assert listed(client.get(LIST, {"network": world.network.pk})) == []
    for name, wrong in (("network", "-1"), ("network", "1.5"), ("theme", "a b")):
        assert client.get(LIST, {name: wrong}).status_code == 400, (name, wrong)


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_the_list_reads_in_a_fixed_number_of_queries(client, world, role):
    as_(client, world, role)
    few = queries(client, LIST)
    for number in range(4):
        position, _process = services.open_position(
            world.people.coordinator,
            {
                "title": f"Especialista {number}",
                "profile": "Acompañar.",
                "expertise": "Catastro.",
                "theme": world.network.theme,
                "network": world.network,
                "term_months": 6,
            },
        )
        for n in (1, 2):
            candidate = Candidate.objects.create(
                position=position,
                number=n,
                full_name=f"Persona {number}-{n}",
                email=f"p{number}{n}@correo.example",
                registered_by=world.people.assistant,
            )
            evaluate(world, candidate)
    assert len(listed(client.get(LIST))) == 5
    assert queries(client, LIST) == few


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_answers_match_the_openapi_schema(client, world, role):
    evaluate(world, world.candidate)
    as_(client, world, role)
    conforms(client, "/api/staffing/positions/", LIST)
    conforms(client, "/api/staffing/positions/{id}/", f"{LIST}{world.position.pk}/")
