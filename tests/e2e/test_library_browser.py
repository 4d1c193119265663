"""A visitor with no account searches the public case library in a real browser."""

import pytest
from django.urls import reverse

from networks.models import Theme

from ..knowledge.conftest import curator, specialist, theme  # noqa: F401 (fixtures)
from ..knowledge.helpers import publish

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_visitor_searches_the_library(
    live_server,
    browser,
    postgresql,
    facilitator_a,
    facilitator_b,
    municipality_a,
    municipality_b,
    specialist,  # noqa: F811
    curator,  # noqa: F811
    coordinator,
    theme,  # noqa: F811
):
    finance = Theme.objects.get(slug="finanzas-municipales")
    lights = publish(
        facilitator_b,
        municipality_b,
        theme,
        specialist,
        curator,
        coordinator,
        title="Alumbrado público con energía solar",
        summary="Luminarias nuevas en las plazas y avenidas.",
    )
    publish(
        facilitator_a,
        municipality_a,
        finance,
        specialist,
        curator,
        coordinator,
        title="Presupuesto participativo con los consejos comunales",
        summary="Las comunidades deciden la inversión en obras.",
    )

    page = browser.new_page()
    page.goto(f"{live_server.url}{reverse('knowledge:library')}")
    assert page.locator("#total").inner_text() == "2 casos"
    assert "Iniciar sesión" in page.locator("header").inner_text()  # no account needed

    page.fill("#q", "LUMINARIA")  # capitals, singular: finds "Luminarias"
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/knowledge/?q=LUMINARIA*")
    assert page.locator("#total").inner_text() == "1 caso"
    titles = page.locator(".case-result h2").all_inner_texts()
    assert titles == ["Alumbrado público con energía solar"]

    page.click("text=Alumbrado público con energía solar")
    assert page.locator("h1").inner_text() == lights.title
    assert municipality_b.name in page.locator("main").inner_text()

    page.goto(f"{live_server.url}{reverse('knowledge:library')}?q=carreteras+nevadas")
    assert page.locator("#total").inner_text() == "0 casos"
    assert "Ningún caso publicado coincide" in page.locator("main").inner_text()
