"""Every open task of the world, of every process, describes its form through the API as
its page offers it: the same fields, in the same order, with the page's labels."""

import pytest
from django.test import Client
from viewflow.workflow.status import STATUS

from networks import services as networks
from networks.models import Theme
from workflows import permissions
from workflows.models import Task

pytestmark = pytest.mark.django_db


def test_every_open_tasks_form_is_described_as_its_page_has_it(world):
    # The world's network is live: a new proposal opens the network flow's first task.
    networks.propose(
        world.people.specialist,
        {
            "theme": Theme.objects.order_by("pk").first(),
            "name": "Red de compras públicas",
            "objectives": "Compartir pliegos.",
            "target_municipalities": [world.mun_a],
        },
    )
    people = [getattr(world.people, name) for name in vars(world.people)]
    described = set()
    for task in Task.objects.human().filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]):
        doer = task.owner or next((p for p in people if permissions.can_claim(p, task)), None)
        if doer is None:
            continue  # nobody in the world may take it
        client = Client()
        client.force_login(doer)
        response = client.get(f"/api/tasks/{task.pk}/form/")
        assert response.status_code == 200, (task, response.content)
        body = response.json()
        form = task.flow_task.form_class(task=task, user=doer)
        assert [f["name"] for f in body["fields"]] == list(form.fields), task
        assert [f["label"] for f in body["fields"]] == [
            str(field.label or name) for name, field in form.fields.items()
        ]
        expected = "multipart/form-data" if form.is_multipart() else "application/json"
        assert body["content_type"] == expected
        if task.owner_id == doer.pk:  # the page shows its form to its holder: the same fields
            page = client.get(f"/tasks/{task.pk}/").content.decode()
            missing = [name for name in form.fields if f'name="{name}"' not in page]
            assert missing == [], (task, missing)
        described.add(task.flow_task.flow_class.__name__)
    assert described >= {
        "OnboardingFlow",
        "HiringFlow",
        "NetworkFlow",
        "ProjectFlow",
        "FinanceSubmissionFlow",
        "CaseFlow",
    }, described
