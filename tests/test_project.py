"""Project-wide promises: Spanish catalogue complete, es-ve formats, schema, demo data."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_every_string_is_in_the_spanish_catalogue(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "media", "*.sqlite3", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--ignore=tests",
            "--ignore=bench",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    po = (copy / "locale/es/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'msgstr ""\Z', e.strip()) or "#, fuzzy" in e]
    assert untranslated == []


def test_es_ve_formats():
    with translation.override("es-ve"):
        rendered = Template(
            "{% load l10n %}{{ amount|localize }} {{ day|date:'SHORT_DATE_FORMAT' }}"
        ).render(
            Context(
                {
                    "amount": __import__("decimal").Decimal("1234567.89"),
                    "day": __import__("datetime").date(2025, 12, 31),
                }
            )
        )
    assert rendered == "1.234.567,89 31/12/2025"


@pytest.mark.django_db
def test_openapi_schema_lists_our_endpoints(client, coordinator):
    client.force_login(coordinator)
    schema = client.get(reverse("schema"), HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/tasks/{id}/claim/", "/api/processes/{id}/history/", "/api/municipalities/"):
        assert path in schema


@pytest.mark.django_db
def test_seed_demo_gives_each_working_role_a_queue_and_an_inbox(client):
    from agreements import demo
    from workflows import selectors

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # idempotent
    users = get_user_model().objects
    from agreements.models import Agreement

    states = set(Agreement.objects.values_list("state", flat=True))
    assert states == {s.value for s in Agreement.State}
    # Every demo login the README's table names finds work in its queue and its inbox;
    # the auditor, who takes no tasks, finds history to read on the audit desk.
    table = re.findall(r"^\| `([a-z.]+)`(?:, `([a-z.]+)`)? \|", README.read_text(), re.M)
    listed = {name for row in table for name in row if name}
    assert listed == {username for username, *_rest in demo.USERS}
    for username in sorted(listed - {"auditor"}):
        user = users.get(username=username)
        assert selectors.inbox(user).exists(), username
        assert selectors.queue(user).exists(), username
    auditor = users.get(username="auditor")
    assert not selectors.inbox(auditor).exists() and not selectors.queue(auditor).exists()
    client.force_login(auditor)
    desk = client.get(reverse("workflows:audit_search")).content.decode()
    assert desk.count('class="event-row"') >= 20  # a full page of the trail
    histories = set(re.findall(r'href="(/processes/\d+/)"', desk))
    assert len(histories) >= 3
    history = client.get(sorted(histories)[0])
    assert history.status_code == 200 and 'id="history"' in history.content.decode()
    client.logout()
    # The coordinator finds the periodic jobs' schedules in the admin, and may change them.
    from django_celery_beat.models import PeriodicTask

    coordinator = users.get(username="coordinador")
    assert coordinator.is_staff and coordinator.has_perm("django_celery_beat.change_periodictask")
    assert PeriodicTask.objects.filter(name="send-reminders", enabled=True).exists()
    logged_in = client.post(
        reverse("login"), {"username": "coordinador", "password": "pagg-demo-2026"}
    )
    assert logged_in.status_code == 302 and "_auth_user_id" in client.session
    home = client.get(reverse("workflows:home")).content.decode()
    assert "Hola, Carmen" in home and "Bienvenido" not in home  # by name, not by gender
    from workflows import audit

    assert audit.verify().ok
    _every_recorded_key_reads_as_a_label()


def _every_recorded_key_reads_as_a_label():
    """The demo walks every process: each key its trail records has a label of its own."""
    from workflows.display import event_model, has_label
    from workflows.models import AuditEvent

    raw = set()
    for event in AuditEvent.objects.select_related("subject_type").iterator():
        model = event_model(event)
        for values in (event.before, event.after):
            for key in values or {} if isinstance(values, dict) else {}:
                if not has_label(model, key):
                    raw.add((event.action, model.__name__ if model else None, key))
    assert sorted(raw) == []


@pytest.mark.django_db
def test_spanish_first_whatever_the_browser_says(client, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("workflows:inbox"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Bandeja de entrada" in page.content.decode()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("workflows:inbox"))
    assert "Inbox: your tasks" in page.content.decode()


def test_the_wsgi_application_freezes_what_it_loaded():
    """The worker's loaded code is kept out of the collector's full walks."""
    probe = "import gc, pagg.wsgi; print(gc.get_freeze_count())"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert int(done.stdout.strip()) > 10_000


EMBEDDED_WALK = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.utils import timezone

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
setup_test_environment()
from django.contrib.auth import get_user_model
from agreements import services
from agreements.models import Municipality
from workflows import audit
from workflows.models import Task

user = get_user_model().objects.get(username="facilitador.capital")
municipality = next(
    m for m in Municipality.objects.order_by("pk")
    if user.has_perm("agreements.facilitate_municipality", m)
    and not m.is_member and not services.open_onboarding(m).exists()
)
process = services.start_onboarding(
    user, municipality, {"mayor_name": "Alcaldesa", "official_name": "Enlace"}
)
task = Task.objects.get(process=process, status="ASSIGNED")
client = Client()
client.force_login(user)
today = timezone.localdate()
answer = client.post(f"/tasks/{task.pk}/", {
    "scope": "Gestion", "commitments": "Compartir", "contacts": "Despacho", "comment": "",
    "start_date": today.isoformat(),
    "end_date": today.replace(year=today.year + 2).isoformat(),
})
assert answer.status_code == 302, (answer.status_code, answer.content[:500])
task.refresh_from_db()
assert task.status == "DONE", task.status
assert audit.verify().ok
print("completed", task.pk)
"""


def test_the_embedded_default_completes_a_task_from_its_page(tmp_path):
    """SQLite, as `make demo` runs: the PostgreSQL paths written out must not reach it."""
    env = {
        key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DJANGO_SETTINGS_MODULE="pagg.settings",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    done = subprocess.run(
        [sys.executable, "-c", EMBEDDED_WALK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "completed" in done.stdout
