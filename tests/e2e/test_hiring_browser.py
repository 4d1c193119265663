"""A hire decided in a real browser: the ranked candidates with their scores on the
decision page, then the contract step with the choice, and the diagram following."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from networks.models import Theme
from staffing import services
from staffing.models import Position
from workflows import services as tasks
from workflows.roles import Role

from ..conftest import make_user, pdf_bytes
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PEOPLE = [
    ("Ana Beatriz Salcedo", "ana@correo.example"),
    ("Carlos Mendoza", "carlos@correo.example"),
]


def diagram_current(page):
    return page.locator("svg.flowchart-svg g.node.current > title").all_text_contents()


def test_the_coordinator_decides_the_hire_in_the_browser(live_server, browser, coordinator):
    base = live_server.url
    deputy = make_user("adjunto", Role.DEPUTY_COORDINATOR, first_name="Luis", last_name="Pérez")
    assistant = make_user("asistente", Role.ASSISTANT)
    position, process = services.open_position(
        coordinator,
        {
            "title": "Especialista en catastro",
            "profile": "Acompañar a los municipios en la actualización de su catastro.",
            "expertise": "Catastro urbano, valoración de inmuebles.",
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "project_name": "Catastro urbano multifinalitario",
            "term_months": 12,
        },
    )
    for full_name, email in PEOPLE:
        services.register_candidate(
            position,
            assistant,
            {
                "full_name": full_name,
                "email": email,
                "phone": "",
                "cv": SimpleUploadedFile("cv.pdf", pdf_bytes(), "application/pdf"),
            },
        )
    (registration,) = tasks.open_human_tasks(process)
    tasks.take_and_complete(registration, assistant, {"confirm": True, "comment": ""})
    first, second = position.candidates.order_by("number")
    (evaluation,) = tasks.open_human_tasks(process)
    tasks.take_and_complete(
        evaluation,
        deputy,
        {
            "scores": {
                first.pk: {"expertise": 3, "experience": 3, "fit": 2, "notes": "Poca práctica."},
                second.pk: {"expertise": 5, "experience": 4, "fit": 5, "notes": "Sólido."},
            },
            "comment": "",
        },
    )
    (decision,) = tasks.open_human_tasks(process)

    page = browser.new_page()
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:process_detail', args=[process.pk])}")
    current = diagram_current(page)
    assert len(current) == 1 and current[0].startswith("Decidir la contratación")

    page.goto(f"{base}{reverse('workflows:task_detail', args=[decision.pk])}")
    ranking = page.locator("#panel-ranking")
    best = ranking.locator("#ranked-2")
    assert "Carlos Mendoza" in best.inner_text() and "14/15" in best.inner_text()
    assert "Sólido." in ranking.inner_text()  # the evaluator's notes, for coordination
    rows = ranking.locator("tbody tr[id^=ranked-]")
    assert rows.first.get_attribute("id") == "ranked-2"  # ranked by total
    assert "8/15" in ranking.locator("#ranked-1").inner_text()
    assert "Evaluado: decisión pendiente" in page.locator("#panel-position").inner_text()
    page.click("#claim")
    assert page.locator("#complete").inner_text() == "Registrar la decisión"
    page.check("input[name=decision][value=hire]")
    page.check(f"input[name=candidate][value='{second.pk}']")
    page.fill("#id_comment", "Candidato 2: mejor puntuación.")
    page.click("#complete")
    page.wait_for_selector("svg.flowchart-svg")
    current = diagram_current(page)
    assert len(current) == 1 and current[0].startswith("Registrar el contrato firmado")
    position.refresh_from_db()
    assert position.state == Position.State.DECIDED and position.hired == second

    # The contract step shows the choice to the assistant who records it.
    page.click("text=Cerrar sesión")
    login(page, base, "asistente")
    page.goto(f"{base}{reverse('workflows:process_detail', args=[process.pk])}")
    page.locator("#process-tasks a", has_text="Registrar el contrato firmado").click()
    hired = page.locator("#panel-hired").inner_text()
    assert "Carlos Mendoza" in hired and "14/15" in hired
    assert "Candidato 2: mejor puntuación." in page.locator("#subject").inner_text()
