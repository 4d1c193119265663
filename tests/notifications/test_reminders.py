"""Due soon, overdue and escalation fire on the right day, to the right people, once."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from notifications import reminders
from notifications.models import EmailState, Kind, Notification
from workflows.models import AuditEvent, Task

from ..conftest import make_user, open_task

pytestmark = pytest.mark.django_db

CARACAS = datetime.timezone(datetime.timedelta(hours=-4))


def _at(task, **delta):
    return task.due_at + datetime.timedelta(**delta)


def _sweep(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return reminders.sweep()


def test_due_soon_overdue_and_escalation_timeline(
    onboarding_a, facilitator_a, coordinator, django_capture_on_commit_callbacks
):
    task = open_task(onboarding_a)  # draft, assigned to facilitator_a, due in 10 days
    deputy = make_user("deputy", "deputy_coordinator")
    capture = django_capture_on_commit_callbacks

    assert _sweep(_at(task, days=-5), capture) == []  # nothing yet
    sent = _sweep(_at(task, days=-3, minutes=1), capture)  # 3 days before
    assert [(r.kind, r.recipient, r.step) for r in sent] == [(Kind.DUE_SOON, facilitator_a, "d3")]
    assert _sweep(_at(task, days=-2), capture) == []  # once
    sent = _sweep(_at(task, hours=-20), capture)  # 1 day before
    assert [(r.kind, r.step) for r in sent] == [(Kind.DUE_SOON, "d1")]
    assert _sweep(_at(task, hours=12), capture) == []  # due, not yet a day late
    sent = _sweep(_at(task, days=1, hours=1), capture)  # the day after
    assert [(r.kind, r.recipient, r.step) for r in sent] == [(Kind.OVERDUE, facilitator_a, "w0")]
    assert _sweep(_at(task, days=4), capture) == []
    sent = _sweep(_at(task, days=5, hours=1), capture)  # escalation threshold: 5 days
    assert [(r.kind, r.recipient) for r in sent] == [(Kind.ESCALATION, coordinator)]
    assert deputy not in [r.recipient for r in sent]
    sent = _sweep(_at(task, days=8, hours=1), capture)  # a week after the first overdue
    assert [(r.kind, r.step) for r in sent] == [(Kind.OVERDUE, "w1")]
    assert _sweep(_at(task, days=9), capture) == []

    kinds = list(
        Notification.objects.filter(task=task)
        .exclude(kind=Kind.ASSIGNED)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["due_soon", "due_soon", "overdue", "escalation", "overdue"]
    escalation = Notification.objects.get(task=task, kind=Kind.ESCALATION)
    assert task.municipality.name in escalation.body and facilitator_a.username in escalation.body
    # every reminder is an audit event of the process, and each e-mail went out once
    assert (
        AuditEvent.objects.filter(process=onboarding_a, action__startswith="notification.").count()
        == 5
    )
    subjects = [m.subject for m in mail.outbox]
    assert len([s for s in subjects if "Por vencer" in s]) == 2
    assert len([s for s in subjects if "Escalamiento" in s]) == 1


def test_unassigned_task_reminds_its_candidates(
    onboarding_a, facilitator_a, django_capture_on_commit_callbacks
):
    from workflows import services

    task = open_task(onboarding_a)
    services.release(task, facilitator_a)
    sent = _sweep(_at(task, hours=-10), django_capture_on_commit_callbacks)
    assert [r.recipient for r in sent] == [facilitator_a]


def test_escalation_threshold_comes_from_the_sla_policy(
    onboarding_a, coordinator, django_capture_on_commit_callbacks
):
    from workflows.models import SlaPolicy
    from workflows.registry import flows
    from workflows.sla import ensure_policies

    ensure_policies(flows())
    SlaPolicy.objects.filter(task_name="draft_agreement").update(escalate_after_days=2)
    task = open_task(onboarding_a)
    sent = _sweep(_at(task, days=2, hours=1), django_capture_on_commit_callbacks)
    assert Kind.ESCALATION in [r.kind for r in sent]


def test_dry_run_sends_nothing(onboarding_a, django_capture_on_commit_callbacks):
    task = open_task(onboarding_a)
    with time_machine.travel(_at(task, days=2), tick=False):
        planned = reminders.sweep(dry_run=True)
    assert {r.kind for r in planned} == {Kind.OVERDUE}
    assert not Notification.objects.exclude(kind=Kind.ASSIGNED).exists()


def test_sweep_reads_only_due_tasks(onboarding_a, django_assert_max_num_queries, facilitator_a):
    """Tasks far from their due date are not even loaded."""
    from agreements.models import Municipality

    from ..conftest import start

    for municipality in Municipality.objects.filter(region=onboarding_a.municipality.region)[1:6]:
        start(facilitator_a, municipality)
    assert Task.objects.filter(flow_task_type="HUMAN").count() == 6
    with django_assert_max_num_queries(3):
        assert reminders.plan(timezone.now()) == []


def test_done_tasks_get_no_reminders(
    onboarding_a, facilitator_a, django_capture_on_commit_callbacks
):
    from workflows import services

    from ..conftest import draft_post

    task = open_task(onboarding_a)
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    services.complete(task, facilitator_a, data)
    sent = _sweep(_at(task, days=3), django_capture_on_commit_callbacks)
    assert task.pk not in [r.task.pk for r in sent]


def test_email_in_recipients_language(
    onboarding_a, facilitator_a, django_capture_on_commit_callbacks
):
    from notifications.models import Profile

    Profile.objects.create(user=facilitator_a, language="en")
    task = open_task(onboarding_a)
    _sweep(_at(task, hours=-5), django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == [facilitator_a.email]
    assert "Open it here" in message.body
    html = message.alternatives[0][0]
    assert "<a href=" in html and f"/tasks/{task.pk}/" in html
    reminder = Notification.objects.get(task=task, kind=Kind.DUE_SOON)
    assert reminder.email_state == EmailState.SENT
