"""Finance operations: all-or-nothing uploads, justification, corrections, periods, scope."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from finance import classifier, indicators, services
from finance.models import ClassifierEntry, FiscalPeriod, Line, Submission, Upload
from notifications.models import Notification
from tests.conftest import open_task
from workflows import permissions
from workflows import services as tasks
from workflows.models import AuditEvent, Process

from .conftest import csv_bytes, quarter_amounts, quarter_file, submission_of, with_parents


def walk_to_published(submission, officer, facilitator, specialist, data=None):
    upload = services.receive_upload(submission, officer, "datos.csv", data or quarter_file())
    assert upload.result == Upload.Result.ACCEPTED, upload.findings
    process = Process.for_subject(submission)
    for user, payload in (
        (officer, {"justification": "Cambio de tarifas", "comment": ""}),
        (facilitator, {"decision": "approve", "comment": ""}),
        (specialist, {"decision": "approve", "comment": "", "line_comments": []}),
    ):
        task = open_task(process)
        tasks.claim(task, user)
        tasks.complete(task, user, payload)
    submission.refresh_from_db()
    return submission


def test_opening_a_period_starts_one_process_per_member(period, member_a, member_b):
    submissions = Submission.objects.filter(period=period)
    assert {s.municipality_id for s in submissions} == {member_a.pk, member_b.pk}
    task = open_task(Process.for_subject(submission_of(member_a, period)))
    deadline = timezone.localtime(task.due_at)
    assert deadline.date() == period.deadline and deadline.hour == 23
    assert AuditEvent.objects.filter(action="fiscalperiod.opened").count() == 1


def test_the_daily_job_opens_due_periods_once(member_a, coordinator):
    today = datetime.date(2026, 7, 3)
    opened = services.open_due_periods(today)
    assert [(p.year, p.quarter) for p in opened] == [(2026, 2)]  # Q2 opened on 1 July
    assert services.open_due_periods(today) == []
    period = FiscalPeriod.objects.get(year=2026, quarter=2)
    assert period.deadline == datetime.date(2026, 7, 31)
    assert period.currency.code == "VED"
    assert Submission.objects.filter(period=period, municipality=member_a).count() == 1


def test_a_refused_upload_stores_no_line_and_keeps_the_file(period, member_a, officer_a):
    submission = submission_of(member_a, period)
    first = services.receive_upload(submission, officer_a, "bueno.csv", quarter_file())
    stored = list(Line.objects.filter(submission=submission).values_list("code", "caused"))
    leaves = quarter_amounts()
    leaves["4.02.01.01.00"]["paid"] = Decimal("99999999")
    bad = services.receive_upload(
        submission, officer_a, "malo.csv", csv_bytes(with_parents(leaves))
    )
    assert bad.result == Upload.Result.REJECTED and bad.errors
    with bad.file.open("rb") as kept:
        assert kept.read().startswith(b"C\xf3digo;")  # kept as received (Windows-1252)
    assert list(Line.objects.filter(submission=submission).values_list("code", "caused")) == (
        stored
    )
    submission.refresh_from_db()
    assert submission.accepted_upload_id == first.pk
    # The refusal is recorded on the file, in the process's history, not as a change of
    # the submission a reviewer judges.
    refused = AuditEvent.objects.get(action="upload.rejected")
    assert refused.subject_id == str(bad.pk) and refused.process == Process.for_subject(submission)


def test_warnings_need_a_justification_before_review(
    period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    data = csv_bytes(with_parents(quarter_amounts())).decode("cp1252").splitlines()
    data[0] += ";Observaciones"
    upload = services.receive_upload(
        submission, officer_a, "d.csv", "\n".join(data).encode("cp1252")
    )
    assert upload.result == Upload.Result.ACCEPTED and len(upload.warnings) == 1
    with pytest.raises(ValidationError, match="Explique las advertencias"):
        services.submit_for_review(submission, officer_a, "")
    services.submit_for_review(submission, officer_a, "La columna es interna")
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.justification == "La columna es interna"
    assert submission.quality < Decimal(1)


def test_a_facilitator_acts_for_the_officer_of_their_municipality_only(
    period, member_a, officer_a, facilitator_a, facilitator_b
):
    task = open_task(Process.for_subject(submission_of(member_a, period)))
    assert permissions.can_take(facilitator_a, task)
    assert not permissions.can_take(facilitator_b, task)
    assert set(permissions.candidates(task)) == {officer_a, facilitator_a}
    with pytest.raises(PermissionDenied):
        tasks.claim(task, facilitator_b)
    tasks.claim(task, facilitator_a)
    task.refresh_from_db()
    assert task.owner == facilitator_a


def test_officers_submit_only_for_their_municipality(period, member_a, member_b, officer_a):
    with pytest.raises(PermissionDenied):
        services.receive_upload(submission_of(member_b, period), officer_a, "d.csv", b"x")
    assert not Upload.objects.exists()


def test_a_return_with_line_comments_reaches_the_submitter(
    period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    services.receive_upload(submission, officer_a, "d.csv", quarter_file())
    services.submit_for_review(submission, officer_a, "")
    process = Process.for_subject(submission)
    task = open_task(process)
    tasks.claim(task, facilitator_a)
    tasks.complete(task, facilitator_a, {"decision": "approve", "comment": ""})
    task = open_task(process)
    tasks.claim(task, specialist)
    tasks.complete(
        task,
        specialist,
        {
            "decision": "return",
            "comment": "Revisar personal",
            "line_comments": [("4.01.01.01.00", "No coincide con la nómina")],
        },
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.RETURNED
    assert submission.line_comments.get().text == "No coincide con la nómina"
    notice = Notification.objects.get(recipient=officer_a, kind="returned")
    assert "Revisar personal" in notice.body
    again = open_task(process)
    assert again.flow_task.name == "prepare_data"
    assert again.due_at >= timezone.now() + datetime.timedelta(days=4)


def test_a_correction_is_a_new_version_and_retires_the_old_one_when_published(
    period, member_a, officer_a, facilitator_a, specialist
):
    first = walk_to_published(submission_of(member_a, period), officer_a, facilitator_a, specialist)
    assert first.state == Submission.State.PUBLISHED
    with pytest.raises(PermissionDenied):
        services.start_correction(first, specialist)
    correction, process = services.start_correction(first, officer_a)
    assert (correction.version, correction.corrects_id) == (2, first.pk)
    with pytest.raises(ValidationError):
        services.start_correction(first, officer_a)
    first.refresh_from_db()
    assert first.state == Submission.State.PUBLISHED  # still public until replaced
    walk_to_published(
        correction, officer_a, facilitator_a, specialist, quarter_file(Decimal("0.3"))
    )
    first.refresh_from_db()
    correction.refresh_from_db()
    assert first.state == Submission.State.SUPERSEDED
    assert correction.state == Submission.State.PUBLISHED
    assert services.current_submission(member_a, period) == correction
    assert first.lines.count() == correction.lines.count() > 0


def test_large_uploads_are_checked_in_the_background_with_progress(
    period, member_a, officer_a, settings, django_capture_on_commit_callbacks
):
    settings.FINANCE_BACKGROUND_BYTES = 10
    submission = submission_of(member_a, period)
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.receive_upload(submission, officer_a, "d.csv", quarter_file())
        assert upload.result == Upload.Result.PENDING and upload.progress == 0
    upload.refresh_from_db()
    assert (upload.result, upload.progress) == (Upload.Result.ACCEPTED, 100)
    # A redelivered job finds the work done and changes nothing.
    before = Line.objects.filter(submission=submission).count()
    services.check_upload_now(upload)
    assert Line.objects.filter(submission=submission).count() == before


def test_indicators_on_hand_computed_data(period, member_a, officer_a, facilitator_a, specialist):
    submission = walk_to_published(
        submission_of(member_a, period), officer_a, facilitator_a, specialist
    )
    values = dict(submission.indicators.values_list("indicator", "value"))
    # Revenue collected = 0.9 × 0.25 × leaves; expenditure caused = 0.25 × leaves.
    own = Decimal("0.225") * (300000 + 500000 + 50000)
    total = Decimal("0.225") * (300000 + 500000 + 50000 + 1150000)
    spending = Decimal("0.25") * (900000 + 100000 + 200000 + 700000 + 100000)
    current_spending = Decimal("0.25") * (900000 + 100000 + 200000)
    assert values["fiscal_autonomy"] == (own / total).quantize(Decimal("0.000001"))
    assert values["transfer_dependence"] == (Decimal("0.225") * 1150000 / total).quantize(
        Decimal("0.000001")
    )
    assert values["personnel_share"] == (Decimal("0.25") * 900000 / spending).quantize(
        Decimal("0.000001")
    )
    assert values["investment_share"] == Decimal("0.350000")
    assert values["execution_rate"] == Decimal("0.250000")
    assert values["spending_per_inhabitant"] == (spending / 100000).quantize(Decimal("0.000001"))
    assert values["current_savings"] == total - current_spending  # all revenue here is current
    assert values["debt_service_ratio"] == (Decimal("25000") / total).quantize(Decimal("0.000001"))
    assert values["fiscal_balance"] == total - spending


def test_rollup_counts_a_parent_once_and_subtracts_financing(db):
    parent_of = {
        "3.01.00.00.00": "3.00.00.00.00",
        "3.01.02.00.00": "3.01.00.00.00",
        "3.02.01.00.00": "3.02.00.00.00",
        "3.02.00.00.00": "3.00.00.00.00",
    }
    lines = [
        ("", "3.01.00.00.00", {"collected": Decimal(100)}),
        ("", "3.01.02.00.00", {"collected": Decimal(100)}),  # child of the line above
        ("", "3.02.01.00.00", {"collected": Decimal(40)}),  # borrowing: financing
    ]
    assert indicators.rollup(lines, parent_of, "collected", indicators.TOTAL_REVENUE) == 100
    assert indicators.rollup(lines, parent_of, "collected", ("+3.01.02",)) == 100
    # In another programme the same codes add up separately.
    lines.append(("02", "3.01.02.00.00", {"collected": Decimal(7)}))
    assert indicators.rollup(lines, parent_of, "collected", indicators.OWN_REVENUE) == 107


def test_classifier_file_loads_all_rows_or_none(coordinator):
    good = (
        b"code,name,cofog\n4.01.01.99.00,Otras remuneraciones,\n4.01.00.00.00,GASTOS DE PERSONAL,\n"
    )
    bad = good + b"4.77.01.00.00,Sin madre,\n3.01.02.05.00,Inmuebles,01.1\n"
    with pytest.raises(classifier.ClassifierFileError) as error:
        classifier.parse("c.csv", bad)
    problems = " ".join(error.value.problems)
    assert "Fila 5, columna C" in problems and "Fila 4" in problems and "4.77.00.00.00" in problems
    assert not ClassifierEntry.objects.filter(code="4.01.01.99.00").exists()
    summary = classifier.load(classifier.parse("c.csv", good), by=coordinator)
    assert summary == {"created": 1, "updated": 0, "deactivated": 0}
    entry = ClassifierEntry.objects.get(code="4.01.01.99.00")
    assert entry.parent.code == "4.01.01.00.00" and entry.level == 3
    assert AuditEvent.objects.filter(action="classifier.loaded").count() == 1


def test_the_process_names_the_municipality_and_period(period, member_a):
    process = Process.for_subject(submission_of(member_a, period))
    assert isinstance(process, Process)
    assert member_a.name in process.title and "2026" in process.title


def test_the_deadline_drives_reminders_and_escalation(
    period, member_a, officer_a, facilitator_a, coordinator
):
    import time_machine

    from notifications import reminders

    task = open_task(Process.for_subject(submission_of(member_a, period)))
    tasks.claim(task, officer_a)
    with time_machine.travel(task.due_at - datetime.timedelta(hours=20), tick=False):
        sent = reminders.sweep()
        assert [(r.kind, r.recipient) for r in sent if r.task.pk == task.pk] == [
            ("due_soon", officer_a)
        ]
        # B's task is nobody's yet: its facilitator, who may act for the officer, hears of it.
        assert {r.recipient.username for r in sent if r.task.pk != task.pk} == {"fac_b"}
        assert reminders.sweep() == []  # a second sweep sends nothing twice
    with time_machine.travel(task.due_at + datetime.timedelta(days=6), tick=False):
        kinds = {(r.kind, r.recipient) for r in reminders.sweep() if r.task.pk == task.pk}
    assert ("overdue", officer_a) in kinds and ("escalation", coordinator) in kinds
