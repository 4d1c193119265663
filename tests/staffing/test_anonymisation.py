"""Erasing candidates' data: refused in progress, complete after the end, audited without it."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from staffing.models import Candidate, Evaluation, Position
from workflows import audit
from workflows.models import AuditEvent, Process

from .conftest import CANDIDATES, to_decision

pytestmark = pytest.mark.django_db


def run(capture, *args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    with capture(execute=True):
        call_command("anonymise_candidates", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def request_erasure(client, user, candidate):
    client.force_login(user)
    url = reverse("staffing:candidate_anonymisation", args=[candidate.pk])
    return client.post(url)


def test_refused_while_the_process_is_in_progress(
    client, people, theme, django_capture_on_commit_callbacks
):
    position = to_decision(client, people, theme)
    second = position.candidates.get(number=2)
    assert request_erasure(client, people["assistant"], second).status_code == 302
    second.refresh_from_db()
    assert second.anonymisation_requested_at is not None
    event = AuditEvent.objects.get(action="candidate.anonymisation_requested")
    assert event.after == {"candidate": second.pk, "position": position.pk}

    out, err = run(django_capture_on_commit_callbacks)
    assert position.title in err  # says which position is still in progress
    with pytest.raises(CommandError):
        run(django_capture_on_commit_callbacks, candidate=[second.pk])
    second.refresh_from_db()
    assert second.full_name == CANDIDATES[1]["full_name"] and second.anonymised_at is None
    assert second.cv and second.cv.storage.exists(second.cv.name)
    assert not AuditEvent.objects.filter(action="candidate.anonymised").exists()


def test_after_the_end_data_and_cv_are_gone_and_the_trail_holds_none(
    client, people, filled, django_capture_on_commit_callbacks
):
    hired, second = filled.candidates.order_by("number")
    request_erasure(client, people["coordinator"], second)
    request_erasure(client, people["coordinator"], hired)
    cv_name = second.cv.name
    storage = second.cv.storage
    assert storage.exists(cv_name)

    out, err = run(django_capture_on_commit_callbacks)
    second.refresh_from_db()
    assert second.anonymised_at is not None
    for field in ("full_name", "email", "phone", "national_id"):
        assert getattr(second, field) != CANDIDATES[1][field]
    assert (second.phone, second.national_id, second.cv.name) == ("", "", "")
    assert not storage.exists(cv_name)
    assert Evaluation.objects.get(candidate=second).notes == ""
    assert Evaluation.objects.get(candidate=second).total == 10  # the scores stand

    # The hired candidate's data stands with their contract.
    hired.refresh_from_db()
    assert hired.full_name == CANDIDATES[0]["full_name"] and hired.anonymised_at is None
    assert err.strip()  # the hired candidate's refusal is reported

    event = AuditEvent.objects.get(action="candidate.anonymised")
    assert event.after == {"candidate": second.pk, "position": filled.pk}
    assert event.process == Process.for_subject(filled)
    text = json.dumps([event.subject_repr, event.before, event.after, event.comment])
    for value in CANDIDATES[1].values():
        assert value not in text

    # Nothing anywhere in the trail names the erased candidate.
    everything = json.dumps(
        [[e.subject_repr, e.before, e.after, e.comment] for e in AuditEvent.objects.all()],
        ensure_ascii=False,
    )
    for value in CANDIDATES[1].values():
        assert value not in everything, value
    assert audit.verify().ok

    # Pages show the erased candidate as such.
    client.force_login(people["coordinator"])
    page = client.get(reverse("staffing:position_detail", args=[filled.pk])).content.decode()
    assert CANDIDATES[1]["full_name"] not in page and CANDIDATES[0]["full_name"] in page
    assert client.get(reverse("staffing:candidate_cv", args=[second.pk])).status_code == 404

    # Twice: nothing changes, nothing more is recorded.
    before = (
        AuditEvent.objects.count(),
        list(Candidate.objects.order_by("pk").values()),
    )
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks, "--all-ended")
    assert before == (
        AuditEvent.objects.count(),
        list(Candidate.objects.order_by("pk").values()),
    )


def test_all_ended_erases_every_candidate_but_the_hired(
    client, people, theme, filled, django_capture_on_commit_callbacks
):
    in_progress = to_decision(client, people, theme, title="Otra posición")
    out, err = run(django_capture_on_commit_callbacks, "--all-ended")
    hired, second = filled.candidates.order_by("number")
    assert hired.anonymised_at is None and second.anonymised_at is not None
    assert not in_progress.candidates.filter(anonymised_at__isnull=False).exists()
    assert filled.state == Position.State.FILLED
    assert AuditEvent.objects.filter(action="candidate.anonymised").count() == 1
