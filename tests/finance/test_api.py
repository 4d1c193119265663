"""Finance API: open data without an account, its OpenAPI contract, submission with a token."""

import copy
import re

import jsonschema
import pytest
from django.test import Client
from django.urls import reverse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from finance.models import ClassifierEntry, IndicatorValue, Line, Submission, Upload
from finance.selectors import published
from pagg.urls import router

from .conftest import quarter_amounts, submission_of, with_parents
from .test_public import publish, upload

SCHEMA_URI = "urn:pagg:openapi"


def lines_payload(rows):
    """JSON lines for the upload endpoint, amounts as strings like "1234.50"."""
    return [
        {"code": code, **{stage: f"{value:.2f}" for stage, value in rows[code].items()}}
        for code in sorted(rows)
    ]


def token_client(key):
    """A client with no session that authenticates with the token only."""
    return Client(headers={"Authorization": f"Token {key}"})


def issue_token(client, user):
    """A token issued as a person does it, on their profile page; the key read off the page."""
    client.force_login(user)
    response = client.post(
        reverse("workflows:token_create"), {"name": "Sistema contable", "days": "90"}
    )
    assert response.status_code == 200
    match = re.search(
        r'id="new-token-key"[^>]*value="(pagg_[\w-]{40,})"', response.content.decode()
    )
    assert match, response.content.decode()
    client.logout()
    return match.group(1)


# OpenAPI 3.0 -> JSON Schema ------------------------------------------------


