"""A case walked through its flow by each role, with a return loop, over HTTP."""

from django.urls import reverse

from knowledge.models import Case
from notifications.models import Notification
from tests.conftest import open_task
from workflows.models import Process

from .conftest import step_post


def test_register_systematise_curate_return_and_publish(
    client, facilitator_a, municipality_a, theme, specialist, curator, coordinator
):
    client.force_login(facilitator_a)
    response = client.post(
        reverse("knowledge:register"),
        {
            "title": "Rutas de aseo concertadas",
            "municipality": municipality_a.pk,
            "theme": theme.pk,
            "summary": "Recolección planificada con los consejos comunales.",
            "contact_name": "Dirección de Servicios",
            "contact_email": "",
            "contact_phone": "",
            "started_on": "2025-01-15",
            "ended_on": "",
            "partners": "",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.state == Case.State.REGISTERED
    process = Process.for_subject(case)
    task = open_task(process)
    assert task.flow_task.name == "systematise" and task.owner == specialist

    # Not public yet: anonymous visitors and the officer of another municipality see nothing.
    client.logout()
    assert client.get(case.get_absolute_url()).status_code == 404

    client.force_login(specialist)
    autosave = client.post(
        reverse("knowledge:autosave", args=[case.pk, 1]),
        {"case-situation_before": "Borrador"},
    )
    assert autosave.json()["saved"] is True
    case.refresh_from_db()
    assert case.situation_before == "Borrador" and case.state == Case.State.IN_SYSTEMATISATION
    for step in range(1, 6):
        response = client.post(
            reverse("knowledge:systematise", args=[case.pk, step]), step_post(step)
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.missing_steps() == []
    assert case.milestones.count() == 1 and case.indicators.get().after == 95
    client.post(reverse("workflows:task_detail", args=[task.pk]), {"comment": ""})
    case.refresh_from_db()
    assert case.state == Case.State.IN_CURATION

    # The curator returns it: the same specialist gets it back, with a notification.
    curation = open_task(process)
    client.force_login(curator)
    client.post(reverse("workflows:task_claim", args=[curation.pk]))
    client.post(
        reverse("workflows:task_detail", args=[curation.pk]),
        {"decision": "return", "comment": "Faltan evidencias del impacto", "public_sector": "on"},
    )
    case.refresh_from_db()
    assert case.state == Case.State.RETURNED
    assert Notification.objects.filter(recipient=specialist, kind="returned").exists()
    again = open_task(process)
    assert again.flow_task.name == "systematise" and again.owner == specialist

    client.force_login(specialist)
    client.post(reverse("knowledge:systematise", args=[case.pk, 5]), step_post(5))
    client.post(reverse("workflows:task_detail", args=[again.pk]), {"comment": "Agregado"})

    curation = open_task(process)
    client.force_login(curator)
    client.post(reverse("workflows:task_claim", args=[curation.pk]))
    everything = {key: "on" for key in ("public_sector", "novel", "implemented", "impact")}
    client.post(
        reverse("workflows:task_detail", args=[curation.pk]),
        {"decision": "approve", "comment": "", **everything},
    )
    case.refresh_from_db()
    assert case.state == Case.State.APPROVED

    approval = open_task(process)
    assert approval.flow_task.name == "approve_publication"
    client.force_login(coordinator)
    client.post(reverse("workflows:task_claim", args=[approval.pk]))
    client.post(
        reverse("workflows:task_detail", args=[approval.pk]), {"decision": "approve", "comment": ""}
    )
    case.refresh_from_db()
    assert case.state == Case.State.PUBLISHED and case.published_at
    client.logout()
    page = client.get(case.get_absolute_url()).content.decode()
    assert "La cobertura llegó al 95 %." in page and "Primera ruta concertada" in page
