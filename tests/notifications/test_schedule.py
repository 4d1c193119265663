import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from pagg.celery import app


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_schedule_is_in_the_database_for_coordinators_to_edit():
    DatabaseScheduler(app=app, lazy=False)
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["send-reminders"] == "notifications.tasks.send_reminders"
    assert tasks["send-daily-digests"] == "notifications.tasks.send_digests"
    assert tasks["expire-agreements-daily"] == "agreements.tasks.expire_due_agreements"
    digest = PeriodicTask.objects.get(name="send-daily-digests")
    assert digest.crontab.hour == "7" and digest.crontab.minute == "0"


@pytest.mark.django_db
def test_run_scheduler_once_runs_the_sweep(onboarding_a):
    from django.core.management import call_command

    call_command("run_scheduler", once=True)
    from workflows.models import AuditCheckpoint

    assert AuditCheckpoint.objects.exists()  # the daily jobs ran too
