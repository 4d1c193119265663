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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_scheduler_runs_every_job_of_the_beat_schedule(onboarding_a):
    from io import StringIO

    from django.conf import settings
    from django.core.management import call_command

    from workflows.models import AuditCheckpoint

    out = StringIO()
    call_command("run_scheduler", once=True, stdout=out)
    ran = {line.split(":")[0] for line in out.getvalue().splitlines()}
    assert ran >= set(settings.CELERY_BEAT_SCHEDULE)
    assert AuditCheckpoint.objects.exists()  # the hourly seal ran


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_run_scheduler_leaves_a_job_that_coordination_disabled(onboarding_a):
    from io import StringIO

    from django.core.management import call_command

    from pagg.beat import install_schedule
    from workflows.models import AuditCheckpoint

    install_schedule(app)
    PeriodicTask.objects.filter(name="seal-audit-chains-hourly").update(enabled=False)
    out = StringIO()
    call_command("run_scheduler", once=True, stdout=out)
    assert "seal-audit-chains-hourly" not in out.getvalue()
    assert "send-reminders: done" in out.getvalue()
    assert not AuditCheckpoint.objects.exists()
