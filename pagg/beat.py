"""Celery beat's scheduler: the settings' schedule fills the table once, the admin owns it after.

django-celery-beat's ``DatabaseScheduler`` writes every ``CELERY_BEAT_SCHEDULE`` entry
over its row each time beat starts (a known limitation of the library), so a time a
coordinator changed in the admin would last only until the next deployment. Here an entry
creates its row only when the table has none of that name: a job added to the settings
later still appears on the next start, and the rows already there stay as they were left.
"""

from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry


class SeedOnlyEntry(ModelEntry):
    @classmethod
    def from_entry(cls, name, app=None, **entry):
        existing = PeriodicTask.objects.filter(name=name).first()
        if existing is None:
            return super().from_entry(name, app=app, **entry)
        return cls(existing, app=app)


class Scheduler(DatabaseScheduler):
    Entry = SeedOnlyEntry


def install_schedule(app):
    """Write the rows beat would write on its first start (without starting beat)."""
    for name, entry in app.conf.beat_schedule.items():
        SeedOnlyEntry.from_entry(name, app=app, **entry)
