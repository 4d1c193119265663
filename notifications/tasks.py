"""Celery tasks: one e-mail per task (so one bad address blocks nothing), sweeps and digests."""

import smtplib

from celery import shared_task

from . import digest, reminders, services

RETRYABLE = (smtplib.SMTPException, OSError)


@shared_task(bind=True, acks_late=True, max_retries=services.MAX_ATTEMPTS - 1)
def deliver_email(self, pk):
    try:
        return services.deliver(pk)
    except RETRYABLE as error:
        final = self.request.retries >= self.max_retries
        services.record_failure(pk, error, final=final)
        if not final:
            raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
        return "failed"


@shared_task(acks_late=True)
def deliver_emails(pks):
    """Deliver a chunk; a failing address gets its own retrying job and blocks nothing."""
    for pk in pks:
        try:
            services.deliver(pk)
        except RETRYABLE as error:
            services.record_failure(pk, error, final=False)
            deliver_email.apply_async((pk,), countdown=30, retries=1)


@shared_task(acks_late=True)
def send_reminders():
    sent = reminders.sweep()
    services.redispatch_stale()
    return len(sent)


@shared_task(acks_late=True)
def send_digests():
    return digest.send_digests()


@shared_task(acks_late=True)
def relay_outbox():
    """Every minute (beat): hand waiting background jobs to the workers."""
    from . import outbox

    return outbox.relay()
