"""A process starts inside its service's transaction, all or nothing, in few statements."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.nodes import StartHandle

from agreements.flows import OnboardingFlow
from agreements.models import Agreement
from workflows import audit, sla
from workflows.models import AuditEvent, Process
from workflows.nodes import Start
from workflows.registry import flows

from ..conftest import start

pytestmark = pytest.mark.django_db


def test_every_flow_starts_through_the_start_node():
    """viewflow's own start would take two savepoints more (the node's and the lock's)."""
    starts = [
        node for flow in flows() for node in flow.instance.nodes() if isinstance(node, StartHandle)
    ]
    assert len(starts) >= 8 and all(isinstance(node, Start) for node in starts)


def test_a_start_makes_only_its_services_savepoint_and_reads_no_lock(facilitator_a, municipality_a):
    """The one savepoint is the service's own transaction, nested here in the caller's."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            process = start(facilitator_a, municipality_a)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert process.pk and process.task_set.filter(flow_task_type="HUMAN").count() == 1
    assert len([sql for sql in sqls if sql.startswith("SAVEPOINT")]) == 1
    assert not [sql for sql in sqls if "FOR NO KEY UPDATE" in sql]


def _failing_due_date(monkeypatch):
    def fail(node):
        raise RuntimeError("la tabla de plazos no responde")

    monkeypatch.setattr(sla, "days_for", fail)


def test_a_start_failing_after_its_process_was_written_leaves_nothing(
    facilitator_a, municipality_a, monkeypatch
):
    """The first task fails after the process, agreement and events were written."""
    events = AuditEvent.objects.count()
    _failing_due_date(monkeypatch)
    with pytest.raises(RuntimeError, match="plazos"):
        start(facilitator_a, municipality_a)
    assert not Process.objects.filter(municipality=municipality_a).exists()
    assert not Agreement.objects.filter(municipality=municipality_a).exists()
    assert AuditEvent.objects.count() == events
    monkeypatch.undo()
    process = start(facilitator_a, municipality_a)  # and it can start again
    assert process.task_set.filter(flow_task_type="HUMAN", status="ASSIGNED").count() == 1
    assert audit.verify().ok


def test_a_caller_catching_a_failed_start_cannot_commit_half_of_it(
    facilitator_a, municipality_a, monkeypatch
):
    """Without a savepoint of its own, a failed start marks the caller's block for rollback."""
    _failing_due_date(monkeypatch)
    with transaction.atomic():
        agreement = Agreement.objects.create(municipality=municipality_a, facilitator=facilitator_a)
        with pytest.raises(RuntimeError, match="plazos"):
            OnboardingFlow.start.run(agreement=agreement, by=facilitator_a)
        with pytest.raises(TransactionManagementError):
            Agreement.objects.count()
    assert not Agreement.objects.filter(municipality=municipality_a).exists()
    assert not Process.objects.filter(municipality=municipality_a).exists()


def test_callbacks_queued_by_a_failing_start_do_not_hide_its_error(
    facilitator_a, municipality_a, monkeypatch
):
    """A database error aborts the transaction: a callback's query would raise instead."""
    from django.db import ProgrammingError
    from viewflow.workflow.lock import after_lock_released

    ran = []

    def fail(node):
        after_lock_released(lambda: ran.append(Agreement.objects.count()))
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM workflows_process")

    monkeypatch.setattr(sla, "days_for", fail)
    with pytest.raises(ProgrammingError, match="no_such_column"):
        start(facilitator_a, municipality_a)
    assert ran == []
    assert not Process.objects.filter(municipality=municipality_a).exists()