def as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` becomes a JSON Schema union with null, everywhere."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: as_json_schema(value) for key, value in node.items()}
    if converted.pop("nullable", False) is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def pointer(*parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def response_validator(document, path, method="get", status="200"):
    """A validator for the JSON body of ``method path`` answering ``status``."""
    operation = document["paths"][path][method]
    assert "application/json" in operation["responses"][status]["content"], (path, status)
    registry = Registry().with_resource(
        SCHEMA_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    target = pointer("paths", path, method, "responses", status, "content", "application/json")
    return jsonschema.Draft202012Validator(
        {"$ref": f"{SCHEMA_URI}#{target}/schema"}, registry=registry
    )


def openapi(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    return as_json_schema(schema)


def router_paths():
    """(OpenAPI path, method) of every finance route the router registers."""
    expected = set()
    for prefix, viewset, _basename in router.registry:
        if not prefix.startswith("finance/"):
            continue
        lookup = viewset.lookup_url_kwarg or viewset.lookup_field
        lookup = "id" if lookup == "pk" else lookup
        expected.add((f"/api/{prefix}/", "get"))
        expected.add((f"/api/{prefix}/{{{lookup}}}/", "get"))
        for action in viewset.get_extra_actions():
            base = f"/api/{prefix}/{{{lookup}}}/" if action.detail else f"/api/{prefix}/"
            for method in action.mapping:
                expected.add((f"{base}{action.url_path}/", method))
    return expected


# Fixtures ------------------------------------------------------------------


@pytest.fixture
def published_a(period, member_a, officer_a, facilitator_a, specialist):
    return publish(member_a, period, officer_a, facilitator_a, specialist)


@pytest.fixture
def draft_b(period, member_b, officer_b):
    """B's data: checked and stored, but never submitted."""
    submission = upload(member_b, period, officer_b)
    assert submission.state == Submission.State.VALIDATED
    assert submission.lines.exists()
    return submission


# Public endpoints ----------------------------------------------------------


def test_public_endpoints_need_no_account_and_show_published_data_only(
    client, period, member_a, member_b, published_a, draft_b
):
    response = client.get("/api/finance/periods/")
    assert response.status_code == 200
    periods = response.json()["results"]
    assert [(p["id"], p["year"], p["quarter"]) for p in periods] == [(period.pk, 2026, 1)]

    response = client.get("/api/finance/indicators/", {"municipality": member_a.code})
    assert response.status_code == 200
    body = response.json()
    values = {row["indicator"]: row for row in body["results"]}
    assert body["count"] == len(values) == 10
    assert not [key for key in values if key.startswith("total:")]
    assert values["fiscal_autonomy"]["value"] == "0.425000"
    assert values["fiscal_autonomy"]["municipality_code"] == member_a.code
    assert values["fiscal_autonomy"]["year"] == 2026
    empty = client.get("/api/finance/indicators/", {"municipality": member_b.code}).json()
    assert empty["count"] == 0 and empty["results"] == []

    response = client.get("/api/finance/lines/", {"period": period.pk})
    assert response.status_code == 200
    lines = response.json()["results"]
    assert len(lines) == published_a.lines.count() == len(with_parents(quarter_amounts()))
    assert {line["municipality_code"] for line in lines} == {member_a.code}
    assert {line["id"] for line in lines} == set(published_a.lines.values_list("pk", flat=True))
    draft_ids = set(draft_b.lines.values_list("pk", flat=True))
    everything = client.get("/api/finance/lines/").json()["results"]
    assert draft_ids and not draft_ids & {line["id"] for line in everything}
    assert (
        client.get("/api/finance/lines/", {"municipality": member_b.code}).json()["results"] == []
    )
    detail = client.get(f"/api/finance/lines/{min(draft_ids)}/")
    assert detail.status_code == 404

    response = client.get("/api/finance/classifier/")
    assert response.status_code == 200
    classifier = response.json()
    assert classifier["count"] == ClassifierEntry.objects.count()
    entry = client.get("/api/finance/classifier/3.05.03.01.00/").json()
    assert entry["code"] == "3.05.03.01.00" and entry["parent"] == "3.05.03.00.00"

    # The open data ignores credentials altogether: even a wrong token reads it.
    stranger = token_client("0" * 40)
    for url in ("/api/finance/periods/", "/api/finance/lines/", "/api/finance/classifier/"):
        assert stranger.get(url).status_code == 200, url


def test_openapi_contract_of_the_public_endpoints(client, period, member_a, published_a, draft_b):
    document = openapi(client)
    paths = {(path, method) for path, item in document["paths"].items() for method in item}
    missing = router_paths() - paths
    assert not missing, missing
    assert len(router_paths()) >= 12

    line_id = published_a.lines.order_by("pk").values_list("pk", flat=True).first()
    indicator_id = IndicatorValue.objects.filter(submission=published_a).values_list(
        "pk", flat=True
    )[0]
    checks = [
        ("/api/finance/periods/", "/api/finance/periods/", {}),
        ("/api/finance/periods/{id}/", f"/api/finance/periods/{period.pk}/", {}),
        ("/api/finance/indicators/", "/api/finance/indicators/", {"municipality": member_a.code}),
        ("/api/finance/indicators/{id}/", f"/api/finance/indicators/{indicator_id}/", {}),
        ("/api/finance/lines/", "/api/finance/lines/", {"period": period.pk}),
        ("/api/finance/lines/{id}/", f"/api/finance/lines/{line_id}/", {}),
        ("/api/finance/classifier/", "/api/finance/classifier/", {}),
        ("/api/finance/classifier/{code}/", "/api/finance/classifier/4.01.01.01.00/", {}),
    ]
    for template, url, params in checks:
        operation = document["paths"][template]["get"]
        assert operation["security"] == [{}], template  # no credentials needed
        response = client.get(url, params)
        assert response.status_code == 200, url
        validator = response_validator(document, template)
        body = response.json()
        errors = [error.message for error in validator.iter_errors(body)]
        assert not errors, (url, errors[:5])

    # The validator is not vacuous: a line with an amount as a number is refused.
    validator = response_validator(document, "/api/finance/lines/")
    body = client.get("/api/finance/lines/", {"period": period.pk}).json()
    assert body["results"]
    broken = copy.deepcopy(body)
    broken["results"][0]["code"] = 401
    assert not validator.is_valid(broken)
    del broken["results"]
    assert not validator.is_valid(broken)


# Submission with a token ---------------------------------------------------


def test_officer_uploads_and_submits_with_a_token(client, period, member_a, member_b, officer_a):
    document = openapi(client)
    key = issue_token(client, officer_a)
    api = token_client(key)
    submission = submission_of(member_a, period)

    response = api.get("/api/finance/submissions/")
    assert response.status_code == 200
    listed = response.json()["results"]
    assert [row["id"] for row in listed] == [submission.pk]
    assert listed[0]["municipality_code"] == member_a.code
    assert response_validator(document, "/api/finance/submissions/").is_valid(response.json())

    rows = with_parents(quarter_amounts())
    lines = lines_payload(rows)
    url = f"/api/finance/submissions/{submission.pk}/upload/"

    # An unknown code: refused, the row is its position in the list, nothing stored.
    wrong = copy.deepcopy(lines)
    position = 5
    wrong.insert(position - 1, {"code": "4.99.01.01.00", "caused": "10.00"})
    response = api.post(url, {"lines": wrong}, content_type="application/json")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["result"] == "rejected"
    unknown = [f for f in body["findings"] if f["rule"] == "FIN-003"]
    assert [(f["row"], f["code"]) for f in unknown] == [(position, "4.99.01.01.00")]
    rejected = response_validator(document, "/api/finance/submissions/{id}/upload/", "post", "422")
    assert rejected.is_valid(body)
    assert Line.objects.filter(submission=submission).count() == 0
    submission.refresh_from_db()
    assert submission.state == Submission.State.DRAFT

    response = api.post(url, {"lines": lines}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["result"] == "accepted"
    assert body["line_count"] == len(rows)
    validator = response_validator(document, "/api/finance/submissions/{id}/upload/", "post", "201")
    assert validator.is_valid(body)
    assert Line.objects.filter(submission=submission).count() == len(rows)
    assert Upload.objects.get(pk=body["id"]).uploaded_by == officer_a

    response = api.post(
        f"/api/finance/submissions/{submission.pk}/submit/",
        {"justification": ""},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "in_review"
    submission.refresh_from_db()
    assert submission.state == Submission.State.IN_REVIEW
    assert submission.submitted_by == officer_a

    # Submitted data is no longer open for files.
    response = api.post(url, {"lines": lines}, content_type="application/json")
    assert response.status_code == 409
    assert not published().exists()


def test_token_of_another_municipality_cannot_see_or_upload(
    client, period, member_a, member_b, officer_a, officer_b
):
    key = issue_token(client, officer_b)
    api = token_client(key)
    submission_a = submission_of(member_a, period)

    listed = api.get("/api/finance/submissions/").json()["results"]
    assert {row["municipality_code"] for row in listed} == {member_b.code}

    assert api.get(f"/api/finance/submissions/{submission_a.pk}/").status_code == 404
    lines = lines_payload(with_parents(quarter_amounts()))
    response = api.post(
        f"/api/finance/submissions/{submission_a.pk}/upload/",
        {"lines": lines},
        content_type="application/json",
    )
    assert response.status_code == 404
    response = api.post(
        f"/api/finance/submissions/{submission_a.pk}/submit/", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not Upload.objects.filter(submission=submission_a).exists()

    # Without a token (and without a session) the submissions are closed.
    anonymous = Client()
    assert anonymous.get("/api/finance/submissions/").status_code in (401, 403)
    assert token_client("f" * 40).get("/api/finance/submissions/").status_code in (401, 403)


def test_a_second_token_does_not_replace_the_first(client, period, member_a, officer_a):
    first = issue_token(client, officer_a)
    second = issue_token(client, officer_a)
    assert first != second
    assert token_client(first).get("/api/finance/submissions/").status_code == 200
    assert token_client(second).get("/api/finance/submissions/").status_code == 200


def test_what_schemathesis_found_is_refused_not_a_server_error(
    client, period, member_a, officer_a, coordinator
):
    """Each request here once answered 500; each now gets a plain refusal."""
    key = issue_token(client, officer_a)
    api = token_client(key)
    submission = submission_of(member_a, period)

    # A code with a NUL character: the refusal quotes it, and PostgreSQL stores no NUL.
    bad = [{"code": "4.01\x00.01", "caused": "10.00"}]
    response = api.post(
        f"/api/finance/submissions/{submission.pk}/upload/",
        {"lines": bad},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    stored = Upload.objects.filter(submission=submission).latest("pk")
    assert stored.result == Upload.Result.REJECTED
    assert all("\x00" not in str(value) for f in stored.findings for value in f.values())

    # A body that is not an object, or a justification that is not text: 400.
    for body in ("3.5", "[]", '{"justification": ["a"]}'):
        response = api.post(
            f"/api/finance/submissions/{submission.pk}/submit/",
            body,
            content_type="application/json",
        )
        assert response.status_code == 400, (body, response.content)
        assert "justification" in response.json()
    submission.refresh_from_db()
    assert submission.state == Submission.State.DRAFT

    # A process id that is not a number is no process; a year out of range (the schema
    # says 1 to 9999) is refused, naming the parameter.
    client.force_login(coordinator)
    assert client.get("/api/processes/false/history/").status_code == 404
    for year in ("0", "99999999999999999999"):
        response = client.get("/api/knowledge/cases/", {"year": year})
        assert response.status_code == 400, (year, response.content)
        assert list(response.json()) == ["year"]
