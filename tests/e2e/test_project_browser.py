"""A special project decided in a real browser: the proposal on the approval page, a return
that comes back filled in, what changed in the second round, milestones that read apart."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from specialprojects import services
from specialprojects.models import Project, ProjectLine
from workflows import services as tasks
from workflows.models import Process
from workflows.roles import Role

from ..conftest import make_user
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MILESTONES = ["Plantilla publicada", "Primera carga de datos", "Tablero de entregas"]


def open_task(project, name):
    (task,) = [
        t for t in tasks.open_human_tasks(Process.for_subject(project)) if t.flow_task.name == name
    ]
    return task


def diagram_current(page):
    """The titles of the steps the process page's diagram marks as current."""
    return page.locator("svg.flowchart-svg g.node.current > title").all_text_contents()


def test_project_decided_returned_and_delivered_in_the_browser(live_server, browser, coordinator):
    base = live_server.url
    lead = make_user("esp_lider", Role.SPECIALIST, first_name="Laura", last_name="Martínez")
    colleague = make_user("esp_equipo", Role.SPECIALIST, first_name="Carlos", last_name="Mendoza")
    today = timezone.localdate()
    line = ProjectLine.objects.create(name="Finanzas")
    project = services.define_project(coordinator, line, "Finanzas municipales", lead)
    tasks.take_and_complete(
        open_task(project, "draft_proposal"),
        lead,
        {
            "objectives": "Publicar los datos fiscales de los municipios miembros.",
            "expected_results": "Cuarenta municipios con datos publicados.",
            "indicators": [("Municipios con datos publicados", "municipios", 0, Decimal(40))],
            "milestones": [
                (today, today + datetime.timedelta(days=30 * (n + 1)), name, f"Informe {n + 1}")
                for n, name in enumerate(MILESTONES)
            ],
            "municipalities": [],
            "budget": Decimal("150000"),
            "risks": "Conectividad.",
        },
    )
    tasks.take_and_complete(
        open_task(project, "form_team"), coordinator, {"members": [(colleague, "specialist", "")]}
    )
    tasks.take_and_complete(
        open_task(project, "confirm_participation"), colleague, {"accept": "yes"}
    )
    approval = open_task(project, "approve_project")

    page = browser.new_page()
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:task_detail', args=[approval.pk])}")
    panel = page.locator("#subject")
    assert "Plantilla publicada" in panel.inner_text()  # a milestone, on the approval page
    target = panel.locator("#panel-indicators tbody tr").first.locator("td").nth(2)
    assert target.inner_text() == "40"  # the indicator's target
    assert "Carlos Mendoza" in panel.inner_text()
    page.click("#claim")
    page.check("input[value=return]")
    page.fill("#id_comment", "Subir la meta a 80 municipios.")
    page.click("#complete")
    page.wait_for_selector("svg.flowchart-svg")
    current = diagram_current(page)
    assert len(current) == 1 and current[0].startswith("Redactar la propuesta del proyecto")
    assert Project.objects.get(pk=project.pk).state == Project.State.RETURNED

    # The lead's rework, on a phone, opens with the reviewer's comment and the proposal
    # filled in.
    page.close()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    login(page, base, "esp_lider")
    draft = open_task(project, "draft_proposal")
    page.goto(f"{base}{reverse('workflows:task_detail', args=[draft.pk])}")
    assert "Subir la meta a 80 municipios." in page.locator("#returned").inner_text()
    assert page.input_value("#id_objectives") == (
        "Publicar los datos fiscales de los municipios miembros."
    )
    # Rows of fields, filled in as people write them; the budget with its separators.
    assert page.input_value("#id_indicators-0-name") == "Municipios con datos publicados"
    assert page.input_value("#id_indicators-0-target") == "40"
    assert page.input_value("#id_budget") == "150.000,00"
    assert page.input_value("#id_milestones-2-title") == "Tablero de entregas"
    page.fill("#id_indicators-0-target", "1.500")  # fifteen hundred, as typed here
    # "Add another" copies a blank row after the spare ones, numbered after them.
    page.click("button[data-add-row=milestones]")
    assert page.locator("#milestones-row-6 legend").inner_text() == "Hito 6"
    page.fill("#id_milestones-5-title", "Informe final")
    page.fill("#id_milestones-5-deliverable", "Informe de cierre")
    page.fill("#id_milestones-5-starts_on", (today + datetime.timedelta(days=100)).isoformat())
    page.fill("#id_milestones-5-due_on", (today + datetime.timedelta(days=120)).isoformat())
    form = page.locator("section.task-form")
    assert form.evaluate("card => card.scrollWidth <= card.clientWidth")  # nothing sideways
    page.click("#complete")
    page.wait_for_selector("svg.flowchart-svg")
    # The team stands: the rework goes straight back to the decision.
    current = diagram_current(page)
    assert len(current) == 1 and current[0].startswith("Aprobar o devolver el proyecto")
    assert [m.title for m in Project.objects.get(pk=project.pk).milestones.all()][-1] == (
        "Informe final"
    )
    assert Project.objects.get(pk=project.pk).indicators.get().target == 1500

    second = open_task(project, "approve_project")
    assert second.owner == coordinator

    page.close()
    page = browser.new_page()
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:task_detail', args=[second.pk])}")
    changes = page.locator("#changes").inner_text()
    assert "Municipios con datos publicados — municipios — 0 — 40" in changes
    assert "Municipios con datos publicados — municipios — 0 — 1.500" in changes
    target = page.locator("#panel-indicators tbody tr").first.locator("td").nth(2)
    assert target.inner_text() == "1.500"
    assert "Informe final — Informe de cierre" in changes
    page.check("input[value=approve]")
    page.click("#complete")
    page.wait_for_selector("svg.flowchart-svg")
    assert all(title.startswith("Entregar el hito") for title in diagram_current(page))
    assert Project.objects.get(pk=project.pk).state == Project.State.IN_EXECUTION

    # Three milestone tasks, each titled with its milestone, in the lead's inbox.
    page.click("text=Cerrar sesión")
    login(page, base, "esp_lider")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    inbox = page.locator("main").inner_text()
    for name in MILESTONES:
        assert f"Entregar el hito: {name}" in inbox, name
    page.locator("main a", has_text="Entregar el hito: Primera carga de datos").first.click()
    assert page.locator("h1").inner_text() == "Entregar el hito: Primera carga de datos"
    assert "Informe 2" in page.locator("#panel-milestone").inner_text()
    assert "Plantilla publicada" not in page.locator("#subject").inner_text()
