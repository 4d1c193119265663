"""Each hiring step shows the position and its candidates on the task page, and whose data."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import open_task
from workflows.models import Process

from .conftest import (
    CANDIDATES,
    add_candidate,
    claim,
    complete,
    decide,
    evaluate_all,
    open_position,
    record_contract,
    register_all,
)

pytestmark = pytest.mark.django_db


def text(response):
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(content).split())


def task_page(client, user, position):
    task = open_task(Process.for_subject(position))
    client.force_login(user)
    response = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return response


def test_registration_shows_the_profile_and_the_candidates_so_far(client, people, theme):
    position = open_position(client, people["coordinator"], theme)
    client.force_login(people["assistant"])
    add_candidate(client, position, CANDIDATES[0])
    response = task_page(client, people["assistant"], position)
    shown = text(response)
    for expected in (
        "El cargo y sus candidaturas",
        "Especialista en finanzas municipales",
        "Acompañar a los municipios en la gestión de su hacienda.",
        "Presupuesto público, tributos municipales.",
        "Proyecto de Finanzas Municipales",
        "12 meses",
        "1 candidatura registrada hasta ahora",
        "Candidatura 1 · Ana Beatriz Salcedo",
    ):
        assert expected in shown, expected
    candidate = position.candidates.get()
    assert reverse("staffing:candidate_cv", args=[candidate.pk]) in response.content.decode()


def test_the_evaluator_sees_each_candidate_with_their_cv(client, people, theme):
    position = open_position(client, people["coordinator"], theme)
    register_all(client, position, people["assistant"])
    response = task_page(client, people["deputy"], position)
    shown = text(response)
    assert "2 candidaturas por evaluar" in shown
    assert "Candidatura 2 · Carlos Eduardo Mendoza" in shown
    for candidate in position.candidates.all():
        assert reverse("staffing:candidate_cv", args=[candidate.pk]) in response.content.decode()


def fieldsets(content):
    """{legend: the labels of its fields} for each candidate's group of the form."""
    found = {}
    for block in re.findall(r'<fieldset class="candidate-scores".*?</fieldset>', content, re.S):
        legend = html.unescape(re.search(r"<legend>(.*?)</legend>", block, re.S).group(1))
        labels = re.findall(r"<label[^>]*>(.*?)</label>", block, re.S)
        found[" ".join(legend.split())] = [html.unescape(label) for label in labels]
    return found


def test_each_candidates_scores_are_grouped_under_their_name(client, people, theme):
    position = open_position(client, people["coordinator"], theme)
    register_all(client, position, people["assistant"])
    client.force_login(people["deputy"])
    claim(client, open_task(Process.for_subject(position)))
    content = task_page(client, people["deputy"], position).content.decode()
    short = [
        "Conocimientos requeridos por el perfil",
        "Experiencia pertinente",
        "Adecuación a la red o al proyecto",
        "Notas con respecto al perfil",
    ]
    assert fieldsets(content) == {
        "Candidatura 1 · Ana Beatriz Salcedo": short,
        "Candidatura 2 · Carlos Eduardo Mendoza": short,
    }


def test_the_evaluation_form_names_candidates_only_to_coordination_staff(people, theme, client):
    """Read by someone without the personal-data permission, the legends give the number."""
    from staffing.forms import EvaluationForm
    from tests.conftest import make_user
    from workflows.roles import Role

    position = open_position(client, people["coordinator"], theme)
    register_all(client, position, people["assistant"])
    task = open_task(Process.for_subject(position))
    outsider = make_user("fac_x", Role.FACILITATOR)
    legends = [
        legend for _c, legend, _f in EvaluationForm(task=task, user=outsider).candidate_groups()
    ]
    assert legends == ["Candidatura 1", "Candidatura 2"]
    rendered = EvaluationForm(task=task, user=outsider).as_p()
    assert "Salcedo" not in rendered and "Mendoza" not in rendered


def evaluated(client, people, theme):
    position = open_position(client, people["coordinator"], theme)
    register_all(client, position, people["assistant"])
    evaluate_all(client, position, people["deputy"], scores={1: (3, 3, 2), 2: (5, 4, 5)})
    return position


