"""Two people claiming one task at the same moment, on real PostgreSQL connections."""

import threading

import pytest
from django.db import connections

from agreements import scope
from workflows import audit, services
from workflows.models import AuditEvent

from ..conftest import make_user, open_task

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def _in_threads(target, arguments, timeout=30):
    """``target(*args)`` for each of ``arguments``, each in its own thread, all at once."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def _errors_in_threads(target, arguments, timeout=30):
    """``_in_threads``, each thread closing its connections; what the threads raised."""
    errors = []

    def run(*args):
        try:
            target(*args)
        except Exception as error:  # the caller's assertion names it
            errors.append(error)
        finally:
            connections.close_all()

    _in_threads(run, arguments, timeout=timeout)
    return errors


def _race(task_pk, users, action):
    from workflows.models import Task

    barrier = threading.Barrier(len(users))
    outcomes = {}

    def attempt(index, user):
        try:
            task = Task.objects.get(pk=task_pk)
            barrier.wait()
            action(task, user)
            outcomes[(index, user.username)] = "won"
        except services.TaskUnavailable:
            outcomes[(index, user.username)] = "lost"
        finally:
            connections.close_all()

    _in_threads(attempt, list(enumerate(users)))
    return outcomes


def test_two_concurrent_claims_one_winner(onboarding_a, facilitator_a, coordinator):
    task = open_task(onboarding_a)
    services.release(task, facilitator_a)
    second = make_user("fac_a_bis", "facilitator")
    scope.grant_facilitator_municipality(second, onboarding_a.municipality, by=coordinator)

    for _round in range(3):
        outcomes = _race(task.pk, [facilitator_a, second], services.claim)
        assert sorted(outcomes.values()) == ["lost", "won"]
        task.refresh_from_db()
        winner = next(key[1] for key, result in outcomes.items() if result == "won")
        assert task.owner.username == winner and task.status == "ASSIGNED"
        services.release(task, task.owner)

    claims = AuditEvent.objects.filter(task=task, action="task.claimed").count()
    assert claims == 3


def test_concurrent_completions_complete_once(onboarding_a, facilitator_a, coordinator):
    import datetime

    from ..conftest import draft_post

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    task = open_task(onboarding_a)
    outcomes = _race(
        task.pk,
        [facilitator_a, facilitator_a.__class__.objects.get(pk=facilitator_a.pk)],
        lambda t, u: services.complete(t, u, dict(data)),
    )
    assert sorted(outcomes.values()) == ["lost", "won"]
    assert AuditEvent.objects.filter(task=task, action="task.completed").count() == 1
    assert AuditEvent.objects.filter(process=onboarding_a, action="agreement.submit").count() == 1


def test_first_events_of_a_new_chain_racing(municipality_a):
    """Two transactions opening the same chain at once: both events land, chained in order."""
    from django.db import transaction

    from workflows import audit
    from workflows.models import AuditChain

    key = "agreements.municipality:racing"
    barrier = threading.Barrier(2)

    def first_event(index):
        with transaction.atomic():
            barrier.wait()
            audit.record("scope.granted", chain_key=key, comment=f"hilo {index}")

    errors = _errors_in_threads(first_event, [(i,) for i in range(2)])
    assert errors == []
    chain = AuditChain.objects.get(key=key)
    assert chain.length == 2
    assert sorted(AuditEvent.objects.filter(chain_key=key).values_list("seq", flat=True)) == [1, 2]
    assert audit.verify_chain(key)["ok"]


def test_appends_racing_on_one_chain_stay_in_order(municipality_a):
    """Each append locks the head in the statement that hashes onto it: no gaps, no forks.

    Four connections append to one existing chain at once, each event in its own
    transaction; PostgreSQL re-reads the head a waiting append was blocked on.
    """
    from django.db import transaction

    from workflows.models import AuditChain

    key = "agreements.municipality:appending"
    audit.record("scope.granted", chain_key=key, comment="primero")
    threads_count, per_thread = 4, 10
    barrier = threading.Barrier(threads_count)

    def append(index):
        barrier.wait()
        for n in range(per_thread):
            with transaction.atomic():
                audit.record("scope.granted", chain_key=key, comment=f"hilo {index}, {n}")

    errors = _errors_in_threads(append, [(i,) for i in range(threads_count)], timeout=60)
    assert errors == []
    total = 1 + threads_count * per_thread
    assert AuditChain.objects.get(key=key).length == total
    seqs = list(
        AuditEvent.objects.filter(chain_key=key).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, total + 1))
    assert audit.verify_chain(key)["ok"]


def _holding_the_flow_lock(process, held, release):
    """In its own connection: take the process's flow lock and keep it until told."""
    from agreements.flows import OnboardingFlow

    try:
        with OnboardingFlow.lock_impl(OnboardingFlow, process.pk):
            held.set()
            release.wait(timeout=30)
    finally:
        connections.close_all()


