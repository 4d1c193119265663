"""Preferences, digests, retries and the in-app bell."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from notifications import digest, reminders, services
from notifications.models import Delivery, EmailState, Kind, Notification, Preference
from notifications.tasks import deliver_email

from ..conftest import draft_post, open_task
from . import email_backends

pytestmark = pytest.mark.django_db


def _overdue_sweep(task, capture, days=2):
    with time_machine.travel(task.due_at + datetime.timedelta(days=days), tick=False):
        with capture(execute=True):
            return reminders.sweep()


def test_preferences_page_saves_choices(client, facilitator_a):
    client.force_login(facilitator_a)
    data = {kind.value: Delivery.IMMEDIATE.value for kind in Kind}
    data.update({"overdue": "digest", "due_soon": "none", "language": "en"})
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    assert services.delivery_for(facilitator_a, Kind.OVERDUE) == Delivery.DIGEST
    assert services.delivery_for(facilitator_a, Kind.DUE_SOON) == Delivery.NONE
    assert services.language_of(facilitator_a) == "en"
    form = client.get(reverse("notifications:preferences")).context["form"]
    assert form.initial["overdue"] == "digest" and form.initial["language"] == "en"


def test_digest_and_none_preferences_are_honoured(
    onboarding_a, facilitator_a, coordinator, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=facilitator_a, kind=Kind.OVERDUE, delivery=Delivery.DIGEST)
    Preference.objects.create(user=coordinator, kind=Kind.ESCALATION, delivery=Delivery.NONE)
    task = open_task(onboarding_a)
    mail.outbox.clear()
    _overdue_sweep(task, django_capture_on_commit_callbacks, days=6)
    assert mail.outbox == []  # overdue waits for the digest, escalation is in-app only
    overdue = Notification.objects.get(kind=Kind.OVERDUE)
    assert overdue.email_state == EmailState.DIGEST
    assert Notification.objects.get(kind=Kind.ESCALATION).email_state == EmailState.SKIPPED

    assert digest.send_digests() == 1
    assert digest.send_digests() == 0  # nothing twice
    [message] = mail.outbox
    assert message.to == [facilitator_a.email]
    assert "Su resumen diario: 1 notificación" in message.subject
    assert overdue.title in message.body and f"/tasks/{task.pk}/" in message.body
    overdue.refresh_from_db()
    assert overdue.email_state == EmailState.DIGESTED


def test_digest_groups_per_person_with_one_query_per_batch(
    db, django_assert_max_num_queries, facilitator_a, coordinator
):
    from ..conftest import make_user

    people = [make_user(f"p{i}", "specialist") for i in range(6)]
    for person in people:
        for n in range(3):
            Notification.objects.create(
                recipient=person,
                kind=Kind.OVERDUE,
                key=f"k:{person.pk}:{n}",
                title=f"T{n}",
                email_state=EmailState.DIGEST,
            )
    mail.outbox.clear()
    # 1 recipient list + 2 per batch (profiles, notifications) + 4 per person
    # (savepoint, lock, update, release): nothing grows with the number of notifications
    batches = 2
    with django_assert_max_num_queries(1 + 2 * batches + 4 * len(people)):
        assert digest.send_digests(batch_size=4) == len(people)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all(m.body.count("- T") == 3 for m in mail.outbox)


def test_unreachable_mail_server_keeps_notification_queued(
    settings, onboarding_a, facilitator_a, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    task = open_task(onboarding_a)
    with time_machine.travel(task.due_at - datetime.timedelta(hours=5), tick=False):
        reminders.sweep()  # on-commit dispatch not run: the worker tries below
    notification = Notification.objects.get(kind=Kind.DUE_SOON)
    with pytest.raises(OSError):
        services.deliver(notification.pk)
    services.record_failure(notification.pk, ConnectionRefusedError("refused"), final=False)
    notification.refresh_from_db()
    assert notification.email_state == EmailState.PENDING
    assert notification.email_attempts == 1 and "refused" in notification.email_last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert services.deliver(notification.pk) == EmailState.SENT
    assert services.deliver(notification.pk) is None  # a redelivered job sends nothing twice
    assert len(mail.outbox) == 1


def test_bad_address_fails_alone(settings, db, facilitator_a, coordinator):
    from pagg.celery import app

    app.conf.task_eager_propagates = False  # eager retries re-run in-process until the last
    settings.EMAIL_BACKEND = "tests.notifications.email_backends.RefusingBackend"
    email_backends.RefusingBackend.refused = {facilitator_a.email}
    bad = Notification.objects.create(
        recipient=facilitator_a, kind=Kind.OVERDUE, key="b", title="x"
    )
    good = Notification.objects.create(recipient=coordinator, kind=Kind.OVERDUE, key="g", title="y")
    deliver_email.apply(args=[bad.pk], throw=False)
    deliver_email.apply(args=[good.pk], throw=False)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.email_state == EmailState.FAILED and bad.email_attempts == services.MAX_ATTEMPTS
    assert good.email_state == EmailState.SENT
    assert [m.to for m in mail.outbox] == [[coordinator.email]]


def test_reassignment_and_return_notify_the_person(
    client, onboarding_a, facilitator_a, coordinator, django_capture_on_commit_callbacks
):
    from agreements import scope
    from workflows import services as wf

    from ..conftest import make_user

    other = make_user("fac_other", "facilitator")
    scope.grant_facilitator_municipality(other, onboarding_a.municipality, by=coordinator)
    task = open_task(onboarding_a)
    with django_capture_on_commit_callbacks(execute=True):
        wf.reassign(task, coordinator, other)
    assigned = Notification.objects.get(recipient=other, kind=Kind.ASSIGNED)
    assert assigned.url == f"/tasks/{task.pk}/"
    assert any(other.email in m.to for m in mail.outbox)

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    wf.complete(task, other, data)
    review = open_task(onboarding_a)
    wf.claim(review, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        wf.complete(review, coordinator, {"decision": "return", "comment": "Falta el anexo"})
    returned = Notification.objects.get(kind=Kind.RETURNED)
    assert returned.recipient == facilitator_a  # the agreement's facilitator
    assert "Falta el anexo" in returned.body


def test_bell_count_and_mark_read(client, facilitator_a, onboarding_a):
    Notification.objects.create(
        recipient=facilitator_a, kind=Kind.OVERDUE, key="a", title="Uno", url="/tasks/inbox/"
    )
    Notification.objects.create(recipient=facilitator_a, kind=Kind.OVERDUE, key="b", title="Dos")
    client.force_login(facilitator_a)
    unread = Notification.objects.filter(recipient=facilitator_a, read_at__isnull=True).count()
    page = client.get(reverse("workflows:inbox")).content.decode()
    assert f'<span class="count" id="unread-count">{unread}</span>' in page
    first = Notification.objects.get(key="a")
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/tasks/inbox/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=facilitator_a, read_at__isnull=True).exists()
    assert 'id="unread-count"' not in client.get(reverse("workflows:inbox")).content.decode()


def test_nobody_reads_or_marks_anothers_notifications(client, facilitator_a, facilitator_b):
    mine = Notification.objects.create(
        recipient=facilitator_b, kind=Kind.OVERDUE, key="x", title="Secreto"
    )
    client.force_login(facilitator_a)
    assert "Secreto" not in client.get(reverse("notifications:list")).content.decode()
    assert client.post(reverse("notifications:read", args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.parametrize("kind", [Kind.ASSIGNED, Kind.RETURNED])  # one statement; audited
@pytest.mark.parametrize("delivery", [None, *Delivery])
def test_notify_follows_the_preference_and_makes_each_key_once(
    kind, delivery, facilitator_a, onboarding_a, django_capture_on_commit_callbacks
):
    from notifications.models import Job
    from workflows.models import AuditEvent

    if delivery is not None:
        Preference.objects.create(user=facilitator_a, kind=kind, delivery=delivery)
    task = open_task(onboarding_a)
    expected = services._STATE_FOR_DELIVERY[delivery or Delivery.IMMEDIATE]
    jobs, events = Job.objects.count(), AuditEvent.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = services.notify(
            facilitator_a, kind, "k:1", title="Título", body="Cuerpo", task=task, context={"a": 1}
        )
    stored = Notification.objects.get(key="k:1")
    assert made.pk == stored.pk and made.email_state == expected
    # An e-mail waiting to be sent was sent once the change committed (eager worker).
    assert stored.email_state == (EmailState.SENT if expected == EmailState.PENDING else expected)
    assert (stored.recipient, stored.task, stored.process_id) == (
        facilitator_a,
        task,
        task.process_id,
    )
    assert (stored.title, stored.body, stored.context) == ("Título", "Cuerpo", {"a": 1})
    assert Job.objects.count() - jobs == (expected == EmailState.PENDING)
    assert len(mail.outbox) == (expected == EmailState.PENDING)  # delivered once committed
    assert AuditEvent.objects.count() - events == (kind == Kind.RETURNED)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.notify(facilitator_a, kind, "k:1", title="Otra vez", task=task)
    assert again is None and Notification.objects.filter(key="k:1").count() == 1
    assert len(mail.outbox) == (expected == EmailState.PENDING)


def test_notify_sends_nothing_to_a_person_without_an_address(facilitator_a):
    from notifications.models import Job

    facilitator_a.email = ""
    made = services.notify(facilitator_a, Kind.ASSIGNED, "k:2", title="Sin correo")
    assert made.email_state == EmailState.SKIPPED and not Job.objects.exists()
