import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from agreements.models import Agreement
from workflows import audit, transitions
from workflows.models import AuditEvent

from ..conftest import open_task

pytestmark = pytest.mark.django_db


def test_chain_verifies_and_links_each_event(onboarding_a):
    result = audit.verify()
    assert result.ok and result.events_checked == AuditEvent.objects.count() > 0
    events = list(AuditEvent.objects.filter(chain_key=f"process:{onboarding_a.pk}").order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash


def _tamper(sql, params):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_tampered_row_is_detected_and_named(onboarding_a):
    victim = AuditEvent.objects.filter(process=onboarding_a).order_by("seq")[1]
    _tamper("UPDATE workflows_auditevent SET comment = %s WHERE id = %s", ["forged", victim.pk])
    result = audit.verify()
    assert not result.ok
    assert result.first_broken.pk == victim.pk
    with pytest.raises(CommandError, match=f"event {victim.pk}"):
        call_command("verify_audit_chain")


def test_deleted_tail_is_detected_by_checkpoint(onboarding_a):
    audit.seal_checkpoint()
    last = AuditEvent.objects.filter(process=onboarding_a).order_by("-seq").first()
    _tamper("DELETE FROM workflows_auditevent WHERE id = %s", [last.pk])
    result = audit.verify()
    assert not result.ok


def test_events_cannot_be_edited_or_deleted_through_the_orm(onboarding_a):
    event = AuditEvent.objects.first()
    event.comment = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(comment="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.usefixtures("postgresql")
def test_database_refuses_updates_to_events(onboarding_a):
    from django.db import DatabaseError

    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE workflows_auditevent SET comment='x' WHERE id=%s", [event.pk])


def test_failed_transition_leaves_no_event_and_no_change(onboarding_a, facilitator_a):
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    before = AuditEvent.objects.count()
    # A draft without its content cannot be submitted (condition), nor activated (source state).
    for name in ("submit", "activate", "approve"):
        with pytest.raises(transitions.IllegalTransition):
            transitions.apply(agreement, name, actor=facilitator_a)
    agreement.refresh_from_db()
    assert agreement.state == "draft"
    assert AuditEvent.objects.count() == before


def test_failure_mid_completion_rolls_back_everything(onboarding_a, facilitator_a, monkeypatch):
    """If the audit write fails after the transition, neither the state nor the task moves."""
    from workflows import services

    task = open_task(onboarding_a)
    before = AuditEvent.objects.count()
    original = audit.record

    def failing_record(action, **kwargs):
        if action == "task.completed":
            raise RuntimeError("disk full")
        return original(action, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    from ..conftest import draft_post

    data = draft_post()
    import datetime

    data["start_date"] = datetime.date(2026, 1, 1)
    data["end_date"] = datetime.date(2028, 1, 1)
    with pytest.raises(RuntimeError):
        services.complete(task, facilitator_a, data)
    monkeypatch.undo()
    task.refresh_from_db()
    assert task.status == "ASSIGNED"
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == "draft"
    assert AuditEvent.objects.count() == before
    assert audit.verify().ok
