"""Coordinators see and change the periodic jobs' schedules in the admin (django-celery-beat).

Beat reads its schedules from the database, so the coordination adjusts when reminders,
digests or the monthly report run without a deployment. They change and add schedules
(a new time is a new crontab row) but delete none: a job is stopped by unticking
"enabled", which keeps its history.
"""

from django.db import migrations

MODELS = ["periodictask", "crontabschedule", "intervalschedule", "solarschedule", "clockedschedule"]
CODENAMES = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")]


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("django_celery_beat")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="django_celery_beat", codename__in=CODENAMES
    )


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name="coordinator")
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="coordinator"):
        group.permissions.remove(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0010_audit_json_as_hashed"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
