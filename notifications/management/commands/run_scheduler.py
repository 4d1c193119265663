"""The embedded default's scheduler: what Celery beat does in production, in one process."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from agreements.services import expire_due_agreements
from finance.services import open_due_periods
from networks.services import close_overdue_invitations
from notifications import digest, outbox, reminders, services
from workflows import audit


class Command(BaseCommand):
    help = (
        "Run the periodic jobs in-process (reminder sweep, daily digests and expiry, "
        "audit seals) for the embedded default, where there is no Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=60, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval=60, once=False, **options):
        last_daily = None
        while True:
            sent = reminders.sweep()
            services.redispatch_stale()
            outbox.relay()
            today = timezone.localdate()
            if last_daily != today:
                digest.send_digests()
                expire_due_agreements()
                open_due_periods()
                close_overdue_invitations()
                audit.seal_checkpoint()
                last_daily = today
            if sent:
                self.stdout.write(f"{timezone.localtime():%H:%M} {len(sent)} reminder(s) sent")
            if once:
                return
            time.sleep(interval)
