"""Bulk writes used by the sweep: COPY of generated rows, JSON values, the paused collector."""

import gc

import pytest

from notifications.models import Kind, Notification
from notifications.services import NOTIFICATION_COLUMNS
from workflows import audit, bulk
from workflows.models import AuditEvent

from ..conftest import make_user

pytestmark = pytest.mark.django_db


def test_copy_rows_takes_a_generator_and_json_as_values_or_text(onboarding_a):
    from django.utils import timezone

    person = make_user("bulky", "specialist")
    contexts = [{"b": [1, "ñ"], "a": None}, '{"already": "text"}', 7, "[]"]
    now = timezone.now()

    def rows():
        for index, context in enumerate(contexts):
            yield (
                person.pk,
                Kind.OVERDUE,
                f"bulk:{index}",
                "tab\there, newline\nthere, backslash \\ too",
                "",
                "",
                None,
                onboarding_a.pk,
                context,
                now,
                None,
                "skipped",
                0,
                "",
                None,
            )

    bulk.copy_rows(Notification, NOTIFICATION_COLUMNS[1:], rows(), json_columns={"context"})
    stored = {n.key: n for n in Notification.objects.filter(key__startswith="bulk:")}
    assert [stored[f"bulk:{i}"].context for i in range(4)] == [
        {"b": [1, "ñ"], "a": None},
        {"already": "text"},
        7,
        [],
    ]
    assert stored["bulk:0"].title == "tab\there, newline\nthere, backslash \\ too"
    bulk.copy_rows(Notification, NOTIFICATION_COLUMNS[1:], [], json_columns={"context"})


def test_bulk_event_with_a_string_after_is_stored_as_json(onboarding_a):
    audit.record_many(
        [{"action": "notification.overdue", "process_id": onboarding_a.pk, "after": "plain"}]
    )
    event = AuditEvent.objects.filter(process=onboarding_a).order_by("-seq").first()
    assert event.after == "plain" and audit.event_hash(event) == event.hash
    assert audit.verify().ok


def test_gc_paused_restores_the_collector():
    assert gc.isenabled()
    with bulk.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk.gc_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
