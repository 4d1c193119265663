from celery import shared_task

from . import audit


@shared_task
def seal_audit_checkpoint():
    checkpoint = audit.seal_checkpoint()
    return checkpoint.pk if checkpoint else None
