from django.core.management.base import BaseCommand

from notifications import outbox
from notifications.models import Job


class Command(BaseCommand):
    help = (
        "Hand the background jobs waiting in the outbox to Celery (what beat does every "
        "minute); run it after the broker comes back to send what waited at once."
    )

    def handle(self, *args, **options):
        sent = outbox.relay()
        waiting = Job.objects.filter(state=Job.State.PENDING).count()
        self.stdout.write(f"{sent} job(s) handed to the broker, {waiting} still waiting.")
        if waiting and not sent:
            self.stderr.write("The broker is unreachable: the jobs wait in the outbox.")