def test_the_flow_lock_excludes_activations_but_not_rows_pointing_at_the_process(
    onboarding_a, facilitator_a
):
    """A reminder for a process being completed commits; a second activation waits.

    The flow lock is FOR NO KEY UPDATE: the foreign key check of a new row pointing
    at the process (FOR KEY SHARE, at commit) passes it, which FOR UPDATE would not.
    That wait, with the sweep holding audit chains, was a deadlock.
    """
    from django.db import OperationalError, connection, transaction

    from agreements.flows import OnboardingFlow
    from notifications.models import Kind, Notification

    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_holding_the_flow_lock, args=(onboarding_a, held, release))
    holder.start()
    try:
        assert held.wait(timeout=10)
        task = open_task(onboarding_a)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            Notification.objects.create(
                recipient=facilitator_a,
                kind=Kind.OVERDUE,
                key="overdue:test",
                title="Vencida",
                task=task,
                process=onboarding_a,
            )
            audit.record("notification.overdue", process=onboarding_a, task=task)
        assert Notification.objects.filter(key="overdue:test", process=onboarding_a).exists()

        with pytest.raises(OperationalError, match="lock timeout"):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '500ms'")
                OnboardingFlow.process_class.objects.filter(pk=onboarding_a.pk).select_for_update(
                    no_key=True
                ).exists()
    finally:
        release.set()
        holder.join(timeout=30)
    assert audit.verify().ok


def _trying_the_subject(agreement_pk, outcome):
    from django.db import OperationalError, transaction

    from agreements.models import Agreement

    try:
        with transaction.atomic():
            Agreement.objects.select_for_update(nowait=True).get(pk=agreement_pk)
        outcome.append("free")
    except OperationalError:
        outcome.append("locked")
    finally:
        connections.close_all()


def test_a_completion_reads_its_subject_locked_until_it_commits(onboarding_a):
    """``locked_subject`` reads the subject afresh and holds it from other transactions."""
    from django.db import transaction

    from agreements.models import Agreement

    with pytest.raises(RuntimeError, match="inside a transaction"):
        onboarding_a.locked_subject()
    Agreement.objects.filter(pk=onboarding_a.subject_id).update(scope="Cambiado por otro")
    outcomes = []
    with transaction.atomic():
        agreement = onboarding_a.locked_subject("municipality")
        assert agreement.scope == "Cambiado por otro" and onboarding_a.subject is agreement
        other = threading.Thread(target=_trying_the_subject, args=(agreement.pk, outcomes))
        other.start()
        other.join(timeout=30)
    after = threading.Thread(target=_trying_the_subject, args=(agreement.pk, outcomes))
    after.start()
    after.join(timeout=30)
    assert outcomes == ["locked", "free"]


