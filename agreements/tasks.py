from celery import shared_task

from . import services


@shared_task(acks_late=True)
def expire_due_agreements():
    """Daily: expire agreements past their end date and open their renewals (idempotent)."""
    return services.expire_due_agreements()
