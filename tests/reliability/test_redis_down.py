"""Redis down: the web keeps working, background work waits in the outbox, then goes once.

gunicorn serves the test database with a Redis server of the test's own, which the
test stops before the work and starts again after it; a real Celery worker then
does the jobs the outbox relay hands it.
"""

import datetime
import time

import pytest
import requests
from django.urls import reverse

from agreements.models import Agreement
from notifications.models import EmailState, Job, Kind, Notification
from reports.models import ReportFile
from workflows import services as wf
from workflows.models import AuditEvent

from ..conftest import draft_post, open_task
from .conftest import gunicorn, login, manage, post, service_env, start_worker, stop, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def test_redis_down_web_answers_and_outbox_delivers_once(
    redis_server, tmp_path, onboarding_a, facilitator_a, coordinator
):
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    wf.complete(open_task(onboarding_a), facilitator_a, data)
    review = open_task(onboarding_a)
    mail_dir = tmp_path / "mail"
    env = service_env(
        redis_server.url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    jobs_before = list(Job.objects.values_list("pk", flat=True))
    seen = list(Notification.objects.values_list("pk", flat=True))

    redis_server.stop()
    assert not redis_server.ping()

    with gunicorn(env) as base:
        session = login(requests.Session(), base, coordinator.username)
        started = time.monotonic()
        claim = post(session, base, reverse("workflows:task_claim", args=[review.pk]))
        assert claim.status_code == 302 and claim.headers["Location"].endswith(
            f"/tasks/{review.pk}/"
        )
        done = post(
            session,
            base,
            reverse("workflows:task_detail", args=[review.pk]),
            {"decision": "return", "comment": "Falta el anexo"},
        )
        assert done.status_code == 302, done.text[:500]
        page = session.get(base + done.headers["Location"], timeout=30)
        assert page.status_code == 200 and "Tarea completada" in page.text
        asked = post(
            session, base, reverse("reports:files"), {"start": "2026-01-01", "end": "2026-06-30"}
        )
        assert asked.status_code == 302
        files = session.get(f"{base}{reverse('reports:files')}", timeout=30)
        assert files.status_code == 200 and "<progress" in files.text
        assert time.monotonic() - started < 20, "requests waited on the dead broker"

    # The change and its background work committed together; the work waits.
    assert Agreement.objects.get(pk=onboarding_a.subject_id).state == Agreement.State.RETURNED
    assert AuditEvent.objects.filter(task=review, action="task.completed").count() == 1
    notes = list(Notification.objects.exclude(pk__in=seen))
    assert sorted(n.kind for n in notes) == sorted([Kind.RETURNED, Kind.ASSIGNED])
    assert all(n.email_state == EmailState.PENDING for n in notes)
    report = ReportFile.objects.get()
    assert report.status == ReportFile.Status.PENDING
    new_jobs = Job.objects.exclude(pk__in=jobs_before)
    assert {j.state for j in new_jobs} == {Job.State.PENDING}
    pending = {(j.task, tuple(j.args)) for j in new_jobs}
    assert ("reports.tasks.generate_report", (report.pk,)) in pending
    for note in notes:
        assert ("notifications.tasks.deliver_email", (note.pk,)) in pending
    # Each was tried right after its commit and refused by the dead broker.
    assert all(j.last_error for j in new_jobs)

    # Redis is back: one relay hands everything out, a second finds nothing to do.
    redis_server.start()
    first = manage(env, "relay_outbox")
    assert first.returncode == 0, first.stderr
    assert f"{len(pending)} job(s) handed to the broker, 0 still waiting" in first.stdout
    again = manage(env, "relay_outbox")
    assert "0 job(s) handed to the broker, 0 still waiting" in again.stdout

    worker = start_worker(env)
    try:
        finished = wait_for(
            lambda: (
                Job.objects.exclude(state=Job.State.DONE).count() == 0
                and ReportFile.objects.get().status == ReportFile.Status.DONE
            ),
            90,
        )
    finally:
        stop(worker)
    assert finished, list(Job.objects.values("task", "state", "last_error"))
    for note in notes:
        note.refresh_from_db()
        assert note.email_state == EmailState.SENT
    messages = "".join(p.read_text() for p in mail_dir.iterdir())
    for note in notes:
        assert messages.count(f"X-Notification: {note.pk}\n") == 1
    assert "Falta el anexo" in messages
    fresh = Job.objects.exclude(pk__in=jobs_before)
    assert [j.publications for j in fresh] == [1] * len(pending)  # handed out once each
