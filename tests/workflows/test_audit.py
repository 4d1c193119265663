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


def test_bulk_events_hash_as_verification_recomputes_them(onboarding_a):
    """record_many writes the canonical text directly; it must be what event_hash computes."""
    import datetime
    from decimal import Decimal

    task = open_task(onboarding_a)
    key = f"process:{onboarding_a.pk}"
    awkward = 'quote " backslash \\ tab \t newline \n ñandú € \u2028 \x01'
    rows = [
        {
            "action": "notification.overdue",
            "process_id": onboarding_a.pk,
            "task_id": task.pk,
            "municipality_id": onboarding_a.municipality_id,
            "after": {"recipient": "fac", "key": "overdue:1:2026-01-01T00:00:00+00:00:w0:3"},
        },
        {
            "action": f"notification.{awkward}",
            "process_id": onboarding_a.pk,
            "after": {"z": awkward, "a": [1, True, None, {"y": 2, "b": "é"}], "m": {}},
        },
        {"action": "notification.due_soon", "process_id": onboarding_a.pk, "after": None},
        {
            "action": "notification.escalation",
            "process_id": onboarding_a.pk,
            "task_id": task.pk,
            "after": {
                "when": datetime.datetime(2026, 5, 1, 12, 30, tzinfo=datetime.UTC),
                "amount": Decimal("1.50"),
                "pair": (1, 2),
            },
        },
    ]
    assert audit.record_many(rows) == len(rows)
    events = list(AuditEvent.objects.filter(chain_key=key).order_by("-seq")[: len(rows)])[::-1]
    assert [e.action for e in events] == [r["action"] for r in rows]
    for event in events:
        assert audit.event_hash(event) == event.hash
    assert events[2].after is None
    assert AuditEvent.objects.filter(pk=events[2].pk, after__isnull=True).exists()  # SQL NULL
    assert events[3].after == {"when": "2026-05-01T12:30:00Z", "amount": "1.50", "pair": [1, 2]}
    audit.record("after.bulk", process=onboarding_a)  # the chain goes on from the new head
    assert audit.verify_chain(key)["ok"]
    assert audit.verify().ok


def test_system_event_text_is_the_canonical_payload():
    """The hand-written text of a bulk event is json.dumps(payload, sort_keys=True, ...)."""
    import json

    cases = [
        ("process:7", 3, audit.GENESIS, "2026-01-01T00:00:00+00:00", "a", 7, None, None, None),
        ("process:7", 1, "ab" * 32, "2026-01-01T00:00:00.5+00:00", 'x"\\ñ\n', 7, 9, 4, {"k": 1}),
        ("process:8", 10**12, "ff" * 32, "t", "notification.due_soon", 8, 10**15, 0, ["é", None]),
    ]
    for chain, seq, prev, at, action, process, task, municipality, after in cases:
        payload = {
            "chain": chain,
            "seq": seq,
            "prev": prev,
            "at": at,
            "actor": None,
            "actor_label": "",
            "action": action,
            "process": process,
            "task": task,
            "subject_type": None,
            "subject_id": "",
            "subject_repr": "",
            "municipality": municipality,
            "before": None,
            "after": after,
            "comment": "",
        }
        text = audit._system_event_text(
            audit._canonical(chain),
            seq,
            audit._canonical(prev),
            audit._canonical(at),
            audit._canonical(action),
            audit._scalar(process),
            audit._scalar(task),
            audit._scalar(municipality),
            audit._canonical(after),
        )
        assert text == json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )


def _appends(ctx):
    table = AuditEvent._meta.db_table
    return [q["sql"] for q in ctx.captured_queries if f"INSERT INTO {table}" in q["sql"]]


@pytest.mark.usefixtures("postgresql")
def test_events_held_together_land_in_order_in_one_statement(onboarding_a, facilitator_a):
    from django.test.utils import CaptureQueriesContext

    key = f"process:{onboarding_a.pk}"
    before = AuditEvent.objects.filter(chain_key=key).count()
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        with audit.appended_together():
            made = [audit.record("test.first", process=onboarding_a, comment='ñ "1"')]
            made.append(audit.record("test.aside", chain_key="test:aside"))
            made.append(audit.record("test.second", process=onboarding_a, after={"b": [1]}))
            made.append(audit.record("test.third", actor=facilitator_a, process=onboarding_a))
            assert AuditEvent.objects.filter(chain_key=key).count() == before  # held
            assert all(event.pk is None for event in made)
        assert len(_appends(ctx)) == 1  # the process's three and the other chain's one
    ours = list(AuditEvent.objects.filter(chain_key=key, seq__gt=before).order_by("seq"))
    assert [e.action for e in ours] == ["test.first", "test.second", "test.third"]
    assert [e.pk for e in ours] == [made[0].pk, made[2].pk, made[3].pk]
    assert [e.hash for e in ours] == [audit.event_hash(e) for e in ours]
    assert [e.hash for e in ours] == [made[0].hash, made[2].hash, made[3].hash]
    aside = AuditEvent.objects.get(chain_key="test:aside")  # a new chain, made by its event
    assert aside.seq == 1 and aside.pk == made[1].pk
    assert audit.verify().ok


