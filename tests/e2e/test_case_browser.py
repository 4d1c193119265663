"""A case curated, returned, reworked in the guided form and curated again in a real browser."""

import pytest
from django.urls import reverse

from knowledge.models import Case
from networks.models import Theme
from workflows import services as tasks
from workflows.models import Process
from workflows.roles import Role

from ..conftest import make_user, open_task
from ..knowledge.conftest import STEP_DATA, register
from ..knowledge.helpers import systematise
from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REFLECTION = STEP_DATA[4]["case-reflection"]
REWORKED = "Funcionó porque las comunidades fijaron los horarios y los vigilan."
SUMMARY = "Rutas de recolección de desechos sólidos acordadas con cada consejo comunal."


def test_curation_returns_the_case_and_the_specialist_reworks_it_in_the_browser(
    live_server, browser, facilitator_a, municipality_a
):
    theme = Theme.objects.get(slug="servicios-publicos")
    specialist = make_user("esp_servicios", Role.SPECIALIST, first_name="Luis", last_name="Mora")
    theme.specialists.add(specialist)
    make_user("curadora", Role.KNOWLEDGE_CURATOR)
    case = register(facilitator_a, municipality_a, theme)
    systematise(case, specialist)
    process = Process.for_subject(case)
    tasks.complete(open_task(process), specialist, {"comment": "Listo"})
    base = live_server.url
    page = browser.new_page()

    # The curator reads the whole case above the criteria and returns it.
    login(page, base, "curadora")
    page.goto(f"{base}{reverse('workflows:queue')}")
    page.click("text=Revisar el caso en curaduría")
    page.click("#claim")
    subject = page.locator("#subject").inner_text()
    assert REFLECTION in subject and "Primera ruta concertada" in subject
    assert "Cobertura de recolección" in subject
    assert "Listo" in page.locator("#previous-note").inner_text()  # the specialist's note
    assert not page.is_checked("#id_public_sector")  # a first round starts unticked
    page.click("label[for=id_public_sector]")  # the sentence ticks its box
    page.check("input[value=return]")
    page.fill("#id_comment", "El resumen habla del catastro; profundice la reflexión crítica")
    page.click("#complete")
    assert Case.objects.get(pk=case.pk).state == Case.State.RETURNED

    # The specialist's task opens with the comment and leads into the guided form.
    page.click("text=Cerrar sesión")
    login(page, base, "esp_servicios")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    page.click("text=Sistematizar el caso")
    task_url = page.url
    assert "profundice la reflexión crítica" in page.locator("#returned").inner_text()
    assert page.locator("#case-steps .badge.ok").count() == 5
    # The summary registration set is corrected in the guided form's "Case details".
    page.click("#edit-case-details")
    assert "El resumen habla del catastro" in page.locator("#returned").inner_text()
    page.fill("#id_case-summary", SUMMARY)
    page.click("button[name=next]")
    assert Case.objects.get(pk=case.pk).summary == SUMMARY
    page.click("#steps >> text=4. Reflexión de fondo")
    assert page.input_value("#id_case-reflection") == REFLECTION
    page.fill("#id_case-reflection", REWORKED)
    page.click("button[name=save]")
    # The case is being reworked: what the curation found is still on the task page.
    page.goto(task_url)
    assert (
        "No cumple: Hay evidencia de su impacto" in page.locator("#curation-criteria").inner_text()
    )
    page.goto(f"{base}{reverse('knowledge:systematise', args=[case.pk, 5])}")
    page.fill("#id_comment", "Reflexión ampliada")
    page.click("#send-to-curation")
    assert Case.objects.get(pk=case.pk).state == Case.State.IN_CURATION

    # The second curation shows what changed; the diagram marks curation as current.
    page.click("text=Cerrar sesión")
    login(page, base, "curadora")
    page.goto(f"{base}{reverse('workflows:inbox')}")
    page.click("text=Revisar el caso en curaduría")
    changes = page.locator("#changes").inner_text()
    assert "Reflexión de fondo" in changes and REFLECTION in changes and REWORKED in changes
    assert "Resumen" in changes and SUMMARY in changes
    assert REWORKED in page.locator("#subject").inner_text()
    # The criterion confirmed in the first round stays ticked; the others wait.
    assert page.is_checked("#id_public_sector") and not page.is_checked("#id_impact")

    page.goto(f"{base}{reverse('workflows:process_detail', args=[process.pk])}")
    current = page.locator("svg.flowchart-svg g.node.step.current")
    assert current.count() == 1 and "Revisar el caso en curaduría" in current.text_content()
