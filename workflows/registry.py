"""The flows the system runs, so that generic pages can list process types."""

from django.conf import settings
from django.utils.module_loading import import_string


def flows():
    return [import_string(path) for path in settings.WORKFLOWS_FLOWS]


def flow_choices():
    from viewflow.workflow.fields import get_flow_ref

    return [(get_flow_ref(f), f.process_title) for f in flows()]


def nodes_in_order(flow_class):
    """The flow's nodes as the work goes: breadth first from its start nodes."""
    nodes = list(flow_class.instance.nodes())
    queue = [node for node in nodes if not any(True for _edge in node._incoming())]
    seen = []
    while queue:
        node = queue.pop(0)
        if node not in seen:
            seen.append(node)
            queue.extend(edge.dst for edge in node._outgoing())
    return seen + [node for node in nodes if node not in seen]
