"""The finance importer end to end: uploads through the page and JSON through the API.

Whatever arrives, the answer is never a server error, and the submission's lines
change only when a file is accepted, to exactly the lines it holds. A refused file is
kept for the record (one upload row and its two audit events, received and rejected)
and nothing else is written.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from finance import parsing
from finance.models import Line, Submission, Upload
from tests.conftest import api_key
from tests.finance.conftest import HEADER, quarter_file, submission_of
from workflows.models import AuditEvent

from .test_finance_parsing import CODES, amounts, cell, json_value, line_item, workbook_bytes

pytestmark = pytest.mark.django_db


def snapshot(submission):
    submission.refresh_from_db()
    return {
        "lines": Line.objects.filter(submission=submission).count(),
        "uploads": Upload.objects.filter(submission=submission).count(),
        "events": AuditEvent.objects.count(),
        "state": submission.state,
    }


def assert_outcome(before, submission, upload):
    after = snapshot(submission)
    assert after["uploads"] == before["uploads"] + 1
    if upload.result == Upload.Result.REJECTED:
        assert upload.errors, "a refused file says why"
        assert after["lines"] == before["lines"] and after["state"] == before["state"]
        assert after["events"] == before["events"] + 2  # received, rejected
    else:
        assert upload.result == Upload.Result.ACCEPTED
        assert after["lines"] == upload.line_count > 0
        assert after["state"] == Submission.State.VALIDATED


@pytest.fixture
def open_submission(period, member_a, officer_a):
    return submission_of(member_a, period)


files = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.tuples(st.sampled_from(CODES), st.lists(cell, max_size=9)), max_size=8).map(
        lambda rows: "\n".join(
            [";".join(HEADER)] + [";".join([c, "", *cells]) for c, cells in rows]
        ).encode("cp1252", errors="replace")
    ),
    st.lists(st.lists(amounts, min_size=8, max_size=8), max_size=5).map(
        lambda rows: workbook_bytes(HEADER, [["4.01.01.01.00", "x", *r] for r in rows])
    ),
)


@given(data=files, name=st.sampled_from(["datos.csv", "datos.xlsx", "datos.json", "datos"]))
def test_page_upload_never_fails_and_never_half_writes(
    client, officer_a, open_submission, data, name
):
    client.force_login(officer_a)
    before = snapshot(open_submission)
    url = reverse("finance:submission_upload", args=[open_submission.pk])
    response = client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)
    assert response.redirect_chain[-1][1] == 302 and response.status_code == 200
    said = [str(message) for message in response.context["messages"]]
    assert said, "the person is told what happened"
    if snapshot(open_submission)["uploads"] == before["uploads"]:  # refused by the form
        assert snapshot(open_submission) == before
        assert said == ["El archivo enviado está vació."], said  # (Django's own Spanish)
        return
    upload = Upload.objects.filter(submission=open_submission).latest("pk")
    assert_outcome(before, open_submission, upload)


def test_a_good_file_stores_exactly_its_lines(client, officer_a, open_submission):
    client.force_login(officer_a)
    before = snapshot(open_submission)
    data = quarter_file()
    client.post(
        reverse("finance:submission_upload", args=[open_submission.pk]),
        {"file": SimpleUploadedFile("datos.csv", data)},
    )
    upload = Upload.objects.filter(submission=open_submission).latest("pk")
    assert_outcome(before, open_submission, upload)
    assert upload.line_count == len(parsing.parse("datos.csv", data).lines)


@pytest.fixture
def api(officer_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(officer_a)}")
    return client


@given(
    document=st.one_of(
        json_value,
        st.fixed_dictionaries({"lines": st.lists(line_item, max_size=6)}),
        st.fixed_dictionaries({"lines": json_value}),
    )
)
def test_api_json_with_wrong_types_is_refused_cleanly(api, open_submission, document):
    before = snapshot(open_submission)
    url = reverse("finance-submission-upload", args=[open_submission.pk])
    response = api.post(url, data=json.dumps(document), content_type="application/json")
    assert response.status_code in (201, 400, 422), response.content[:300]
    if response.status_code == 400:  # not JSON DRF could parse: nothing is received
        assert snapshot(open_submission) == before
        return
    upload = Upload.objects.get(pk=response.json()["id"])
    assert_outcome(before, open_submission, upload)


def test_api_refuses_malformed_json_and_oversized_bodies(api, open_submission, settings):
    before = snapshot(open_submission)
    url = reverse("finance-submission-upload", args=[open_submission.pk])
    response = api.post(url, data=b'{"lines": [', content_type="application/json")
    assert response.status_code == 400
    settings.FINANCE_MAX_UPLOAD_SIZE = 1000
    response = api.post(
        url, data=json.dumps({"lines": [{"code": "4"}] * 200}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"][0].startswith("El archivo pesa más que el límite de 1000")
    assert snapshot(open_submission) == before