@pytest.mark.usefixtures("postgresql")
def test_a_new_chain_is_made_by_its_held_events():
    from workflows.models import AuditChain

    with transaction.atomic(), audit.appended_together():
        for n in range(3):
            audit.record("test.step", chain_key="test:new", after={"n": n})
    events = list(AuditEvent.objects.filter(chain_key="test:new").order_by("seq"))
    assert [(e.seq, e.after) for e in events] == [(1, {"n": 0}), (2, {"n": 1}), (3, {"n": 2})]
    assert events[0].prev_hash == audit.GENESIS
    chain = AuditChain.objects.get(key="test:new")
    assert (chain.length, chain.head_hash) == (3, events[-1].hash)
    assert audit.verify_chain("test:new")["ok"]


@pytest.mark.usefixtures("postgresql")
def test_a_rolled_back_savepoint_takes_its_held_events_and_keeps_the_others():
    with transaction.atomic(), audit.appended_together():
        audit.record("test.kept", chain_key="test:sp")
        with pytest.raises(RuntimeError):
            with transaction.atomic():  # a savepoint: what was held so far goes first
                assert AuditEvent.objects.filter(chain_key="test:sp").count() == 1
                audit.record("test.undone", chain_key="test:sp")
                raise RuntimeError("the change inside fails")
        with transaction.atomic():  # released: its event stays held, then lands
            audit.record("test.inside", chain_key="test:sp")
        audit.record("test.after", chain_key="test:sp")
    actions = list(
        AuditEvent.objects.filter(chain_key="test:sp")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["test.kept", "test.inside", "test.after"]
    assert audit.verify_chain("test:sp")["ok"]


@pytest.mark.usefixtures("postgresql")
def test_a_failed_block_appends_nothing_and_holds_nothing_back():
    with pytest.raises(RuntimeError):
        with transaction.atomic(), audit.appended_together():
            audit.record("test.lost", chain_key="test:failed")
            raise RuntimeError("the change fails")
    assert not AuditEvent.objects.filter(chain_key="test:failed").exists()
    with transaction.atomic():
        event = audit.record("test.direct", chain_key="test:failed")
        assert event.pk is not None  # appended at once: no block open any more


@pytest.mark.usefixtures("postgresql")
def test_an_error_caught_around_a_held_block_still_undoes_its_changes(onboarding_a):
    """A caller catching the error inside its transaction cannot keep changes without events."""
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    with transaction.atomic():
        try:
            with audit.appended_together():
                Agreement.objects.filter(pk=agreement.pk).update(scope="Cambiado")
                audit.record("test.lost", process=onboarding_a)
                raise RuntimeError("the change fails after its event was held")
        except RuntimeError:
            pass
        assert transaction.get_rollback()  # the block's transaction will not commit
    assert Agreement.objects.get(pk=agreement.pk).scope == agreement.scope
    assert not AuditEvent.objects.filter(action="test.lost").exists()


@pytest.mark.usefixtures("postgresql")
def test_the_audit_hash_is_unique_without_a_like_index(onboarding_a):
    """Migration 0009 dropped the LIKE copy of the hash's index; the uniqueness stays."""
    from django.db import IntegrityError

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [AuditEvent._meta.db_table, "%(hash%"],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    assert len(definitions) == 1 and "UNIQUE" in definitions[0], definitions
    event = AuditEvent.objects.filter(process=onboarding_a).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        _tamper(
            f"UPDATE {AuditEvent._meta.db_table} SET hash = %s WHERE id <> %s AND id IN "
            f"(SELECT id FROM {AuditEvent._meta.db_table} WHERE id <> %s LIMIT 1)",
            [event.hash, event.pk, event.pk],
        )
