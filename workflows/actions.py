"""Readable, translated names for audit actions (the codes stay in the trail)."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "process.started": _("Process started"),
    "task.created": _("Task created"),
    "task.assigned": _("Task assigned"),
    "task.claimed": _("Task taken"),
    "task.released": _("Task put back in the queue"),
    "task.reassigned": _("Task reassigned"),
    "task.completed": _("Task completed"),
    "agreement.created": _("Agreement opened"),
    "agreement.edited": _("Agreement edited"),
    "agreement.submit": _("Agreement sent for review"),
    "agreement.approve": _("Agreement approved"),
    "agreement.return_for_changes": _("Agreement returned with comments"),
    "agreement.sign": _("Signed agreement uploaded"),
    "agreement.activate": _("Agreement activated"),
    "agreement.suspend": _("Agreement suspended"),
    "agreement.reinstate": _("Agreement reinstated"),
    "agreement.expire": _("Agreement expired"),
    "agreement.terminate": _("Agreement terminated"),
    "agreement.renewal_opened": _("Renewal opened"),
    "municipality.registered": _("Municipality and authorities registered"),
    "municipality.joined": _("Municipality joined the programme"),
    "municipality.left": _("Municipality left the programme"),
    "contact.recorded": _("Contact recorded"),
    "scope.granted": _("Scope granted"),
    "scope.revoked": _("Scope revoked"),
    "sla.edited": _("Deadline policy edited"),
    "notification.due_soon": _("Reminder sent: due soon"),
    "notification.overdue": _("Reminder sent: overdue"),
    "notification.escalation": _("Escalated to the coordination"),
    "notification.returned": _("Return notified"),
    "audit.verified": _("Audit trail verified"),
}


def label(action):
    return LABELS.get(action, action)
