"""The audit trail's JSON, stored as the canonical text its hash covers (migration 0010)."""

import importlib

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows import audit
from workflows.fields import canonical_json
from workflows.models import AuditEvent

from .test_audit_verify import JSON, TEXT, _canonical_texts, _verify_capturing

pytestmark = pytest.mark.django_db

migration = importlib.import_module("workflows.migrations.0010_audit_json_as_hashed")

AWKWARD = [
    {"bb": [1, 2.5, {"é": "x", "e": None}], "a": {}, 'c"\\': "línea\n\x01\u2028🇻🇪"},
    {"count": 0, "flags": {"z": False, "y": []}, "state": "draft"},
    "solo texto",
    [3, "2", None, True],
    12.375,
    None,
]


def _texts(events, column="after"):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}::text FROM workflows_auditevent WHERE id = ANY(%s) ORDER BY id",
            [[e.pk for e in events]],
        )
        return [text for (text,) in cursor.fetchall()]


def test_stored_text_is_canonical_and_reads_back(onboarding_a):
    events = [audit.record("x.json", process=onboarding_a, after=value) for value in AWKWARD]
    assert _texts(events) == list(_canonical_texts(*AWKWARD))
    stored = AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [e.after for e in stored] == AWKWARD
    assert list(stored.values_list("after", flat=True)) == AWKWARD


def test_lookups_read_the_column_as_jsonb(onboarding_a):
    first, second, *_ = [
        audit.record("x.json", process=onboarding_a, after=value) for value in AWKWARD
    ]
    events = AuditEvent.objects.filter(action="x.json")
    assert list(events.filter(after__state="draft")) == [second]
    assert list(events.filter(after__flags__z=False)) == [second]
    assert list(events.filter(after__contains={"a": {}})) == [first]
    assert list(events.filter(after__has_key="bb").values_list("pk", flat=True)) == [first.pk]
    assert list(events.filter(after="solo texto").values_list("action", flat=True)) == ["x.json"]
    assert events.filter(after__isnull=True).count() == 1
    assert list(events.filter(pk=first.pk).values_list("after__bb__1", flat=True)) == [2.5]


@pytest.mark.usefixtures("postgresql")
def test_migration_writes_jsonb_values_back_as_canonical_text(onboarding_a):
    """Back to jsonb (its own text: keys by length, spaces) and forward again: the
    forward step writes each value's canonical text, and every chain fits in SQL."""
    events = [
        audit.record("x.json", process=onboarding_a, before=value, after=value) for value in AWKWARD
    ]
    expected = list(_canonical_texts(*AWKWARD))
    sealed = audit.seal_checkpoint()
    with connection.cursor() as cursor:  # the inserts' foreign keys, checked before ALTER
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.to_jsonb(None, editor)
    assert _texts(events)[0] != expected[0]  # jsonb wrote it otherwise
    with connection.schema_editor() as editor:
        migration.to_canonical_text(None, editor)
    assert _texts(events) == _texts(events, "before") == expected
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT heads::text FROM workflows_auditcheckpoint WHERE id = %s", [sealed.pk]
        )
        assert cursor.fetchone()[0] == canonical_json(sealed.heads)
    result, streamed = _verify_capturing()
    assert result.ok and not streamed and result.checkpoints_checked == 1


# Floats whose repr has an exponent (1e+20), and -0.0, PostgreSQL's numeric writes
# otherwise; they are checked re-encoded (test_audit_verify).
PLAIN_FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda f: "e" not in repr(f) and repr(f) != "-0.0"
)
VALUES = st.recursive(
    JSON | PLAIN_FLOATS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.usefixtures("postgresql")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=VALUES)
def test_migration_sql_writes_canonical_text_as_python(value):
    value = audit.to_json(value)
    with connection.cursor() as cursor:
        cursor.execute(
            migration.CANONICAL_SQL.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        )
        cursor.execute("SELECT pg_temp.audit_canonical_json(%s::jsonb)", [canonical_json(value)])
        assert cursor.fetchone()[0] == canonical_json(value)
