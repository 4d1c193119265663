"""The streaming verification (issue 10) against the model-based one it replaced.

``audit._verify_orm`` recomputes each event with ``event_hash`` from model instances;
``audit.verify`` on PostgreSQL writes the canonical text from streamed rows. They
must agree on every payload and on every kind of tampering, message for message.
"""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows import audit
from workflows.fields import canonical_json
from workflows.models import AuditChain, AuditCheckpoint, AuditEvent

from .test_audit import _tamper

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]

# PostgreSQL text holds any character but NUL; surrogates cannot be encoded at all.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | TEXT
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.dates()
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
TIMES = st.datetimes(
    min_value=datetime.datetime(1900, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [datetime.UTC, datetime.timezone(datetime.timedelta(hours=-4, minutes=-30))]
    ),
)
_keys = itertools.count()


def _append(key, ids, fields):
    """Append an event with ``fields`` to chain ``key`` as ``record`` would, hashing first."""
    chain, _ = AuditChain.objects.get_or_create(key=key)
    event = AuditEvent(
        chain_key=key,
        seq=chain.length + 1,
        prev_hash=chain.head_hash,
        at=fields["at"],
        actor_id=ids["actor"] if fields["with_ids"] else None,
        actor_label=fields["actor_label"],
        action=fields["action"],
        process_id=ids["process"] if fields["with_ids"] else None,
        subject_type_id=ids["subject_type"] if fields["with_ids"] else None,
        subject_id=fields["subject_id"],
        subject_repr=fields["subject_repr"],
        municipality_id=ids["municipality"] if fields["with_ids"] else None,
        before=audit.to_json(fields["before"]),
        after=audit.to_json(fields["after"]),
        comment=fields["comment"],
    )
    event.hash = audit.event_hash(event)
    event.save()
    AuditChain.objects.filter(pk=chain.pk).update(length=event.seq, head_hash=event.hash)
    return event


EVENT = st.fixed_dictionaries(
    {
        "at": TIMES,
        "with_ids": st.booleans(),
        "actor_label": TEXT.map(lambda s: s[:255]),
        "action": TEXT.map(lambda s: s[:80]),
        "subject_id": TEXT.map(lambda s: s[:64]),
        "subject_repr": TEXT.map(lambda s: s[:255]),
        "before": JSON,
        "after": JSON,
        "comment": TEXT,
    }
)


@pytest.fixture
def ids(onboarding_a, facilitator_a):
    from django.contrib.contenttypes.models import ContentType

    from agreements.models import Agreement

    return {
        "actor": facilitator_a.pk,
        "process": onboarding_a.pk,
        "subject_type": ContentType.objects.get_for_model(Agreement).pk,
        "municipality": onboarding_a.municipality_id,
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=st.lists(EVENT, min_size=1, max_size=3), key=TEXT.map(lambda s: s[:140]))
def test_streamed_text_hashes_as_event_hash_on_any_payload(ids, events, key):
    key = f"{key}:{next(_keys)}"
    made = [_append(key, ids, fields) for fields in events]
    stored = list(AuditEvent.objects.filter(chain_key=key).order_by("seq"))
    assert [audit.event_hash(e) for e in stored] == [e.hash for e in made]  # stored as hashed
    (fast, streamed), reference = _verify_capturing(), audit._verify_orm()
    assert fast.ok and reference.ok, fast.problems
    assert not streamed  # PostgreSQL wrote each event's text as Python does
    assert (fast.events_checked, fast.chains_checked) == (
        reference.events_checked,
        reference.chains_checked,
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=JSON, after=JSON, comment=TEXT)
def test_record_stores_what_it_hashed_on_any_payload(onboarding_a, before, after, comment):
    """``record`` writes the event and moves the head in one statement on PostgreSQL."""
    event = audit.record("x.any", process=onboarding_a, before=before, after=after, comment=comment)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.before, stored.after) == (audit.to_json(before), audit.to_json(after))
    assert stored.comment == comment and stored.seq == event.seq
    assert audit.event_hash(stored) == stored.hash == event.hash
    assert _stored_texts(event) == _canonical_texts(before, after)
    head = AuditChain.objects.get(key=event.chain_key)
    assert (head.length, head.head_hash) == (event.seq, event.hash)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payloads=st.lists(st.tuples(JSON, JSON, TEXT), min_size=2, max_size=4))
