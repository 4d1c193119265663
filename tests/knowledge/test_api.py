"""The cases-at-work API (``/api/knowledge/case-files/``): every state, to the people the
case pages show a case to; the public library's API stays published cases only."""

# The shared fixtures are imported by name and taken as parameters.
# ruff: noqa: F811

import pytest
from django.utils import timezone

from knowledge.models import Case
from knowledge.services import register_case
from tests.api_reads import (  # noqa: F401  (fixtures)
    as_,
    conforms,
    listed,
    module_media,
    queries,
    world,
    world_media,
)
from tests.knowledge.conftest import registration

pytestmark = pytest.mark.django_db

LIST = "/api/knowledge/case-files/"

# Which of the world's cases each caller reads: the published one (A's), A's case in
# systematisation (registered by A's officer) and B's registered case.
SEES = {
    "coordinator": {"case_public", "case_a", "case_b"},
    "auditor": {"case_public", "case_a", "case_b"},
    "curator": {"case_public", "case_a", "case_b"},
    # The theme's specialist sees the theme's cases wherever they are.
    "specialist": {"case_public", "case_a", "case_b"},
    "facilitator": {"case_public", "case_a"},
    "officer": {"case_public", "case_a"},
    "facilitator_b": {"case_public", "case_b"},
    "team_member": {"case_public"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_the_cases_the_pages_show_it(client, world, role):
    as_(client, world, role)
    ids = set(listed(client.get(LIST, {"page_size": 100})))
    for name in ("case_public", "case_a", "case_b"):
        case = getattr(world, name)
        sees = name in SEES[role]
        assert (case.pk in ids) is sees, name
        assert client.get(f"{LIST}{case.pk}/").status_code == (200 if sees else 404), name
        # The case's own page says the same.
        page = client.get(f"/knowledge/cases/{case.pk}/")
        assert page.status_code == (200 if sees else 404), name


def test_anonymous_callers_are_refused_and_the_public_api_is_unchanged(client, world):
    assert client.get(LIST).status_code in (401, 403)
    assert client.get(f"{LIST}{world.case_public.pk}/").status_code in (401, 403)
    public = client.get("/api/knowledge/cases/").json()
    assert [row["id"] for row in public["results"]] == [world.case_public.pk]
    assert client.get(f"/api/knowledge/cases/{world.case_a.pk}/").status_code == 404


def test_a_case_at_work_reads_with_its_state_label_and_working_fields(client, world):
    as_(client, world, "facilitator")
    body = client.get(f"{LIST}{world.case_a.pk}/").json()
    case = Case.objects.get(pk=world.case_a.pk)
    assert body["title"] == "Catastro comunitario"
    assert body["state"] == case.state
    labels = {"registered": "Registrado", "in_systematisation": "En sistematización"}
    assert body["state_label"] == labels[case.state]
    assert body["municipality_code"] == world.mun_a.code
    assert body["federal_entity"] == world.region_a.name
    assert body["registered_by"] == "off_a"
    assert body["published_at"] is None
    assert body["url"].endswith(f"/knowledge/cases/{case.pk}/")
    assert body["created"] == timezone.localtime(case.created).isoformat()


def test_filters_by_state_theme_and_municipality(client, world):
    as_(client, world, "coordinator")
    assert listed(client.get(LIST, {"state": "published"})) == [world.case_public.pk]
    by_municipality = set(listed(client.get(LIST, {"municipality": world.mun_b.code})))
    assert by_municipality == {world.case_b.pk}
    assert listed(client.get(LIST, {"theme": "finanzas-municipales"})) == []


@pytest.mark.parametrize("role", ["coordinator", "facilitator", "specialist"])
def test_the_list_reads_in_a_fixed_number_of_queries(client, world, role):
    as_(client, world, role)
    few = queries(client, LIST)
    theme = world.case_a.theme
    for number in range(5):
        register_case(
            world.people.officer, registration(world.mun_a, theme, title=f"Caso {number}")
        )
    assert len(listed(client.get(LIST))) >= 7
    assert queries(client, LIST) == few


def test_answers_match_the_openapi_schema(client, world):
    as_(client, world, "coordinator")
    conforms(client, "/api/knowledge/case-files/", LIST)
    conforms(client, "/api/knowledge/case-files/{id}/", f"{LIST}{world.case_a.pk}/")
