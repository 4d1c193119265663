from celery import shared_task


@shared_task
def anonymise_requested_candidates():
    """Erase the data of candidates who asked for it, once their process has ended."""
    from . import services

    done, _refused = services.anonymise_pending()
    return done


@shared_task(acks_late=True)
def send_invitation(contract_pk, asked_at=None):
    """E-mail a new specialist their invitation; a redelivered job sends nothing twice."""
    from . import services

    return services.send_invitation(contract_pk, asked_at)