def test_held_events_store_what_they_hashed_on_any_payload(onboarding_a, payloads):
    """Events appended together are hashed one after another by PostgreSQL, as ``record``."""
    from django.db import transaction

    with transaction.atomic(), audit.appended_together():
        made = [
            audit.record("x.held", process=onboarding_a, before=b, after=a, comment=c)
            for b, a, c in payloads
        ]
    for event, (before, after, comment) in zip(made, payloads, strict=True):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.before, stored.after) == (audit.to_json(before), audit.to_json(after))
        assert stored.comment == comment and stored.seq == event.seq
        assert audit.event_hash(stored) == stored.hash == event.hash
    assert [e.seq for e in made] == list(range(made[0].seq, made[0].seq + len(made)))
    assert all(b.prev_hash == a.hash for a, b in zip(made, made[1:], strict=False))
    head = AuditChain.objects.get(key=made[0].chain_key)
    assert (head.length, head.head_hash) == (made[-1].seq, made[-1].hash)


PLAIN = dict(
    at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    with_ids=False,
    actor_label="",
    action="x",
    subject_id="",
    subject_repr="",
    before=None,
    after=None,
    comment="",
)
STREAMED = "ORDER BY e.chain_key, e.seq"  # the statement of the chains that do not fit


def _verify_capturing(**kwargs):
    with CaptureQueriesContext(connection) as ctx:
        result = audit.verify(**kwargs)
    return result, [q["sql"] for q in ctx.captured_queries if STREAMED in q["sql"]]


def test_floats_are_kept_as_recorded(ids):
    """jsonb stored 1e20 as 100000000000000000000, an int once parsed: json keeps the text."""
    _append("floats", ids, {**PLAIN, "after": {"ok": 0.1, "big": 2.5e-3}})
    event = _append("floats", ids, {**PLAIN, "after": {"n": 1e20, "tiny": -1e-7, "zero": -0.0}})
    assert AuditEvent.objects.get(pk=event.pk).after == {"n": 1e20, "tiny": -1e-7, "zero": -0.0}
    (fast, streamed), reference = _verify_capturing(), audit._verify_orm()
    assert fast.ok and reference.ok and not streamed


def _store_text(event, column, text):
    _tamper(f"UPDATE workflows_auditevent SET {column} = %s::json WHERE id = %s", [text, event.pk])


def test_json_written_otherwise_is_checked_re_encoded(ids):
    """Text as jsonb wrote it (spaces, keys by length) verifies by its canonical re-encoding;
    a changed value in it does not."""
    after = {"bb": [1, 2], "a": {"y": None, "x": "é"}}
    event = _append("otherwise", ids, {**PLAIN, "after": after})
    _append("otherwise", ids, PLAIN)
    _store_text(event, "after", '{"a": {"x": "é", "y": null}, "bb": [1, 2]}')
    assert AuditEvent.objects.get(pk=event.pk).after == after
    (fast, streamed), reference = _verify_capturing(), audit._verify_orm()
    assert fast.ok and reference.ok and len(streamed) == 1
    assert fast.events_checked == reference.events_checked == AuditEvent.objects.count()
    assert fast.chains_checked == reference.chains_checked
    _store_text(event, "after", '{"a": {"x": "e", "y": null}, "bb": [1, 2]}')
    _both(f"event {event.pk}: content does not match its hash")


