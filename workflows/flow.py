"""The base of every process definition of the programme."""

from viewflow.workflow import flow

from .locks import ProcessLock
from .models import Process, Task


class Flow(flow.Flow):
    """A process of the programme: its process and task rows are the engine's, which carry
    the municipality, the subject and the deadlines, and two activations of one process
    exclude each other through ``ProcessLock``.

    A flow in a domain app subclasses this and declares only its nodes and title.
    """

    process_class = Process
    task_class = Task
    lock_impl = ProcessLock()
