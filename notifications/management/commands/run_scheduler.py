"""The embedded default's scheduler: what Celery beat does in production, in one process.

It runs the jobs of the beat schedule as the admin's *Periodic tasks* hold them (the
table ``CELERY_BEAT_SCHEDULE`` seeds), through the scheduler beat itself uses, so a job a
coordinator disabled or moved is disabled or moved here too, and a job added to the
settings needs no change here. Without Redis, Celery runs each job in this process.
"""

import time

from celery import current_app
from celery.utils.imports import symbol_by_name
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of the beat schedule in-process (reminder sweep, digests, "
        "expiries, audit seals...) for the embedded default, where there is no Celery beat."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=int, default=60, help="at most this many seconds between checks"
        )
        parser.add_argument("--once", action="store_true", help="run every job once, then stop")

    def handle(self, *args, interval=60, once=False, **options):
        current_app.loader.import_default_modules()  # the apps' tasks, as a worker finds them
        scheduler = symbol_by_name(current_app.conf.beat_scheduler)(app=current_app, lazy=False)
        # Every job once at the start, so a first look at the demo shows reminders and
        # seals at once instead of after each job's first period.
        failed = self.run_all(scheduler)
        if once:
            if failed:
                raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")
            return
        while True:
            time.sleep(min(scheduler.tick(), interval))

    def run_all(self, scheduler):
        failed = []
        for entry in list(scheduler.schedule.values()):
            try:
                scheduler.apply_async(entry)
            except Exception as error:  # one failing job must not keep the others from running
                failed.append(entry.name)
                self.stderr.write(f"{entry.name}: {error!r}")
            else:
                self.stdout.write(f"{entry.name}: done")
        scheduler.sync()
        return failed
