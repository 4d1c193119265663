"""The flows' process lock."""

import random
import threading
import time
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.lock import lock_scope

_made_here = threading.local()


def _made_here_pks():
    """This thread's noted processes; none outside a transaction, where all committed."""
    pks = getattr(_made_here, "pks", None)
    if pks is None:
        pks = _made_here.pks = set()
    elif pks and not connection.in_atomic_block:
        pks.clear()
    return pks


def made_in_this_transaction(process_pk):
    """Note a process this thread's transaction inserted; forgotten when it commits.

    Until then no other transaction can see the process, so locking it excludes no one:
    starting a process skips a locking read that way. A rolled-back process stays
    noted, harmlessly: its id is never given again.
    """
    pks = _made_here_pks()
    if not connection.in_atomic_block:
        return  # committed already (autocommit)
    pks.add(process_pk)
    # Robust: a failing callback before it must not leave a committed process noted.
    transaction.on_commit(lambda: pks.discard(process_pk), robust=True)


class ProcessLock:
    """viewflow's ``SelectForUpdateLock``, taken ``FOR NO KEY UPDATE``.

    Two activations of one process still exclude each other, but a row that points
    at the process (a reminder, an audit event) no longer waits for the lock: a
    foreign key check takes ``FOR KEY SHARE``, which ``FOR UPDATE`` blocks and
    ``FOR NO KEY UPDATE`` does not. With ``FOR UPDATE`` a reminder sweep holding
    audit chains and checking its keys at commit deadlocked with a completion
    holding the process and waiting for its chain.
    """

    def __init__(self, nowait=False, attempts=5):
        self.nowait = nowait
        self.attempts = attempts

    @contextmanager
    def __call__(self, flow_class, process_pk):
        if process_pk in _made_here_pks():
            # No other transaction sees this process yet: nothing to exclude, but the
            # block is still all or nothing for a caller that catches its failure.
            with transaction.atomic():
                yield
            return
        manager = flow_class.process_class._default_manager
        for attempt in range(self.attempts):
            with transaction.atomic():
                try:
                    manager.filter(pk=process_pk).select_for_update(
                        nowait=self.nowait, no_key=True
                    ).exists()
                except DatabaseError:
                    if attempt == self.attempts - 1:
                        raise FlowLockFailed(f"Lock failed for {flow_class}") from None
                    time.sleep(((attempt + 1) * random.random() + 2**attempt) / 2.5)
                else:
                    yield
                    break


@contextmanager
def _by_task(_flow_class, task_pk):
    from .models import Process, Task

    with transaction.atomic():
        if connection.features.has_select_for_update:  # SQLite locks the whole database
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT 1 FROM {Process._meta.db_table} WHERE id ="
                    f" (SELECT process_id FROM {Task._meta.db_table} WHERE id = %s)"
                    " FOR NO KEY UPDATE",
                    [task_pk],
                )
        yield


def holding_process_of_task(task_pk):
    """The lock ``ProcessLock`` takes, on the process of task ``task_pk``, in a transaction.

    For a caller that reads the task only once it holds the lock (completing a task
    from its page): the task is then read once, where ``Task.activation`` locks by the
    process and reads the task again. Every flow locks with ``ProcessLock`` (a test
    holds them to it); callbacks waiting for the flow lock run as they do after it.
    """
    return lock_scope(_by_task, None, task_pk)
