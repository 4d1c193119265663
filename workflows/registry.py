"""The flows the system runs, so that generic pages can list process types."""

from django.conf import settings
from django.utils.module_loading import import_string


def flows():
    return [import_string(path) for path in settings.WORKFLOWS_FLOWS]


def flow_choices():
    from viewflow.workflow.fields import get_flow_ref

    return [(get_flow_ref(f), f.process_title) for f in flows()]
