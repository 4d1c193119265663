"""Finance operations: opening periods, receiving files, review, publication, corrections.

Each state change goes through ``workflows.transitions.apply`` so that it and
its audit event commit together; an upload's lines are replaced in the same
transaction as the submission's ``validate`` transition, so that a rejected
upload stores no line.
"""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import Municipality
from notifications import outbox
from notifications import services as notices
from notifications.models import Kind
from workflows import audit, bulk, transitions
from workflows.forms import DecisionForm
from workflows.models import Process

from . import indicators, parsing, selectors, validation
from .models import (
    PART_PREFIX,
    PARTS,
    STAGES,
    ClassifierEntry,
    Currency,
    FiscalPeriod,
    Line,
    LineComment,
    Part,
    Submission,
    Upload,
)
from .scope import can_submit


def classifier_map():
    """code -> (kind, parent code) for every active classifier entry, in one query."""
    return {
        code: (kind, parent)
        for code, kind, parent in ClassifierEntry.objects.filter(is_active=True).values_list(
            "code", "kind", "parent__code"
        )
    }


# Periods -------------------------------------------------------------------


def quarter_dates(year, quarter):
    """When a period opens: 1 January for the budget, the day after a quarter for execution."""
    if quarter == 0:
        return datetime.date(year, 1, 1)
    month = quarter * 3 + 1
    return datetime.date(year + (month > 12), (month - 1) % 12 + 1, 1)


def open_period(year, quarter, *, by=None, deadline=None, opens_on=None, start_processes=True):
    """Create (or reopen) a period and start one submission process per member municipality."""
    opens_on = opens_on or quarter_dates(year, quarter)
    deadline = deadline or opens_on + datetime.timedelta(days=settings.FINANCE_SUBMISSION_DAYS)
    with transaction.atomic():
        period = FiscalPeriod.objects.filter(year=year, quarter=quarter).first()
        if period is not None:
            raise ValidationError(_("The period %(period)s already exists.") % {"period": period})
        currency = Currency.in_force_on(opens_on) or Currency.current()
        period = FiscalPeriod(
            year=year,
            quarter=quarter,
            currency=currency,
            opens_on=opens_on,
            deadline=deadline,
            opened_by=by,
        )
        period.full_clean(exclude=["state"])
        period.save()
        audit.record("fiscalperiod.opened", actor=by, subject=period, after=period.audit_snapshot())
        if start_processes:
            for municipality in Municipality.objects.filter(is_member=True).order_by("pk"):
                start_submission(municipality, period, by=by)
    return period


def open_due_periods(today=None):
    """The beat job: open the periods whose opening day came in the last 90 days (idempotent).

    Older periods are opened by a coordinator, never by surprise.
    """
    today = today or timezone.localdate()
    opened = []
    for year in (today.year - 1, today.year):
        for quarter in range(5):
            opens_on = quarter_dates(year, quarter)
            if not today - datetime.timedelta(days=90) < opens_on <= today:
                continue
            if FiscalPeriod.objects.filter(year=year, quarter=quarter).exists():
                continue
            try:
                opened.append(open_period(year, quarter))
            except ValidationError:
                continue  # opened meanwhile by another worker
    return opened


def close_period(period, by):
    return transitions.apply(period, "close", actor=by, check_perm=False)


# Submissions ---------------------------------------------------------------


def start_submission(municipality, period, *, by=None, corrects=None):
    from .flows import FinanceSubmissionFlow

    with transaction.atomic():
        version = 1
        if corrects is not None:
            version = (
                Submission.objects.filter(municipality=municipality, period=period)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
                + 1
            )
        submission = Submission.objects.create(
            municipality=municipality, period=period, version=version, corrects=corrects
        )
        audit.record(
            "submission.created",
            actor=by,
            subject=submission,
            after={"version": version, "corrects": corrects.pk if corrects else None},
        )
        process = FinanceSubmissionFlow.start.run(submission=submission, by=by)
    return submission, process


