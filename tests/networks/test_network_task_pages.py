"""What each step of the network setup shows its person, and what a second review lists."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Municipality
from networks import services
from networks.flows import NetworkFlow
from networks.forms import PostForm
from networks.models import Network, Theme
from tests.conftest import make_user
from workflows import services as tasks
from workflows.display import Reader
from workflows.models import AuditEvent, Process, Task
from workflows.roles import Role

pytestmark = pytest.mark.django_db

OBJECTIVES = "Compartir prácticas de recaudación entre alcaldías."


@pytest.fixture
def lead(db):
    return make_user("esp_red", Role.SPECIALIST, first_name="Ana", last_name="Rivas")


def members(region, count):
    found = list(Municipality.objects.filter(region=region).order_by("code")[:count])
    Municipality.objects.filter(pk__in=[m.pk for m in found]).update(is_member=True)
    return found


def propose(lead, targets, **overrides):
    data = {
        "theme": Theme.objects.get(slug="finanzas-municipales"),
        "name": "Red de finanzas municipales",
        "sector": "Hacienda",
        "objectives": OBJECTIVES,
        "visibility": Network.Visibility.PUBLIC,
        "target_municipalities": targets,
    }
    data.update(overrides)
    return services.propose(lead, data)


def the_task(network):
    (task,) = tasks.open_human_tasks(Process.for_subject(network))
    return task


def page(client, user, task):
    client.force_login(user)
    response = client.get(reverse("workflows:task_detail", args=[task.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def design_data(deadline=None, calendar=None):
    return {
        "concept": "Aprendizaje entre pares sobre catastro.",
        "work_plan": "Tres encuentros y un banco de soluciones.",
        "activities": "Talleres de catastro.",
        "calendar": calendar
        if calendar is not None
        else [(datetime.date(2027, 2, 15), "Primer encuentro")],
        "invitation_deadline": deadline or timezone.localdate() + datetime.timedelta(days=20),
        "comment": "",
    }


def test_the_coordinator_reviews_the_proposal_on_the_task_page(
    client, lead, coordinator, region_a, region_b
):
    targets = members(region_a, 2) + members(region_b, 1)
    network = propose(lead, targets)
    review = the_task(network)
    tasks.claim(review, coordinator)
    text = page(client, coordinator, review)

    assert OBJECTIVES in text
    assert "Red de finanzas municipales" in text and "Hacienda" in text
    assert network.theme.name in text
    assert "Ana Rivas" in text  # the proposing specialist
    assert network.get_visibility_display() in text
    # The municipalities, by state: each state's heading, then its names.
    for state in (region_a.name, region_b.name):
        assert f"<h4>{state}</h4>" in text
    for municipality in targets:
        assert municipality.name in text
    assert text.index(region_a.name) < text.index(targets[0].name) < text.index(region_b.name)
    assert 'value="approve"' in text and 'value="return"' in text


def test_a_returned_proposal_opens_filled_in_and_the_second_review_lists_the_changes(
    client, lead, coordinator, region_a, region_b
):
    first, second = members(region_a, 2)
    zulia = members(region_b, 1)[0]
    network = propose(lead, [first, second])
    tasks.take_and_complete(
        the_task(network), coordinator, {"decision": "return", "comment": "Precise las metas"}
    )
    revision = the_task(network)
    assert revision.flow_task.name == "revise_proposal" and revision.owner == lead

    client.force_login(lead)
    response = client.get(reverse("workflows:task_detail", args=[revision.pk]))
    form = response.context["form"]
    assert form["objectives"].value() == OBJECTIVES
    assert form["name"].value() == network.name and form["sector"].value() == "Hacienda"
    assert form["theme"].value() == network.theme_id
    assert form["visibility"].value() == Network.Visibility.PUBLIC
    assert sorted(form["target_municipalities"].value()) == sorted([first.pk, second.pk])
    text = html.unescape(response.content.decode())
    assert 'id="returned"' in text and "Precise las metas" in text
    assert OBJECTIVES in text  # inside the textarea: nothing to type again

    other_theme = Theme.objects.exclude(pk=network.theme_id).first()
    response = client.post(
        reverse("workflows:task_detail", args=[revision.pk]),
        {
            "theme": other_theme.pk,
            "name": network.name,
            "sector": "Hacienda municipal",
            "objectives": "Aumentar la recaudación propia un 20 %.",
            "visibility": Network.Visibility.PUBLIC,
            "target_municipalities": [first.pk, zulia.pk],
            "comment": "Metas precisadas",
        },
    )
    assert response.status_code == 302
    edit = AuditEvent.objects.get(action="network.edited")
    assert edit.before["objectives"] == OBJECTIVES
    assert sorted(edit.after["target_municipalities"]) == sorted([first.pk, zulia.pk])
    assert set(edit.after) == {"theme", "sector", "objectives", "target_municipalities"}

    review = the_task(network)
    assert review.flow_task.name == "review_proposal"
    client.force_login(coordinator)
    response = client.get(reverse("workflows:task_detail", args=[review.pk]))
    changes = {c.key: c for c in response.context["round"]["changes"]}
    assert set(changes) == {"theme", "sector", "objectives", "target_municipalities"}
    assert changes["objectives"].before == OBJECTIVES
    assert changes["objectives"].after == "Aumentar la recaudación propia un 20 %."
    assert changes["theme"].after == other_theme.name
    assert zulia.name in changes["target_municipalities"].after
    assert zulia.name not in changes["target_municipalities"].before
    text = html.unescape(response.content.decode())
    assert 'id="changes"' in text and "Objetivos" in text and "Municipios convocados" in text
    # The panel shows the proposal as it stands now.
    assert "Aumentar la recaudación propia un 20 %." in text and f"<h4>{region_b.name}</h4>" in text
    # The lead's note with the revision: the engine's card, once.
    note = text[text.index('id="previous-note"') : text.index('id="subject"')]
    assert "Metas precisadas" in note and text.count("Metas precisadas") == 1

    # The first review, read now, shows its own round: no note written after it.
    first = Task.objects.get(
        process=Process.for_subject(network), flow_task=NetworkFlow.review_proposal, status="DONE"
    )
    text = page(client, coordinator, first)
    assert "Metas precisadas" not in text and "Precise las metas" in text


def test_the_design_shows_the_approved_proposal_and_opens_with_a_saved_design(
    client, lead, coordinator, region_a
):
    network = propose(lead, members(region_a, 1))
    tasks.take_and_complete(
        the_task(network), coordinator, {"decision": "approve", "comment": "Adelante con la red."}
    )
    design = the_task(network)
    text = page(client, lead, design)
    assert OBJECTIVES in text
    assert 'id="network-approval"' in text
    # The approver's comment is the engine's note from the step before: shown once.
    note = text[text.index('id="previous-note"') : text.index('id="subject"')]
    assert "Adelante con la red." in note and text.count("Adelante con la red.") == 1

    Network.objects.filter(pk=network.pk).update(
        concept="Red de pares", work_plan="Encuentros trimestrales"
    )
    network.calendar.create(date=datetime.date(2027, 3, 1), title="Lanzamiento")
    form = client.get(reverse("workflows:task_detail", args=[design.pk])).context["form"]
    assert form["concept"].value() == "Red de pares"
    assert form["work_plan"].value() == "Encuentros trimestrales"
    assert form["calendar"].value() == "01/03/2027: Lanzamiento"


def test_each_invitation_task_names_its_territory_and_shows_the_network(
    client, lead, coordinator, facilitator_a, facilitator_b, region_a, region_b
):
    mine, theirs = members(region_a, 2), members(region_b, 1)
    network = propose(lead, mine + theirs)
    tasks.take_and_complete(the_task(network), coordinator, {"decision": "approve", "comment": ""})
    deadline = timezone.localdate() + datetime.timedelta(days=20)
    tasks.take_and_complete(the_task(network), lead, design_data(deadline))

    invites = {t.owner: t for t in tasks.open_human_tasks(Process.for_subject(network))}
    assert invites[facilitator_a].title.endswith(f": {region_a.name}")
    assert invites[facilitator_b].title.endswith(f": {region_b.name}")

    text = page(client, facilitator_a, invites[facilitator_a])
    assert f"<h1>{invites[facilitator_a].title}</h1>" in text
    for shown in (
        OBJECTIVES,
        "Aprendizaje entre pares sobre catastro.",
        "Tres encuentros y un banco de soluciones.",
        "Primer encuentro",
        "15/02/2027",
        deadline.strftime("%d/%m/%Y"),
        "Ana Rivas",
    ):
        assert shown in text, shown
    batch = text[text.index('id="batch-municipalities"') :]
    batch = batch[: batch.index("</table>")]
    assert all(m.name in batch for m in mine) and theirs[0].name not in batch

    # Each municipality's answer is a group named after it, starting at "no answer",
    # with a note that says which municipality it is about.
    form = text[text.index('id="form-title"') :]
    for municipality in mine:
        group = form[form.index(f'id="answer-{municipality.pk}"') :]
        group = group[: group.index("</fieldset>")]
        assert f"<legend>{municipality.name} " in group
        checked = rf'name="answer_{municipality.pk}" value="no_answer"[^>]*checked'
        assert re.search(checked, group)
        assert f"Nota sobre {municipality.name}" in group
        assert f'<label for="id_note_{municipality.pk}">' in group
    assert "Nota:" not in form and ">Nota<" not in form


def test_batches_of_one_state_name_their_facilitators(lead, coordinator, region_a):
    from agreements import scope

    targets = members(region_a, 2)
    for number, target in enumerate(targets, 1):
        user = make_user(
            f"fac_{number}", Role.FACILITATOR, first_name="Facilitador", last_name=str(number)
        )
        scope.grant_facilitator_municipality(user, target, by=coordinator)
    batches = services.invitation_batches(propose(lead, targets))
    assert [b["about"] for b in batches] == [
        f"{region_a.name} (Facilitador 1)",
        f"{region_a.name} (Facilitador 2)",
    ]


def queries(client, user, task):
    client.force_login(user)
    url = reverse("workflows:task_detail", args=[task.pk])
    client.get(url)  # caches warm (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_panels_read_a_fixed_number_of_queries(
    client, lead, coordinator, facilitator_a, region_a
):
    small = propose(lead, members(region_a, 1), name="Red pequeña")
    large = propose(lead, members(region_a, 6), name="Red grande")
    assert queries(client, coordinator, the_task(small)) == queries(
        client, coordinator, the_task(large)
    )

    for network in (small, large):
        tasks.take_and_complete(
            the_task(network), coordinator, {"decision": "approve", "comment": ""}
        )
    assert queries(client, lead, the_task(small)) == queries(client, lead, the_task(large))

    for network, entries in ((small, 1), (large, 5)):
        calendar = [(datetime.date(2027, 1, day + 1), f"Encuentro {day}") for day in range(entries)]
        tasks.take_and_complete(the_task(network), lead, design_data(calendar=calendar))
    assert queries(client, facilitator_a, the_task(small)) == queries(
        client, facilitator_a, the_task(large)
    )


def test_the_calendar_is_recorded_as_dates_and_read_in_the_readers_language(
    lead, coordinator, region_a
):
    network = propose(lead, members(region_a, 1))
    tasks.take_and_complete(the_task(network), coordinator, {"decision": "approve", "comment": ""})
    calendar = [(datetime.date(2027, 2, 15), "Primer encuentro")]
    tasks.take_and_complete(the_task(network), lead, design_data(calendar=calendar))
    edit = AuditEvent.objects.get(action="network.edited")
    assert edit.after["calendar_entries"] == [["2027-02-15", "Primer encuentro"]]
    for language, text in (("es-ve", "15/02/2027"), ("en", "02/15/2027")):
        with translation.override(language):
            read = Reader().text(Network, "calendar_entries", edit.after["calendar_entries"])
        assert read == f"{text} — Primer encuentro"


def test_a_community_checkbox_comes_before_its_sentence():
    text = PostForm().as_p()
    assert re.search(
        r'<input type="checkbox" name="is_public" id="id_is_public">\s*'
        r'<label for="id_is_public">Visible para el público</label>',
        text,
    )
    assert ":</label>" not in text
