from celery import shared_task

from . import services


@shared_task(acks_late=True)
def open_due_periods():
    """Daily: open the fiscal periods whose day has come (idempotent)."""
    return [str(period) for period in services.open_due_periods()]


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def check_upload(upload_id):
    """Check a large upload in the background; a redelivered job finds it done."""
    from .models import Upload

    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is not None:
        services.check_upload_now(upload)
