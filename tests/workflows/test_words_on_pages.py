"""Words, never codes: the deadlines page, the audit desk, recorded values as people read them."""

import html
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from agreements.models import Agreement
from workflows import display, selectors, services
from workflows.models import SlaPolicy
from workflows.registry import flows
from workflows.roles import Role
from workflows.sla import ensure_policies

from ..conftest import draft_post, open_task, start

pytestmark = pytest.mark.django_db


def _visible(response):
    """The page's text as a person sees it: no tags, attributes or option values."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _submitted(process, facilitator):
    import datetime

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    services.complete(open_task(process), facilitator, data)
    return process


@pytest.fixture
def submitted(onboarding_a, facilitator_a, coordinator):
    _named(facilitator_a, "María", "Hernández")
    _named(coordinator, "Carmen", "Rojas")
    _submitted(onboarding_a, facilitator_a)
    services.claim(open_task(onboarding_a), coordinator)
    return onboarding_a


# The deadlines page ---------------------------------------------------------------


def test_sla_page_names_process_types_and_steps(client, coordinator):
    ensure_policies(flows())
    SlaPolicy.objects.create(
        flow_label="oldflow", task_name="old_step", label="Paso retirado", days=3
    )
    _named(coordinator, "Carmen", "Rojas")
    policy = SlaPolicy.objects.get(flow_label="onboarding", task_name="review_agreement")
    client.force_login(coordinator)
    client.post(
        reverse("workflows:sla_edit", args=[policy.pk]),
        {"days": 6, "due_soon_days": 2, "escalate_after_days": 5},
    )
    text = _visible(client.get(reverse("workflows:sla_list")))
    for flow_class in flows():
        assert str(flow_class.process_title) in text
    for expected in (
        "Incorporación municipal",
        "Redactar el convenio de cooperación",
        "Revisar el convenio",
        "Contratación de especialistas",
        "Registrar el contrato firmado",
        "Proceso que ya no se usa",
        "Paso retirado",
        "Carmen Rojas",  # who changed a deadline, by name
    ):
        assert expected in text, expected
    for policy in SlaPolicy.objects.all():
        assert not re.search(rf"\b{re.escape(policy.flow_label)}\b", text), policy.flow_label
        assert not re.search(rf"\b{re.escape(policy.task_name)}\b", text), policy.task_name
    # The steps of a process are listed as the work goes, not alphabetically.
    assert text.index("Redactar el convenio de cooperación") < text.index("Activar la membresía")


def test_sla_edit_page_is_titled_by_the_step(client, coordinator):
    ensure_policies(flows())
    policy = SlaPolicy.objects.get(flow_label="onboarding", task_name="upload_signed_agreement")
    client.force_login(coordinator)
    text = _visible(client.get(reverse("workflows:sla_edit", args=[policy.pk])))
    assert "Cargar el convenio firmado" in text and "Incorporación municipal" in text
    assert policy.flow_label not in text and "upload_signed_agreement" not in text


# The audit desk -----------------------------------------------------------------------


def test_audit_desk_shows_labels_names_and_values(client, auditor, submitted):
    client.force_login(auditor)
    response = client.get(reverse("workflows:audit_search"))
    text = _visible(response)
    for expected in (
        "Convenio enviado a revisión",
        "Tarea tomada",
        "Incorporación municipal",
        "María Hernández",
        "Facilitación local",
        "Carmen Rojas",
        "Asignada a Carmen Rojas",
        "Revisar el convenio",
    ):
        assert expected in text, expected
    assert re.search(r"Estado Borrador → cambió a En revisión", text)
    for code in ("agreement.submit", "task.claimed", "in_review", "fac_a", "coord ", "{'"):
        assert code not in text, code


def test_audit_desk_costs_the_same_queries_for_a_fuller_page(
    client, auditor, facilitator_a, coordinator, municipality_a
):
    from viewflow.workflow.fields import get_flow_ref

    from agreements.flows import OnboardingFlow
    from agreements.models import Municipality

    onboarding = {"flow": get_flow_ref(OnboardingFlow)}

    def page_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("workflows:audit_search"), onboarding)
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["events"])

    others = Municipality.objects.filter(region=municipality_a.region).order_by("code")
    _submitted(start(facilitator_a, others[0]), facilitator_a)
    client.force_login(auditor)
    page_queries()
    few, shown = page_queries()
    for municipality in others[1:5]:
        _submitted(start(facilitator_a, municipality), facilitator_a)
    many, shown_now = page_queries()
    assert shown_now > 3 * shown
    assert many == few


# Recorded values, read -----------------------------------------------------------------


def test_event_values_include_reads_before_and_after(submitted):
    events = display.read_events(selectors.process_history(submitted), submitted.flow_class)
    event = next(e for e in events if e.action == "agreement.submit")
    with translation.override("es"):
        html_text = render_to_string("workflows/includes/event_values.html", {"event": event})
    assert "<dt>Estado</dt>" in html_text
    assert '<span class="before">Borrador</span>' in html_text
    assert '<span class="after">En revisión</span>' in html_text
    created = next(e for e in events if e.action == "task.created")
    with translation.override("es"):
        html_text = render_to_string("workflows/includes/event_values.html", {"event": created})
    assert "Redactar el convenio de cooperación" in html_text and "Facilitación local" in html_text
    assert "draft_agreement" not in html_text and "facilitator" not in html_text


def test_actor_roles_are_read_for_a_whole_list_in_one_query(submitted, coordinator):
    from django.contrib.auth.models import Group

    coordinator.groups.add(Group.objects.get(name=Role.AUDITOR))
    events = list(selectors.process_history(submitted))
    with CaptureQueriesContext(connection) as ctx:
        roles = display.actor_roles(events)
    assert len(ctx.captured_queries) == 1
    with translation.override("es"):
        roles = {k: str(v) for k, v in display.actor_roles(events).items()}
    assert roles[coordinator.pk] == "Auditoría, Coordinación"


def test_reader_names_people_places_and_steps(submitted, facilitator_a, municipality_a):
    flow_class = submitted.flow_class
    reader = display.Reader(flow_class)
    before = {"state": "draft", "owner": None}
    after = {"state": "in_review", "owner": facilitator_a.get_username()}
    reader.want(Agreement, before, after)
    values = {
        "municipality": municipality_a.code,
        "task": "review_agreement",
        "role": "coordinator",
    }
    reader.want(None, values)
    with translation.override("es"):
        changes = {
            c.key: (c.label, c.before, c.after) for c in reader.changes(Agreement, before, after)
        }
        read = {v.key: v.text for v in reader.values(None, values)}
    assert changes["state"] == ("Estado", "Borrador", "En revisión")
    assert changes["owner"] == ("Asignada a", "—", "María Hernández")
    assert read == {
        "municipality": str(municipality_a),
        "task": "Revisar el convenio",
        "role": "Coordinación",
    }


def test_models_may_name_their_own_keys_values_and_records(monkeypatch, submitted, coordinator):
    monkeypatch.setattr(Agreement, "audit_labels", {"answer": "Respuesta"}, raising=False)
    monkeypatch.setattr(Agreement, "audit_choices", {"answer": [("yes", "Aceptó")]}, raising=False)
    monkeypatch.setattr(
        Agreement, "audit_related", {"reviewer": ("auth.User", "username")}, raising=False
    )
    values = {"answer": "yes", "reviewer": coordinator.get_username()}
    reader = display.Reader().want(Agreement, values)
    read = {v.label: v.text for v in reader.values(Agreement, values)}
    assert read == {"Respuesta": "Aceptó", "Reviewer": "Carmen Rojas"}
