"""Due dates from the SLA policy table (coordinators edit it; nodes give the defaults)."""

from .models import SlaPolicy


def days_for(node):
    flow_label, task_name = node.sla_key()
    policy = (
        SlaPolicy.objects.filter(flow_label=flow_label, task_name=task_name)
        .values_list("days", flat=True)
        .first()
    )
    return policy if policy is not None else node.sla_days


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
