"""A quarter's data walked through the flow by each role, over HTTP."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.models import IndicatorValue, Submission
from tests.conftest import open_task
from workflows.models import AuditEvent

from .conftest import quarter_amounts, quarter_file, submission_of, with_parents


def upload(client, submission, data, name="datos.csv"):
    return client.post(
        reverse("finance:submission_upload", args=[submission.pk]),
        {"file": SimpleUploadedFile(name, data, "text/csv")},
        follow=True,
    )


def complete(client, task, **data):
    return client.post(reverse("workflows:task_detail", args=[task.pk]), data, follow=True)


def claim(client, task):
    return client.post(reverse("workflows:task_claim", args=[task.pk]))


def test_walk_officer_facilitator_specialist_with_a_return(
    client, period, member_a, officer_a, facilitator_a, specialist
):
    submission = submission_of(member_a, period)
    from workflows.models import Process

    process = Process.for_subject(submission)
    task = open_task(process)
    assert task.flow_task.name == "prepare_data"
    assert task.role == "municipal_officer"

    client.force_login(officer_a)
    claim(client, task)
    response = upload(client, submission, quarter_file())
    expected = len(with_parents(quarter_amounts()))
    assert f"El archivo pasó los controles: se guardaron {expected} líneas." in (
        response.content.decode()
    )
    submission.refresh_from_db()
    assert submission.state == Submission.State.VALIDATED
    assert submission.lines.count() == len(with_parents(quarter_amounts()))
    assert submission.quality == Decimal("1.0000")

    complete(client, task, justification="", comment="")
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW

    # The facilitator returns it; the officer gets it back with the comment.
    review = open_task(process)
    assert review.flow_task.name == "facilitator_review"
    client.force_login(facilitator_a)
    claim(client, review)
    complete(client, review, decision="return", comment="Falta el situado del trimestre")
    submission.refresh_from_db()
    assert submission.state == Submission.State.RETURNED
    again = open_task(process)
    assert again.flow_task.name == "prepare_data"

    client.force_login(officer_a)
    claim(client, again)
    complete(client, again, justification="", comment="Revisado")
    client.force_login(facilitator_a)
    review = open_task(process)
    claim(client, review)
    complete(client, review, decision="approve", comment="")

    final = open_task(process)
    assert final.flow_task.name == "specialist_review"
    client.force_login(specialist)
    claim(client, final)
    complete(client, final, decision="approve", comment="Conforme")
    submission.refresh_from_db()
    assert submission.state == Submission.State.PUBLISHED
    values = dict(
        IndicatorValue.objects.filter(submission=submission).values_list("indicator", "value")
    )
    # Own revenue collected = 0.9 × 0.25 × (300,000 + 500,000 + 50,000); total adds the situado.
    assert values["fiscal_autonomy"] == Decimal("0.425000")
    actions = set(AuditEvent.objects.filter(process=process).values_list("action", flat=True))
    assert {"submission.validate", "submission.submit", "submission.return_for_changes"} <= actions
    assert {"submission.approve", "submission.publish"} <= actions
