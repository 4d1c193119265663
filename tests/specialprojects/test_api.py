"""The special projects API: the portfolio's scope, milestones in the project, its filters."""

# The shared fixtures are imported by name and taken as parameters.
# ruff: noqa: F811

import datetime

import pytest
from django.utils import timezone

from specialprojects import services
from specialprojects.models import Milestone, ProjectLine
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

LIST = "/api/projects/"

# Which of the world's projects each caller sees, as the portfolio and project pages say:
# coordination staff and auditors all; the lead and the team theirs; others none.
SEES = {
    "coordinator": {"project", "project_other"},
    "auditor": {"project", "project_other"},
    "specialist": {"project", "project_other"},  # the lead of both
    "team_member": {"project"},
    "facilitator": set(),
    "facilitator_b": set(),
}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_the_projects_the_pages_show_it(client, world, role):
    as_(client, world, role)
    ids = set(listed(client.get(LIST)))
    for name in ("project", "project_other"):
        project = getattr(world, name)
        sees = name in SEES[role]
        assert (project.pk in ids) is sees, name
        assert client.get(f"{LIST}{project.pk}/").status_code == (200 if sees else 404), name


def test_anonymous_callers_are_refused(client, world):
    assert client.get(LIST).status_code in (401, 403)
    assert client.get(f"{LIST}{world.project.pk}/").status_code in (401, 403)


def test_a_project_carries_its_milestones_team_and_indicators(client, world):
    as_(client, world, "team_member")
    body = client.get(f"{LIST}{world.project.pk}/").json()
    assert body["title"] == "Finanzas municipales"
    assert body["line_name"] == "Finanzas"
    assert (body["state"], body["state_label"]) == ("in_execution", "En ejecución")
    assert body["budget"] == "1000.00"
    assert body["municipalities"] == [world.mun_a.code]
    (milestone,) = body["milestones"]
    assert milestone["id"] == world.milestone.pk
    assert milestone["title"] == "Plantilla"
    assert milestone["due_on"] == timezone.localdate().isoformat()
    assert milestone["completed_at"] is not None
    assert milestone["is_late"] is False
    assert milestone["deliverable_url"].endswith(
        f"/projects/milestones/{world.milestone.pk}/deliverable/"
    )
    assert (body["milestone_count"], body["milestones_done"], body["milestones_late"]) == (1, 1, 0)
    team = {m["username"]: m for m in body["team"]}
    assert team["esp"]["role"] == "lead"
    assert team["equipo"]["answer"] == "confirmed"
    assert team["equipo"]["answer_label"] == "Confirmó su participación"
    (indicator,) = body["indicators"]
    assert (indicator["name"], indicator["current"]) == ("Municipios", "1.00")
    # The deliverable the API points to opens for the same caller.
    assert client.get(milestone["deliverable_url"]).status_code == 200


def late_milestone(project):
    return Milestone.objects.create(
        project=project,
        title="Diagnóstico",
        deliverable="Informe",
        starts_on=datetime.date(2026, 1, 1),
        due_on=datetime.date(2026, 1, 31),
    )


def test_filters_as_the_portfolio(client, world):
    as_(client, world, "coordinator")
    late_milestone(world.project_other)
    assert listed(client.get(LIST, {"late": "true"})) == [world.project_other.pk]
    assert listed(client.get(LIST, {"late": "false"})) == [world.project.pk]
    assert listed(client.get(LIST, {"state": "draft"})) == [world.project_other.pk]
    other_line = ProjectLine.objects.create(name="Catastro")
    assert listed(client.get(LIST, {"line": other_line.pk})) == []
    assert len(listed(client.get(LIST, {"line": world.project.line_id}))) == 2
    # An id no line has lists nothing; a value that is no id is a malformed request.
    assert listed(client.get(LIST, {"line": 10**9})) == []
    for wrong in ("0", "abc", "1e400", str(2**63)):
        assert client.get(LIST, {"line": wrong}).status_code == 400, wrong
    assert client.get(LIST, {"state": "lost"}).status_code == 400
    # A filter given with no value, or a yes/no that is neither, is no filter to guess.
    for name, wrong in (("state", ""), ("late", "null"), ("late", ""), ("line", " ")):
        assert client.get(LIST, {name: wrong}).status_code == 400, (name, wrong)


@pytest.mark.parametrize("role", ["coordinator", "team_member"])
def test_the_list_reads_in_a_fixed_number_of_queries(client, world, role):
    as_(client, world, role)
    few = queries(client, LIST)
    coordinator, lead = world.people.coordinator, world.people.specialist
    for number in range(5):
        project = services.define_project(
            coordinator, world.project.line, f"Proyecto {number}", lead
        )
        late_milestone(project)
        project.municipalities.add(world.mun_a, world.mun_b)
        project.team.create(user=world.people.team_member, role="specialist")
    assert len(listed(client.get(LIST))) >= 6
    assert queries(client, LIST) == few


def test_answers_match_the_openapi_schema(client, world):
    as_(client, world, "coordinator")
    conforms(client, "/api/projects/", LIST)
    conforms(client, "/api/projects/{id}/", f"{LIST}{world.project.pk}/")