def test_hash_of_the_stored_text_verifies_both_ways(ids):
    """The hash covers the JSON text as stored: text written otherwise and hashed as it is
    verifies in PostgreSQL and in the reference alike, and fails alike once changed."""
    event = _append("as-stored", ids, {**PLAIN, "after": {"a": 1}})
    _store_text(event, "after", '{"b": 2, "a": 1}')
    stored = audit._with_stored_json(AuditEvent.objects.filter(pk=event.pk)).get()
    digest = audit._stored_json_digest(stored)
    assert digest != audit.event_hash(stored)  # not the canonical text's
    _tamper("UPDATE workflows_auditevent SET hash = %s WHERE id = %s", [digest, event.pk])
    _tamper("UPDATE workflows_auditchain SET head_hash = %s WHERE key = 'as-stored'", [digest])
    (fast, streamed), reference = _verify_capturing(), audit._verify_orm()
    assert fast.ok and reference.ok and not streamed, (fast.problems, reference.problems)
    assert audit.verify_chain("as-stored")["ok"]
    _store_text(event, "after", '{"b": 3, "a": 1}')
    _both(f"event {event.pk}: content does not match its hash")


def test_json_that_jsonb_refused_is_refused(onboarding_a):
    """json would keep a NUL (\\u0000), which jsonb refused: the columns still refuse it."""
    from django.db import DatabaseError

    for field in ("after", "before"):
        with pytest.raises(DatabaseError), transaction.atomic():
            audit.record("x.nul", process=onboarding_a, **{field: {"a": "nul \x00 here"}})
    audit.seal_checkpoint()
    with pytest.raises(DatabaseError), transaction.atomic():
        _tamper(
            "UPDATE workflows_auditcheckpoint SET heads = %s::json",
            ['{"k": "\\u0000"}'],
        )
    assert not AuditEvent.objects.filter(action="x.nul").exists()


def test_an_error_under_planner_settings_is_the_one_raised():
    """Not the restoring statement's error in the aborted transaction; the savepoint's
    rollback undoes the settings."""
    from django.db import ProgrammingError

    from workflows import audit_scan

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_sort')")
        before = cursor.fetchone()[0]
        with pytest.raises(ProgrammingError, match="no_such_table"), transaction.atomic():
            with audit_scan.planner(cursor, audit_scan.STREAM_SETTINGS):
                cursor.execute("SELECT * FROM no_such_table")
        cursor.execute("SELECT current_setting('enable_sort')")
        assert cursor.fetchone()[0] == before == "on"


def test_many_chains_that_do_not_fit_stream_the_whole_range(ids, monkeypatch):
    from workflows import audit_scan

    events = [_append(f"unfit:{n}", ids, {**PLAIN, "comment": str(n)}) for n in range(3)]
    _append("unfit:fits", ids, PLAIN)
    for event in events:
        _tamper("UPDATE workflows_auditevent SET comment = 'x' WHERE id = %s", [event.pk])
    listed, listed_sql = _verify_capturing()
    monkeypatch.setattr(audit_scan, "UNFIT_LISTED", 2)
    (whole, streamed), reference = _verify_capturing(), audit._verify_orm()
    assert "ANY(" in listed_sql[0] and "ANY(" not in streamed[0]  # no key list past the limit
    assert whole.problems == listed.problems == reference.problems
    assert len(whole.problems) == 3
    assert (whole.events_checked, whole.chains_checked) == (
        reference.events_checked,
        reference.chains_checked,
    )


def test_decimals_and_dates_hash_as_recorded(onboarding_a):
    after = {
        "amount": Decimal("1234.50"),
        "when": datetime.datetime(2026, 5, 1, 12, 30, 0, 5, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 5, 1),
        "pair": (1, "ñ"),
    }
    audit.record("x.recorded", process=onboarding_a, before={"q": 'di"jo'}, after=after)
    result = audit.verify()
    assert result.ok and result.events_checked == AuditEvent.objects.count()


def _stored_texts(event):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT before::text, after::text FROM workflows_auditevent WHERE id = %s", [event.pk]
        )
        return cursor.fetchone()


