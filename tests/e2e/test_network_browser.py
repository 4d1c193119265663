"""A network proposal reviewed, returned and revised in a real browser (Debian Chromium)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Municipality
from networks import services
from networks.models import Network, Theme
from workflows import services as tasks
from workflows.models import Process
from workflows.roles import Role

from ..conftest import make_user, open_task
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

OBJECTIVES = "Compartir prácticas de recaudación entre alcaldías."
REVISED = "Aumentar la recaudación propia un 20 % en dos años."


def test_the_proposal_is_returned_revised_and_reviewed_again_in_the_browser(
    live_server, browser, coordinator, region_a
):
    lead = make_user("esp_red", Role.SPECIALIST, first_name="Ana", last_name="Rivas")
    targets = list(Municipality.objects.filter(region=region_a).order_by("code")[:2])
    Municipality.objects.filter(pk__in=[m.pk for m in targets]).update(is_member=True)
    network = services.propose(
        lead,
        {
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "name": "Red de finanzas municipales",
            "sector": "Hacienda",
            "objectives": OBJECTIVES,
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": targets,
        },
    )
    process = Process.for_subject(network)
    base = live_server.url
    page = browser.new_page()

    # The coordinator decides on the page: the proposal is above the decision.
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:queue')}")
    page.click("text=Aprobar o devolver la propuesta de red")
    page.click("#claim")
    subject = page.locator("#subject").inner_text()
    assert OBJECTIVES in subject and "Ana Rivas" in subject
    assert region_a.name in subject and all(m.name in subject for m in targets)
    page.check("input[value=return]")
    page.fill("#id_comment", "Precise una meta medible")
    page.click("#complete")
    assert open_task(process).flow_task.name == "revise_proposal"

    # The lead's revision opens filled in, under the reviewer's comment.
    page.click("text=Cerrar sesión")
    login(page, base, "esp_red")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    page.click("text=Revisar la propuesta de red")
    assert "Precise una meta medible" in page.locator("#returned").inner_text()
    assert page.input_value("#id_objectives") == OBJECTIVES
    assert page.input_value("#id_name") == "Red de finanzas municipales"
    chosen = page.eval_on_selector(
        "#id_target_municipalities", "s => [...s.selectedOptions].map(o => Number(o.value))"
    )
    assert sorted(chosen) == sorted(m.pk for m in targets)
    page.fill("#id_objectives", REVISED)
    page.click("#complete")

    # The second review lists what changed; the diagram marks the review as current.
    page.click("text=Cerrar sesión")
    login(page, base, "coord")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    page.click("text=Aprobar o devolver la propuesta de red")
    changes = page.locator("#changes").inner_text()
    assert OBJECTIVES in changes and REVISED in changes and "Objetivos" in changes
    assert REVISED in page.locator("#subject").inner_text()

    page.goto(f"{base}{reverse('workflows:process_detail', args=[process.pk])}")
    current = page.locator("svg.flowchart-svg g.node.step.current")
    assert current.count() == 1
    assert "Aprobar o devolver la propuesta de red" in current.text_content()


def test_a_facilitator_records_the_answers_on_a_phone(
    live_server, browser, coordinator, facilitator_a, region_a
):
    """Each municipality is a group named after it; only those that answered need a tap."""
    lead = make_user("esp_red", Role.SPECIALIST)
    targets = list(Municipality.objects.filter(region=region_a).order_by("name")[:3])
    Municipality.objects.filter(pk__in=[m.pk for m in targets]).update(is_member=True)
    network = services.propose(
        lead,
        {
            "theme": Theme.objects.get(slug="finanzas-municipales"),
            "name": "Red de finanzas municipales",
            "sector": "",
            "objectives": OBJECTIVES,
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": targets,
        },
    )
    process = Process.for_subject(network)
    tasks.take_and_complete(open_task(process), coordinator, {"decision": "approve", "comment": ""})
    tasks.take_and_complete(
        open_task(process),
        lead,
        {
            "concept": "Aprendizaje entre pares.",
            "work_plan": "Tres encuentros.",
            "activities": "",
            "calendar": [],
            "invitation_deadline": timezone.localdate() + datetime.timedelta(days=20),
            "comment": "",
        },
    )
    invite = open_task(process)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    login(page, base, "fac_a")
    page.goto(f"{base}{reverse('workflows:task_detail', args=[invite.pk])}")
    first, second, third = targets
    group = page.get_by_role("group", name=first.name)
    assert group.get_by_role("radio", name="Sin respuesta").is_checked()
    group.get_by_role("radio", name="Aceptada").click()
    page.get_by_role("group", name=second.name).get_by_role("radio", name="Rechazada").click()
    page.get_by_role("textbox", name=f"Nota sobre {second.name}").fill("Sin personal este año")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#complete")

    answers = {i.municipality_id: (i.answer, i.note) for i in network.invitations.all()}
    assert answers == {
        first.pk: ("accepted", ""),
        second.pk: ("declined", "Sin personal este año"),
        third.pk: ("no_answer", ""),
    }
    network.refresh_from_db()
    assert network.state == Network.State.ACTIVE
