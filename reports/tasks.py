from celery import shared_task

from . import services


@shared_task(acks_late=True)
def generate_report(pk):
    report = services.generate(pk)
    return report.status if report else None


@shared_task(acks_late=True)
def generate_monthly_report():
    report = services.monthly_report()
    return report.pk if report else None
