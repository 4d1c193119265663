"""A project's figures through its real pages: typed as people here write them, stored as
meant, shown as they were typed; what could mean two things is refused, saying where."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.conftest import make_user
from workflows import services as tasks
from workflows.models import Process, Task
from workflows.roles import Role

from .test_task_pages import define, deliver, do, open_task, page, post_proposal, text

pytestmark = pytest.mark.django_db
MILESTONE = [("Primero", "Informe", "2027-02-01", "2027-03-31")]


@pytest.fixture
def lead(db):
    return make_user("esp_lider", Role.SPECIALIST, first_name="Laura", last_name="Martínez")


def test_a_target_typed_1500_is_stored_as_1500_and_shown_as_1500(client, coordinator, lead):
    project = define(coordinator, lead)
    response = post_proposal(
        client,
        lead,
        open_task(project, "draft_proposal"),
        [("Municipios con datos publicados", "municipios", "4", "1.500")],
        MILESTONE,
        budget="250.000",
    )
    assert response.status_code == 302
    indicator = project.indicators.get()
    assert (indicator.baseline, indicator.target) == (4, 1500)
    assert project.__class__.objects.get(pk=project.pk).budget == Decimal(250000)

    do(project, "form_team", coordinator, {"members": []})
    approval = text(page(client, coordinator, open_task(project, "approve_project")))
    assert "Municipios con datos publicados municipios 4 1.500" in approval
    do(project, "approve_project", coordinator, {"decision": "approve", "comment": ""})

    # The lead reports the current value on a milestone as typed here, too.
    (milestone,) = tasks.open_human_tasks(Process.for_subject(project))
    assert deliver(client, project, milestone, lead, {indicator.pk: "1.200"}).status_code == 302
    indicator.refresh_from_db()
    assert indicator.current == 1200

    detail = text(client.get(project.get_absolute_url()))
    assert "1.200 / 1.500 municipios (línea de base 4)" in detail
    assert "250.000,00" in detail  # money keeps its cents
    pdf = client.get(reverse("specialprojects:one_pager", args=[project.pk]))
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Municipios con datos publicados 4 1.500 1.200" in pdf_text
    assert "4,00" not in pdf_text and "1.500,00" not in pdf_text  # a count has no decimals
    assert "250.000,00" in pdf_text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (
            "1,500",
            "Meta: «1,500» se puede leer como 1.500 o como 1,5; escriba el que corresponda.",
        ),
        ("1.5", "Meta: escriba 1,5 (coma antes de los decimales y punto entre los miles)."),
        (
            "1.500.75",
            "Meta: escriba 1.500,75 (coma antes de los decimales y punto entre los miles).",
        ),
        ("1.50.000", "Meta: separe los miles con un punto cada tres cifras, como en 150.000."),
        ("mil", "Meta: escriba un número, como 1.500,75."),
    ],
)
def test_a_target_that_could_mean_two_things_is_refused_saying_what_to_write(
    client, coordinator, lead, typed, said
):
    project = define(coordinator, lead)
    draft = open_task(project, "draft_proposal")
    response = post_proposal(
        client,
        lead,
        draft,
        [("Municipios con datos publicados", "municipios", "0", typed)],
        MILESTONE,
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.indicator_rows.forms[0].errors["target"] == [said]
    # The summary says which row, and names the field once.
    assert f"Indicador 1, {said}" in form.non_field_errors()
    shown = text(response)
    assert f"Indicador 1, {said}" in shown and "Meta: Meta" not in shown
    assert f'name="indicators-0-target" value="{typed}"' in response.content.decode()
    assert not project.indicators.exists() and Task.objects.get(pk=draft.pk).is_open


def test_an_ambiguous_budget_is_refused_naming_it(client, coordinator, lead):
    project = define(coordinator, lead)
    response = post_proposal(
        client,
        lead,
        open_task(project, "draft_proposal"),
        [("Municipios con datos publicados", "municipios", "0", "40")],
        MILESTONE,
        budget="250,000",
    )
    assert response.context["form"].errors["budget"] == [
        "Presupuesto: «250,000» se puede leer como 250.000 o como 250; escriba el que corresponda."
    ]
