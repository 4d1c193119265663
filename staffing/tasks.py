from celery import shared_task


@shared_task
def anonymise_requested_candidates():
    """Erase the data of candidates who asked for it, once their process has ended."""
    from . import services

    done, _refused = services.anonymise_pending()
    return done
