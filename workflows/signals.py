"""Signals the engine sends, inside the transaction of the change they announce.

Receivers (notifications) write their rows in that same transaction, so a
notification exists if and only if the change committed.
"""

from django.dispatch import Signal

# sender=Task class; task, by (user or None)
task_assigned = Signal()
