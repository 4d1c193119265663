"""The flows' process lock."""

import random
import time
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from viewflow.workflow.exceptions import FlowLockFailed


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