def test_the_decider_sees_the_candidates_ranked_with_scores_notes_and_cvs(client, people, theme):
    position = evaluated(client, people, theme)
    response = task_page(client, people["coordinator"], position)
    shown = text(response)
    # Deciding, the position reads as evaluated, and the button says what it records.
    assert "Estado Evaluado: decisión pendiente" in shown
    assert "En evaluación de candidatos" not in shown
    claim(client, open_task(Process.for_subject(position)))
    response = task_page(client, people["coordinator"], position)
    assert re.search(r'id="complete">\s*Registrar la decisión\s*<', response.content.decode())
    # Ranked by total: candidate 2 (14/15) first, with each criterion.
    ranking = shown.split("Candidaturas según su evaluación")[1]
    assert ranking.index("Carlos Eduardo Mendoza") < ranking.index("Ana Beatriz Salcedo")
    assert "1 Candidatura 2 · Carlos Eduardo Mendoza 14/15 5 4 5 Descargar el currículo" in shown
    assert "2 Candidatura 1 · Ana Beatriz Salcedo 8/15 3 3 2 Descargar el currículo" in shown
    assert "Notas de la evaluación: Notas sobre Carlos Eduardo Mendoza" in shown
    assert "Evaluación de adjunto" in shown
    for candidate in position.candidates.all():
        assert reverse("staffing:candidate_cv", args=[candidate.pk]) in response.content.decode()


def test_an_auditor_reads_the_decision_page_without_personal_data(client, people, theme, auditor):
    position = evaluated(client, people, theme)
    response = task_page(client, auditor, position)
    shown, content = text(response), response.content.decode()
    assert "1 Candidatura 2 14/15 5 4 5" in shown and "2 Candidatura 1 8/15 3 3 2" in shown
    for data in CANDIDATES:
        for value in data.values():
            assert value not in content, value
    assert "Notas sobre" not in content
    assert "/cv/" not in content
    assert "Cada candidatura se muestra por su número" in shown
    assert 'name="decision"' not in content  # reading only


def test_the_contract_step_shows_the_decision_and_then_the_signed_pdf(
    client, people, theme, auditor, django_capture_on_commit_callbacks
):
    position = evaluated(client, people, theme)
    chosen = position.candidates.get(number=2)
    decide(
        client,
        position,
        people["coordinator"],
        decision="hire",
        candidate=chosen.pk,
        comment="Mejor puntuación.",
    )
    task = open_task(Process.for_subject(position))
    response = task_page(client, people["assistant"], position)
    shown = text(response)
    assert "Candidatura 2 · Carlos Eduardo Mendoza · 14/15 en la evaluación" in shown
    assert "Mejor puntuación." in shown and "Aún no registrado." in shown

    record_contract(client, position, people["assistant"], django_capture_on_commit_callbacks)
    url = reverse("workflows:task_detail", args=[task.pk])
    contract_url = reverse("staffing:position_contract", args=[position.pk])
    page = client.get(url)
    assert contract_url in page.content.decode()
    assert "Descargar el contrato firmado (PDF)" in text(page)
    download = client.get(contract_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    client.force_login(auditor)
    page = client.get(url)
    assert "Carlos Eduardo" not in page.content.decode()
    assert contract_url not in page.content.decode()
    assert client.get(contract_url).status_code == 403


def queries(client, user, position):
    task = open_task(Process.for_subject(position))
    client.force_login(user)
    url = reverse("workflows:task_detail", args=[task.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_every_hiring_page_reads_as_much_for_five_candidates_as_for_one(client, people, theme):
    def with_candidates(count, title):
        position = open_position(client, people["coordinator"], theme, title=title)
        client.force_login(people["assistant"])
        for n in range(count):
            data = {**CANDIDATES[0], "email": f"persona{n}@correo.example"}
            add_candidate(client, position, {**data, "full_name": f"Persona {n}"})
        return position

    def same(user, positions):
        for position in positions:
            task = open_task(Process.for_subject(position))
            if task.owner_id is None:
                client.force_login(user)
                claim(client, task)
        assert queries(client, user, positions[0]) == queries(client, user, positions[1])

    one, five = with_candidates(1, "Uno"), with_candidates(5, "Cinco")
    same(people["assistant"], (one, five))  # the registration, with its candidates so far
    for position in (one, five):
        complete(client, open_task(Process.for_subject(position)), {"confirm": "on", "comment": ""})
    same(people["deputy"], (one, five))

    for position in (one, five):
        scores = {n: (5 - n % 5, 3, 4) for n in range(1, 6)}
        evaluate_all(client, position, people["deputy"], scores=scores)
        assert open_task(Process.for_subject(position)).flow_task.name == "decide"
    same(people["coordinator"], (one, five))

    for position in (one, five):
        first = position.candidates.get(number=1)
        decide(client, position, people["coordinator"], decision="hire", candidate=first.pk)
    same(people["assistant"], (one, five))  # the contract, with the chosen candidate