def _canonical_texts(*values):
    """The text each value is stored as: canonical JSON, or SQL NULL for None."""
    return tuple(
        None if audit.to_json(v) is None else canonical_json(audit.to_json(v)) for v in values
    )


def _chain(onboarding_a):
    return list(AuditEvent.objects.filter(process=onboarding_a).order_by("seq"))


def _both(expected):
    with translation.override(None):
        fast, reference = audit.verify(), audit._verify_orm()
    assert not fast.ok
    assert fast.problems == reference.problems
    assert fast.problem == expected
    return fast, reference


def test_changed_content(onboarding_a):
    victim = _chain(onboarding_a)[1]
    _tamper("UPDATE workflows_auditevent SET after = %s WHERE id = %s", ['{"x": 1}', victim.pk])
    fast, reference = _both(f"event {victim.pk}: content does not match its hash")
    assert fast.first_broken == reference.first_broken == victim


def test_changed_sequence(onboarding_a):
    victim = _chain(onboarding_a)[-1]
    _tamper("UPDATE workflows_auditevent SET seq = 99 WHERE id = %s", [victim.pk])
    fast, _ = _both(f"event {victim.pk}: sequence 99, expected {victim.seq}")
    assert fast.first_broken == victim


def test_deleted_event(onboarding_a):
    events = _chain(onboarding_a)
    assert len(events) >= 3
    _tamper("DELETE FROM workflows_auditevent WHERE id = %s", [events[1].pk])
    fast, _ = _both(f"event {events[2].pk}: sequence 3, expected 2")
    assert fast.first_broken == events[2]


def test_changed_previous_hash(onboarding_a):
    victim = _chain(onboarding_a)[1]
    _tamper("UPDATE workflows_auditevent SET prev_hash = %s WHERE id = %s", ["f" * 64, victim.pk])
    _both(f"event {victim.pk}: previous hash does not match")


def test_truncated_chain_is_named_by_its_head_and_the_checkpoint(onboarding_a):
    checkpoint = audit.seal_checkpoint()
    last = _chain(onboarding_a)[-1]
    _tamper("DELETE FROM workflows_auditevent WHERE id = %s", [last.pk])
    key = f"process:{onboarding_a.pk}"
    fast, _ = _both(f"chain {key}: head does not match its last event")
    assert fast.first_broken is None
    assert f"checkpoint {checkpoint.pk}: chain {key} event {last.seq} was altered" in fast.problems


def test_chain_emptied_entirely(onboarding_a):
    key = f"process:{onboarding_a.pk}"
    _tamper("DELETE FROM workflows_auditevent WHERE chain_key = %s", [key])
    _both(f"chain {key}: head does not match its last event")


def test_sealed_chain_emptied_entirely(onboarding_a):
    """A recorded chain with no events: its sealed head is looked up, not taken as fitting."""
    checkpoint = audit.seal_checkpoint()
    key = f"process:{onboarding_a.pk}"
    last = _chain(onboarding_a)[-1]
    _tamper("DELETE FROM workflows_auditevent WHERE chain_key = %s", [key])
    fast, _ = _both(f"chain {key}: head does not match its last event")
    assert f"checkpoint {checkpoint.pk}: chain {key} event {last.seq} was altered" in fast.problems


def test_seal_written_otherwise_is_checked_re_encoded(onboarding_a):
    """Heads as jsonb wrote them (keys by length, spaces) still give the seal's hash."""
    checkpoint = audit.seal_checkpoint()
    audit.record("x.after", process=onboarding_a)
    audit.seal_checkpoint()  # chained to the first: its prev_hash is the first's hash
    _tamper(
        "UPDATE workflows_auditcheckpoint SET heads = heads::jsonb::json WHERE id = %s",
        [checkpoint.pk],
    )
    fast, reference = audit.verify(), audit._verify_orm()
    assert fast.ok and reference.ok, fast.problems
    assert fast.checkpoints_checked == reference.checkpoints_checked == 2