def test_a_new_process_is_locked_once_other_transactions_can_see_it(municipality_a, facilitator_a):
    """Inside the transaction that made it, no one else sees a process: no lock is read."""
    from django.db import OperationalError, connection, transaction
    from django.test.utils import CaptureQueriesContext
    from viewflow.workflow.exceptions import FlowLockFailed

    from agreements.flows import OnboardingFlow
    from workflows.locks import ProcessLock

    from ..conftest import start

    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            process = start(facilitator_a, municipality_a)
        assert not [q for q in ctx.captured_queries if "FOR NO KEY UPDATE" in q["sql"]]
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_holding_the_flow_lock, args=(process, held, release))
    holder.start()
    try:
        assert held.wait(timeout=10)
        with pytest.raises((FlowLockFailed, OperationalError)):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                with ProcessLock(attempts=1)(OnboardingFlow, process.pk):
                    pass
    finally:
        release.set()
        holder.join(timeout=30)


def test_held_events_racing_onto_one_new_chain_all_land_in_order():
    """Two transactions append three held events each to a chain neither has made yet."""
    from django.db import transaction

    from workflows.models import AuditChain

    key = "test:held-racing"
    barrier = threading.Barrier(2)

    def append_three(index):
        with transaction.atomic(), audit.appended_together():
            for n in range(3):
                audit.record("test.step", chain_key=key, comment=f"hilo {index}, {n}")
            barrier.wait()  # both hold their events, then both append

    errors = _errors_in_threads(append_three, [(i,) for i in range(2)])
    assert errors == []
    assert AuditChain.objects.get(key=key).length == 6
    comments = list(
        AuditEvent.objects.filter(chain_key=key).order_by("seq").values_list("comment", flat=True)
    )
    assert sorted(comments[:3]) == comments[:3] and sorted(comments[3:]) == comments[3:]
    assert {c[:6] for c in comments[:3]} != {c[:6] for c in comments[3:]}  # one run, then the other
    assert audit.verify_chain(key)["ok"]
    with pytest.raises(RuntimeError, match="in a transaction"):
        with audit.appended_together():
            pass


def test_held_events_on_several_chains_racing_onto_a_new_one_all_land():
    """Both transactions hold events on a new chain they share and on one of their own.

    The one that finds the shared chain made meanwhile appends it again on its own."""
    from django.db import transaction

    from workflows.models import AuditChain

    barrier = threading.Barrier(2)

    def append(index):
        with transaction.atomic(), audit.appended_together():
            audit.record("test.own", chain_key=f"test:own-{index}", comment=f"hilo {index}")
            for n in range(2):
                audit.record("test.shared", chain_key="test:shared", comment=f"hilo {index}, {n}")
            barrier.wait()

    errors = _errors_in_threads(append, [(i,) for i in range(2)])
    assert errors == []
    assert AuditChain.objects.get(key="test:shared").length == 4
    comments = list(
        AuditEvent.objects.filter(chain_key="test:shared")
        .order_by("seq")
        .values_list("comment", flat=True)
    )
    assert {c[:6] for c in comments[:2]} != {c[:6] for c in comments[2:]}  # one, then the other
    for key in ("test:shared", "test:own-0", "test:own-1"):
        assert audit.verify_chain(key)["ok"]
    assert audit.verify().ok


def test_held_events_lock_their_chains_in_one_order_whatever_order_they_were_recorded_in():
    """Recorded on A then B here and B then A there: appended at once, neither deadlocks."""
    from django.db import transaction

    for key in ("test:order-a", "test:order-b"):
        audit.record("test.made", chain_key=key)
    barrier = threading.Barrier(2)

    def append(keys):
        with transaction.atomic(), audit.appended_together():
            for key in keys:
                audit.record("test.crossed", chain_key=key, comment=" > ".join(keys))
            barrier.wait()

    orders = [(("test:order-a", "test:order-b"),), (("test:order-b", "test:order-a"),)]
    errors = _errors_in_threads(append, orders)
    assert errors == []
    assert AuditEvent.objects.filter(action="test.crossed").count() == 4
    assert audit.verify().ok
