from celery import shared_task

from . import services


@shared_task(acks_late=True)
def close_overdue_invitations():
    """Daily: invitation tasks past their deadline close with "no answer" (idempotent)."""
    return services.close_overdue_invitations()
