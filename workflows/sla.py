"""Due dates from the SLA policy table (coordinators edit it; nodes give the defaults)."""

from django.db import connection

from .models import SlaPolicy

# Read at every task's creation: written out, it skips the ORM's compiling of the query,
# a tenth of a millisecond of each completion (docs/performance.md). One row at most:
# the pair is unique (``unique_sla_per_task``).
_DAYS_SQL = f"SELECT days FROM {SlaPolicy._meta.db_table} WHERE flow_label = %s AND task_name = %s"


def days_for(node):
    with connection.cursor() as cursor:
        cursor.execute(_DAYS_SQL, node.sla_key())
        row = cursor.fetchone()
    return row[0] if row is not None else node.sla_days


def ensure_policies(flows):
    """Create a policy row, with the node's default, for every human task of ``flows``."""
    from .nodes import HumanTask

    created = 0
    for flow_class in flows:
        for node in flow_class.instance.nodes():
            if isinstance(node, HumanTask):
                flow_label, task_name = node.sla_key()
                _, was_created = SlaPolicy.objects.get_or_create(
                    flow_label=flow_label,
                    task_name=task_name,
                    defaults={"days": node.sla_days, "label": str(node.task_title)},
                )
                created += was_created
    return created
