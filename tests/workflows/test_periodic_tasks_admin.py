"""Coordinators see and change the periodic jobs' schedules in the admin, as the README says."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from kombu.utils import symbol_by_name

from pagg.beat import Scheduler, install_schedule
from pagg.celery import app
from tests.conftest import make_user
from workflows.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedules():
    """The rows beat writes from CELERY_BEAT_SCHEDULE when it first starts."""
    install_schedule(app)
    return PeriodicTask.objects


def test_the_coordinator_role_holds_the_schedules_permissions():
    """Granted to the role (a group), so every coordinator the admin lets in has them."""
    perms = set(
        Group.objects.get(name=Role.COORDINATOR)
        .permissions.filter(content_type__app_label="django_celery_beat")
        .values_list("codename", flat=True)
    )
    assert {"view_periodictask", "change_periodictask", "change_crontabschedule"} <= perms
    assert not {p for p in perms if p.startswith("delete_")}  # stopped by "enabled", kept


def test_a_coordinator_sees_and_changes_the_periodic_tasks(client, schedules):
    coordinator = make_user("coord", Role.COORDINATOR, is_staff=True)
    client.force_login(coordinator)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Tareas Periódicas" in index
    assert reverse("admin:django_celery_beat_periodictask_changelist") in index

    listing = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert listing.status_code == 200
    assert "send-reminders" in listing.content.decode()

    # Digests at 06:30 instead of 07:00: the schedule's own row.
    digests = schedules.get(name="send-daily-digests")
    change = reverse("admin:django_celery_beat_crontabschedule_change", args=[digests.crontab_id])
    form = client.get(change)
    assert form.status_code == 200 and 'name="hour"' in form.content.decode()
    _move_digests_to_half_past_six(client, digests)
    digests.crontab.refresh_from_db()
    assert (digests.crontab.minute, digests.crontab.hour) == ("30", "6")

    # A job is stopped by unticking it (the list's action), not deleted.
    reminders = schedules.get(name="send-reminders")
    answer = client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [reminders.pk]},
    )
    assert answer.status_code == 302
    reminders.refresh_from_db()
    assert reminders.enabled is False
    delete = reverse("admin:django_celery_beat_periodictask_delete", args=[reminders.pk])
    assert client.get(delete).status_code == 403


def test_other_roles_do_not_reach_the_schedules(client, schedules):
    deputy = make_user("adjunto", Role.DEPUTY_COORDINATOR, is_staff=True)
    client.force_login(deputy)
    listing = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert listing.status_code == 403
    assert "No puede abrir esta página" in listing.content.decode()


def _move_digests_to_half_past_six(client, task):
    """The schedule's change form as the admin sends it, with the tasks that use it."""
    change = reverse("admin:django_celery_beat_crontabschedule_change", args=[task.crontab_id])
    answer = client.post(
        change,
        {
            "minute": "30",
            "hour": "6",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "*",
            "timezone": "America/Caracas",
            "periodictask_set-TOTAL_FORMS": "1",
            "periodictask_set-INITIAL_FORMS": "1",
            "periodictask_set-MIN_NUM_FORMS": "0",
            "periodictask_set-MAX_NUM_FORMS": "0",
            "periodictask_set-0-id": str(task.pk),
            "periodictask_set-0-crontab": str(task.crontab_id),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_change_made_in_the_admin_outlives_a_restart_of_beat(client):
    """django-celery-beat's own scheduler would write the settings over the change."""
    assert symbol_by_name(app.conf.beat_scheduler) is Scheduler
    Scheduler(app=app, lazy=False)  # beat's first start writes the rows
    coordinator = make_user("coord", Role.COORDINATOR, is_staff=True)
    client.force_login(coordinator)
    _move_digests_to_half_past_six(client, PeriodicTask.objects.get(name="send-daily-digests"))
    PeriodicTask.objects.filter(name="send-reminders").update(enabled=False)
    PeriodicTask.objects.filter(name="seal-audit-chains-hourly").delete()

    restarted = Scheduler(app=app, lazy=False)
    digests = PeriodicTask.objects.get(name="send-daily-digests")
    assert (digests.crontab.minute, digests.crontab.hour) == ("30", "6")
    assert restarted.schedule["send-daily-digests"].schedule.hour == {6}
    assert PeriodicTask.objects.get(name="send-reminders").enabled is False
    assert "send-reminders" not in restarted.schedule
    # A job the table lacks (new in the settings, or deleted) is written again.
    assert PeriodicTask.objects.filter(name="seal-audit-chains-hourly").exists()
    assert not CrontabSchedule.objects.filter(minute="0", hour="7").exists()
