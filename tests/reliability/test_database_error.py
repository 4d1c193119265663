"""A database error in the middle of a task completion: nothing changes, a clear page.

The error is PostgreSQL's own: a trigger refuses the completion's audit event, the
last write of the completion, after the agreement's transition, its audit event and
the notifications were written in the same transaction.
"""

import datetime
import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from notifications.models import Job, Notification
from workflows import services as wf
from workflows.models import AuditChain, AuditEvent

from ..conftest import draft_post, open_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]

REFUSE_COMPLETION = """
CREATE FUNCTION test_refuse_completion() RETURNS trigger AS $$
BEGIN
    IF NEW.action = 'task.completed' THEN
        RAISE EXCEPTION 'disk full (simulated by the test)';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER test_refuse_completion BEFORE INSERT ON workflows_auditevent
    FOR EACH ROW EXECUTE FUNCTION test_refuse_completion();
"""


def _review(process, facilitator, coordinator):
    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    wf.complete(open_task(process), facilitator, data)
    review = open_task(process)
    wf.claim(review, coordinator)
    return review


def test_database_error_mid_completion_changes_nothing(
    onboarding_a, facilitator_a, coordinator, caplog
):
    review = _review(onboarding_a, facilitator_a, coordinator)
    before = {
        "events": AuditEvent.objects.count(),
        "chain": list(AuditChain.objects.values_list("key", "length", "head_hash")),
        "notifications": Notification.objects.count(),
        "jobs": Job.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_COMPLETION)
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    url = reverse("workflows:task_detail", args=[review.pk])
    with caplog.at_level(logging.ERROR, logger="pagg.errors"):
        response = client.post(url, {"decision": "return", "comment": "Falta el anexo"})

    # A clear page, in Spanish, with a reference the log holds with the cause.
    assert response.status_code == 500
    page = response.content.decode()
    assert "Algo salió mal" in page and "cite esta referencia" in page
    reference = re.search(r'id="error-reference">(E-[0-9A-F]{8})<', page).group(1)
    assert response["X-Error-Reference"] == reference
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert "disk full (simulated by the test)" in str(record.exc_info[1])

    # Nothing of the completion remains: state, task, audit trail, notifications, jobs.
    review.refresh_from_db()
    assert review.status == "ASSIGNED" and review.finished is None
    agreement = Agreement.objects.get(pk=onboarding_a.subject_id)
    assert agreement.state == Agreement.State.IN_REVIEW and agreement.review_comment == ""
    assert AuditEvent.objects.count() == before["events"]
    assert list(AuditChain.objects.values_list("key", "length", "head_hash")) == before["chain"]
    assert Notification.objects.count() == before["notifications"]
    assert Job.objects.count() == before["jobs"]
    assert open_task(onboarding_a).pk == review.pk

    # The same post succeeds once the database accepts writes again.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_completion ON workflows_auditevent")
    response = client.post(url, {"decision": "return", "comment": "Falta el anexo"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.RETURNED
    assert AuditEvent.objects.filter(task=review, action="task.completed").count() == 1
    assert Notification.objects.count() > before["notifications"]
