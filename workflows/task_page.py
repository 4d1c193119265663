"""What a task page shows around its form: the subject, the return, what changed.

The engine renders a node's panel without knowing what it shows: the node (or its
subject's model) names the template and a function for its context (``HumanTask``).
"""

from django.template.loader import render_to_string

from . import rounds, selectors
from .chart import process_chart
from .forms import DecisionForm


def subject_panel(task, user, request):
    """The HTML that shows what ``task`` asks about, or "" when its step names none."""
    node = task.flow_task
    subject = task.process.subject
    template = getattr(node, "panel", None) or getattr(subject, "task_panel_template", None)
    if not template:
        return ""
    context = {"task": task, "process": task.process, "subject": subject}
    make_context = getattr(node, "panel_context", None)
    if make_context is not None:
        context.update(make_context(task=task, subject=subject, user=user))
    return render_to_string(template, context, request=request)


def around_the_form(task, user, request):
    """The page's context beside the form: panel, the return that opened it, changes."""
    form_class = getattr(task.flow_task, "form_class", None)
    is_decision = bool(form_class and issubclass(form_class, DecisionForm))
    returned_by, handed_over_by = rounds.led_here(task)
    return {
        "panel": subject_panel(task, user, request),
        "returned_by": returned_by,
        "handed_over_by": handed_over_by,
        # A reviewer's second look: what the reworked subject changed since their first.
        "round": (
            rounds.changes_since_previous_round(task) if is_decision and task.is_open else None
        ),
        "is_decision": is_decision,
        "submit_label": getattr(task.flow_task, "submit_label", None),
        "chart": process_chart(task.process, selectors.process_tasks(task.process)),
    }