def test_head_problems_in_key_order_whether_emptied_or_cut(onboarding_a, onboarding_b):
    """A chain emptied entirely and one cut short, in one range: named in key order."""
    keys = sorted([f"process:{onboarding_a.pk}", f"process:{onboarding_b.pk}"])
    _tamper("DELETE FROM workflows_auditevent WHERE chain_key = %s", [keys[0]])
    last = AuditEvent.objects.filter(chain_key=keys[1]).order_by("-seq").first()
    _tamper("DELETE FROM workflows_auditevent WHERE id = %s", [last.pk])
    fast, _ = _both(f"chain {keys[0]}: head does not match its last event")
    assert fast.problems == [f"chain {key}: head does not match its last event" for key in keys]


def test_altered_checkpoint(onboarding_a):
    checkpoint = audit.seal_checkpoint()
    _tamper(
        "UPDATE workflows_auditcheckpoint SET heads = (heads::jsonb - %s)::json WHERE id = %s",
        [f"process:{onboarding_a.pk}", checkpoint.pk],
    )
    _both(f"checkpoint {checkpoint.pk}: seal does not match")


def test_sealed_head_forged_with_its_chain_head(onboarding_a):
    """A seal is compared with the recorded head only for a chain that fits: a head hash
    forged in both the seal and the chain is looked up among the events."""
    checkpoint = audit.seal_checkpoint()
    key, forged = f"process:{onboarding_a.pk}", "e" * 64
    _tamper("UPDATE workflows_auditchain SET head_hash = %s WHERE key = %s", [forged, key])
    _tamper(
        "UPDATE workflows_auditcheckpoint SET heads = jsonb_set(heads::jsonb, %s, %s)::json"
        " WHERE id = %s",
        [[key, "1"], f'"{forged}"', checkpoint.pk],
    )
    fast, _ = _both(f"chain {key}: head does not match its last event")
    seq = checkpoint.heads[key][0]
    assert fast.problems[-2:] == [
        f"checkpoint {checkpoint.pk}: seal does not match",
        f"checkpoint {checkpoint.pk}: chain {key} event {seq} was altered",
    ]


def test_verification_queries_do_not_grow_with_checkpoints(onboarding_a):
    audit.seal_checkpoint()
    with CaptureQueriesContext(connection) as one:
        assert audit.verify().ok
    for i in range(5):
        audit.record(f"step.{i}", process=onboarding_a)
        audit.seal_checkpoint()
    assert AuditCheckpoint.objects.count() == 6
    with CaptureQueriesContext(connection) as six:
        assert audit.verify().checkpoints_checked == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_seal_takes_only_moved_heads_without_reading_checkpoints(onboarding_a, onboarding_b):
    first = audit.seal_checkpoint()
    assert {f"process:{onboarding_a.pk}", f"process:{onboarding_b.pk}"} <= set(first.heads)
    assert len(first.heads) == AuditChain.objects.filter(length__gt=0).count()
    assert audit.seal_checkpoint() is None  # nothing moved
    event = audit.record("moved", process=onboarding_b)
    for _ in range(4):
        audit.record("other", chain_key="elsewhere")
        audit.seal_checkpoint()
    audit.record("moved.again", process=onboarding_b)
    with CaptureQueriesContext(connection) as ctx:
        last = audit.seal_checkpoint()
    assert last.heads == {
        f"process:{onboarding_b.pk}": [event.seq + 1, AuditEvent.objects.latest("pk").hash]
    }
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, statements  # lock the last seal, take moved heads, insert
    assert audit.verify().ok