def start_correction(submission, user):
    """A published submission is corrected by a new version; the old stays until replaced."""
    if not can_submit(user, submission.municipality):
        raise PermissionDenied(_("You cannot submit data for this municipality."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state != Submission.State.PUBLISHED:
            raise ValidationError(_("Only published data can be corrected."))
        if Submission.objects.filter(corrects=submission).exists():
            raise ValidationError(_("A correction of this submission is already under way."))
        return start_submission(
            submission.municipality, submission.period, by=user, corrects=submission
        )


def current_submission(municipality, period):
    """The version the public sees, or the one being worked on."""
    return (
        Submission.objects.filter(municipality=municipality, period=period)
        .exclude(state=Submission.State.SUPERSEDED)
        .order_by("-version")
        .first()
    )


def published_amounts(municipality, period):
    """(program, code) -> amounts of the published version, for the cross-period checks."""
    if period is None:
        return {}
    rows = Line.objects.filter(
        submission__municipality=municipality,
        submission__period=period,
        submission__state=Submission.State.PUBLISHED,
    ).values_list("program", "code", *STAGES)
    return {(row[0], row[1]): dict(zip(STAGES, row[2:], strict=True)) for row in rows}


def receive_upload(submission, user, name, data, *, background=None, part=None):
    """Keep the file as received, then check it (in the background when large).

    ``part`` is the part the file is sent as (expenditure, revenue or both); without
    it, the file's columns decide when it is checked. Without a worker (Celery eager,
    the embedded default) the background check has run by the time this returns, and
    the upload comes back with its result.
    """
    if part and part not in Part.values:
        raise ValidationError(
            _("Unknown part “%(part)s”: send expenditure, revenue or both.") % {"part": part}
        )
    if not can_submit(user, submission.municipality):
        raise PermissionDenied(_("You cannot submit data for this municipality."))
    if not submission.is_editable:
        raise ValidationError(_("This submission is no longer open for new files."))
    try:
        fmt = parsing.sniff_format(name, data[:8])
    except parsing.Refused:
        fmt = name.rsplit(".", 1)[-1].lower()[:4] if "." in name else "csv"
    upload = Upload(
        submission=submission,
        original_name=name[:255],
        format=fmt if fmt in Upload.Format.values else Upload.Format.CSV,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
        part=part or "",
    )
    upload.file.save(name[-100:], ContentFile(data), save=False)
    if background is None:
        background = len(data) > settings.FINANCE_BACKGROUND_BYTES
    with transaction.atomic():
        upload.save()
        audit.record(
            "upload.received",
            actor=user,
            process=Process.for_subject(submission),
            subject=upload,
            after={"upload": upload.pk, "file": upload.original_name, "sha256": upload.sha256},
        )
        if background:  # the check waits in the outbox with the upload it checks
            outbox.enqueue("finance.tasks.check_upload", upload.pk)
    if background:
        # Eagerly (no worker) the check ran when the transaction committed: answer with it.
        upload.refresh_from_db()
        return upload
    return check_upload_now(upload)


def _progress(upload, value):
    Upload.objects.filter(pk=upload.pk).update(progress=value)


def check_upload_now(upload):
    """Parse, check and, if there is no error, store the lines: all or nothing."""
    upload = Upload.objects.select_related("submission__period", "submission__municipality").get(
        pk=upload.pk
    )
    if upload.result != Upload.Result.PENDING:
        return upload  # a redelivered job: the work is done
    submission = upload.submission
    period = submission.period
    upload.file.open("rb")
    try:
        data = upload.file.read()
    finally:
        upload.file.close()
    try:
        parsed = parsing.parse(upload.original_name, data)
    except parsing.Refused as refusal:
        return _reject(upload, [parsing.Finding("FIN-000", parsing.ERROR, str(refusal))], 1)
    _progress(upload, 40)
    previous = published_amounts(submission.municipality, period.previous_quarter())
    last_period = period.same_quarter_last_year()
    last_year = published_amounts(submission.municipality, last_period)
    factor = last_period.currency.factor_to(period.currency) if last_period else 1
    validation.check(
        parsed, period, classifier_map(), previous, last_year, factor, part=upload.part or None
    )
    upload.part = parsed.part
    _progress(upload, 70)
    if parsed.has_errors:
        return _reject(upload, parsed.findings, parsed.checks_run)
    return _accept(upload, parsed)


def _reject(upload, findings, checks_run):
    with transaction.atomic():
        upload.result = Upload.Result.REJECTED
        upload.progress = 100
        upload.findings, upload.findings_counts = parsing.findings_record(findings)
        upload.checks_run = checks_run
        upload.save(
            update_fields=[
                "result",
                "progress",
                "findings",
                "findings_counts",
                "checks_run",
                "part",
            ]
        )
        audit.record(
            "upload.rejected",
            actor=upload.uploaded_by,
            process=Process.for_subject(upload.submission),
            subject=upload,
            after={
                "upload": upload.pk,
                "errors": upload.error_count,
                "warnings": upload.warning_count,
                "first_error": upload.errors[0]["message"] if upload.errors else "",
            },
        )
    return upload


def _accept(upload, parsed):
    """Store the lines of the file's part (or of both), keeping the other part's lines."""
    submission = upload.submission
    part = Part(parsed.part)
    filled = PARTS if part == Part.BOTH else (part,)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if not locked.is_editable:
            return _reject(
                upload,
                [
                    parsing.Finding(
                        "FIN-000", parsing.ERROR, _("The submission was sent for review meanwhile.")
                    )
                ],
                1,
            )
        process = Process.for_subject(locked)
        names = selectors.chapter_names()
        replaced = {p: locked.part_upload_id(p) for p in filled if locked.part_upload_id(p)}
        before_lines = selectors.line_amounts(locked) if replaced else None
        lines = Line.objects.filter(submission=locked)
        if part != Part.BOTH:
            lines = lines.filter(code__startswith=PART_PREFIX[part])
        lines.delete()
        store_lines(locked, parsed.lines)
        upload.result = Upload.Result.ACCEPTED
        upload.progress = 100
        upload.findings, upload.findings_counts = parsing.findings_record(parsed.findings)
        upload.checks_run = parsed.checks_run
        upload.line_count = len(parsed.lines)
        upload.save(
            update_fields=[
                "result",
                "progress",
                "findings",
                "findings_counts",
                "checks_run",
                "line_count",
                "part",
            ]
        )
        in_force = {p: upload.pk if p in filled else locked.part_upload_id(p) for p in PARTS}
        checks_run, failed, warnings = _quality_counts(upload, set(in_force.values()) - {None})
        quality = (
            Decimal(checks_run - failed) / Decimal(checks_run) if checks_run else Decimal(1)
        ).quantize(Decimal("0.0001"))
        transitions.apply(
            locked,
            "validate",
            actor=upload.uploaded_by,
            process=process,
            check_perm=False,
            comment=_accept_comment(upload, part, len(parsed.lines), replaced),
            upload=upload,
            part=part,
            quality=quality,
            checks_run=checks_run,
            checks_failed=warnings,
        )
        if before_lines is not None:
            kept = [
                line
                for line in before_lines
                if part != Part.BOTH and not line[1].startswith(PART_PREFIX[part])
            ]
            new = [(line.program, line.code, line.amounts) for line in parsed.lines]
            before = selectors.content_summary(before_lines, names, locked.period)
            after = selectors.content_summary(kept + new, names, locked.period)
            _record_content_change(locked, before, after, upload.uploaded_by, process)
    return upload


def _quality_counts(upload, ids):
    """Checks run, findings and warnings over the files in force (``upload`` among them),
    the findings counted past the cap included."""
    files = [
        upload,
        *Upload.objects.filter(pk__in=ids - {upload.pk}).only(
            "checks_run", "findings", "findings_counts"
        ),
    ]
    warnings = sum(f.finding_count(parsing.WARNING) for f in files)
    return (
        sum(f.checks_run for f in files),
        sum(f.finding_count(parsing.ERROR) for f in files) + warnings,
        warnings,
    )


def _accept_comment(upload, part, count, replaced):
    """What the trail says of an accepted file: its part, its lines, the file it replaces."""
    text = _("%(part)s: %(lines)s lines from %(file)s") % {
        "part": part.label,
        "lines": count,
        "file": upload.original_name,
    }
    if replaced:
        names = dict(
            Upload.objects.filter(pk__in=set(replaced.values())).values_list("pk", "original_name")
        )
        text += " " + _("(replaces %(files)s)") % {
            "files": ", ".join(dict.fromkeys(names[pk] for pk in replaced.values()))
        }
    return text


def whole_check_errors(submission):
    """The messages of the rules spanning parts that the stored lines break (none if sent
    as one file, which was checked whole on upload)."""
    if submission.expenditure_upload_id == submission.revenue_upload_id:
        return []
    findings = validation.check_whole(
        selectors.line_amounts(submission), submission.period, classifier_map()
    )
    return [f.message for f in findings if f.severity == parsing.ERROR]


def _record_content_change(submission, before, after, actor, process):
    """What a new file changed, in words a reviewer reads in the next round.

    The lines themselves are replaced, not edited; the reviewer compares their totals by
    chapter and their count (the quality score is in the ``validate`` event).
    """
    keys = [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]
    if not keys:
        return None
    return audit.record(
        "submission.edited",
        actor=actor,
        process=process,
        subject=submission,
        before={key: before.get(key) for key in keys},
        after={key: after.get(key) for key in keys},
    )


def store_lines(submission, lines):
    columns = ("submission_id", "program", "code", "row", *STAGES)
    rows = (
        (submission.pk, line.program, line.code, line.row, *(line.amounts.get(s) for s in STAGES))
        for line in lines
    )
    bulk.copy_rows(Line, columns, rows)


def submit(submission, user, justification, task=None):
    transitions.apply(
        submission,
        "submit",
        actor=user,
        task=task,
        check_perm=False,
        comment=justification,
        justification=justification,
    )


def facilitator_review(submission, data, user, task):
    if data["decision"] == DecisionForm.APPROVE:
        audit.record(
            "submission.recommended",
            actor=user,
            task=task,
            subject=submission,
            comment=data.get("comment", ""),
        )
        return
    _return(submission, user, task, data.get("comment", ""), [])


def specialist_review(submission, data, user, task):
    comments = data.get("line_comments") or []
    if data["decision"] == DecisionForm.APPROVE:
        transitions.apply(
            submission, "approve", actor=user, task=task, comment=data.get("comment", "")
        )
        return
    _return(submission, user, task, data.get("comment", ""), comments)


def _return(submission, user, task, comment, line_comments):
    with transaction.atomic():
        LineComment.objects.bulk_create(
            [
                LineComment(submission=submission, code=code, text=text, author=user)
                for code, text in line_comments
            ]
        )
        transitions.apply(
            submission,
            "return_for_changes",
            actor=user,
            task=task,
            check_perm=False,
            comment=comment,
        )
        if line_comments:
            audit.record(
                "submission.line_comments",
                actor=user,
                task=task,
                subject=submission,
                after={"line_comments": [f"{code}: {text}" for code, text in line_comments]},
            )
        for recipient in {submission.submitted_by} - {None}:
            notices.notify(
                recipient,
                Kind.RETURNED,
                f"returned:{task.pk}",
                title=_("Finance data returned: %(municipality)s, %(period)s")
                % {"municipality": submission.municipality.name, "period": submission.period},
                body=_("%(reviewer)s returned the data with this comment: %(comment)s")
                % {"reviewer": user.get_full_name() or user.get_username(), "comment": comment},
                url=reverse("finance:submission_detail", args=[submission.pk]),
                task=task,
            )


def publish(submission, process=None):
    """Compute the indicators, make the data public and retire the version it corrects."""
    with transaction.atomic():
        values = indicators.compute(submission)
        indicators.store(submission, values)
        transitions.apply(submission, "publish", process=process, check_perm=False)
        if submission.corrects_id:
            transitions.apply(
                submission.corrects,
                "supersede",
                process=process,
                check_perm=False,
                comment=_("Replaced by version %(version)s") % {"version": submission.version},
            )
    return submission


def open_submission_task(submission):
    """The open “upload and submit” task of the submission's process, if any."""
    from workflows.models import Task

    from .flows import FinanceSubmissionFlow

    process = Process.for_subject(submission)
    if process is None:
        return None
    return (
        Task.objects.filter(
            process=process,
            flow_task=FinanceSubmissionFlow.prepare_data,
            finished__isnull=True,
        )
        .exclude(status="CANCELED")
        .first()
    )


def submit_for_review(submission, user, justification=""):
    """Complete the submission task on the user's behalf (the API's path to the flow)."""
    from workflows import services as tasks
    from workflows.permissions import can_execute

    from .forms import SubmitDataForm

    task = open_submission_task(submission)
    if task is None:
        raise ValidationError(_("This submission is not waiting to be submitted."))
    if not can_execute(user, task):
        tasks.claim(task, user)
        task.refresh_from_db()
    form = SubmitDataForm({"justification": justification}, task=task, user=user)
    if not form.is_valid():
        raise ValidationError(
            [message for messages in form.errors.values() for message in messages]
        )
    return tasks.complete(task, user, form.cleaned_data)