def test_migration_remembers_heads_sealed_before_it(onboarding_a, onboarding_b):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("workflows.migrations.0007_audit_chain_sealed_head")
    audit.seal_checkpoint()
    audit.record("after.seal", process=onboarding_b)
    AuditChain.objects.update(sealed_length=0, sealed_hash="")  # as the migration finds them
    migration.remember_sealed_heads(apps, None)
    assert audit.seal_checkpoint().heads.keys() == {f"process:{onboarding_b.pk}"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_connections_agree_with_one_and_name_the_first_break(onboarding_a, onboarding_b):
    """Worker connections see committed rows only: this test commits, then cleans up.

    With more than one, the checkpoints are checked on a connection of their own too."""
    sealed = audit.seal_checkpoint()
    one, two = audit.verify(workers=1), audit.verify(workers=3)
    assert one.checkpoints_checked == two.checkpoints_checked >= 1
    assert one.ok and two.ok and one.chains_checked >= 6
    assert (two.events_checked, two.chains_checked) == (one.events_checked, one.chains_checked)
    keys = sorted(AuditEvent.objects.filter(seq=2).values_list("chain_key", flat=True))
    victims = [AuditEvent.objects.get(chain_key=key, seq=2) for key in (keys[0], keys[-1])]
    with transaction.atomic():
        for victim in victims:
            _tamper("UPDATE workflows_auditevent SET comment = 'x' WHERE id = %s", [victim.pk])
        key = victims[-1].chain_key  # its sealed head, said to be another hash
        _tamper(
            "UPDATE workflows_auditcheckpoint SET heads = jsonb_set(heads::jsonb, %s, %s)::json"
            " WHERE id = %s",
            [[key, "1"], '"' + "f" * 64 + '"', sealed.pk],
        )
    with translation.override(None):
        one, two = audit.verify(workers=1), audit.verify(workers=3)
        assert two.problems == one.problems == audit._verify_orm().problems
    assert two.first_broken == one.first_broken == victims[0]
    seq = sealed.heads[key][0]
    assert two.problems[-2:] == [
        f"checkpoint {sealed.pk}: seal does not match",
        f"checkpoint {sealed.pk}: chain {key} event {seq} was altered",
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ranges_from_stale_statistics_still_cover_every_chain(onboarding_a, onboarding_b):
    """The ranges' bounds come from the planner's statistics, which lag behind new chains.

    Chains made after ANALYZE, sorting before, between and after its quantiles, are
    each in exactly one range: a tampered event in each is named once, as by one scan."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflows_auditchain")
        cursor.execute(
            "SELECT histogram_bounds::text::text[] FROM pg_stats"
            " WHERE tablename = 'workflows_auditchain' AND attname = 'key'"
        )
        quantiles = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as ctx, connection.cursor() as cursor:
        ranges = audit._ranges(cursor, 3)
    assert len(ctx.captured_queries) == 1  # the statistics', not a count of the chains
    assert len(ranges) == 3 and ranges[0][0] is None and ranges[-1][1] is None
    assert all(low == high_before for (_, high_before), (low, _) in itertools.pairwise(ranges))
    n = len(quantiles) - 1
    assert [ranges[1][0], ranges[2][0]] == [quantiles[n // 3], quantiles[2 * n // 3]]
    between = ranges[1][0] + "-entre"
    with connection.cursor() as cursor:  # in the middle range, by the database's order
        cursor.execute("SELECT %s > %s AND %s < %s", [between, ranges[1][0], between, ranges[2][0]])
        assert cursor.fetchone() == (True,)
    for key in ("0-antes", between, "zz-despues"):
        for n in range(2):
            audit.record("test.stale", chain_key=key, comment=f"{key} {n}")
    victims = AuditEvent.objects.filter(action="test.stale", seq=2)
    assert victims.count() == 3
    with transaction.atomic():
        for victim in victims:
            _tamper("UPDATE workflows_auditevent SET comment = 'x' WHERE id = %s", [victim.pk])
    with translation.override(None):
        one, three = audit.verify(workers=1), audit.verify(workers=3)
    assert (three.events_checked, three.chains_checked) == (one.events_checked, one.chains_checked)
    assert three.problems == one.problems and len(one.problems) == 3
    assert three.first_broken == one.first_broken
