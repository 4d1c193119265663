"""The API keeps the promises its schema makes, for every operation the schema lists.

Every error is JSON with a ``detail`` (or one list of messages per parameter or field);
a parameter of the wrong type, sent twice or sent empty is refused with 400 naming it;
a call without valid credentials answers 401 with ``WWW-Authenticate``; a body over the
limit 413; a caller over its rate 429 with ``Retry-After``. The parameter and
credential tests read the operations from the generated schema, so an endpoint added
later is held to the same rules without a new row here.
"""

import base64
import json

import pytest
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory
from drf_spectacular.generators import SchemaGenerator
from rest_framework.settings import api_settings

from pagg import views
from tests.conftest import make_user, open_task
from workflows.roles import Role

from .conftest import api_token

pytestmark = pytest.mark.django_db


def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(method=None):
    for path, items in schema()["paths"].items():
        for verb, operation in items.items():
            if method is None or verb == method:
                yield path, verb, operation


def list_operations():
    """The GET operations without a path parameter: the lists, with their query parameters."""
    return [(path, op) for path, _verb, op in operations("get") if "{" not in path]


def wrong_values(parameter):
    """Values of the wrong type (or outside the enum or range) for a query parameter."""
    schema_ = parameter["schema"]
    if "enum" in schema_:
        return ["not-a-choice"]
    kind = schema_.get("type")
    if kind == "integer":
        values = ["0.5", "abc", "null"]
        if "maximum" in schema_:
            values.append(str(schema_["maximum"] + 1))
        return values
    if kind == "boolean":
        return ["null", "banana", "2"]
    return []


def is_error_json(response):
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body, dict) and body
    return body


def forget_throttle_history(*users):
    cache.delete_many(["throttle_anon_127.0.0.1", *(f"throttle_user_{user.pk}" for user in users)])


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


TYPED_LISTS = [
    (path, parameter["name"], value)
    for path, operation in list_operations()
    for parameter in operation.get("parameters", [])
    if parameter["in"] == "query"
    for value in wrong_values(parameter)
]


def test_every_filterable_list_has_typed_parameters_to_check():
    """The lists of the issue are among those checked, each with its typed parameters."""
    checked = {(path, name) for path, name, _value in TYPED_LISTS}
    for expected in [
        ("/api/tasks/", "list"),
        ("/api/tasks/", "due"),
        ("/api/tasks/", "municipality"),
        ("/api/tasks/", "sort"),
        ("/api/finance/indicators/", "year"),
        ("/api/finance/lines/", "period"),
        ("/api/finance/classifier/", "is_active"),
        ("/api/finance/periods/", "year"),
        ("/api/finance/submissions/", "period"),
        ("/api/municipalities/", "is_member"),
        ("/api/municipalities/", "region"),
        ("/api/agreements/", "state"),
        ("/api/agreements/", "municipality"),
        ("/api/knowledge/cases/", "region"),
        ("/api/knowledge/cases/", "year"),
        ("/api/knowledge/cases/", "size"),
        ("/api/knowledge/cases/", "results"),
        ("/api/processes/", "page"),
    ]:
        assert expected in checked, expected


@pytest.mark.parametrize("path, name, value", TYPED_LISTS)
def test_a_wrong_typed_parameter_is_refused_with_400_naming_it(
    coordinator_client, path, name, value
):
    response = coordinator_client.get(path, {name: value})
    assert response.status_code == 400, (path, name, value, response.content[:300])
    body = is_error_json(response)
    assert list(body) == [name] and body[name][0], body


@pytest.mark.parametrize(
    "query, name",
    [
        ("year=2025&year=2025", "year"),
        ("year=", "year"),
        ("is_active=", "is_active"),
        ("page=1&page=2", "page"),
    ],
)
def test_a_parameter_sent_twice_or_empty_is_refused(client, query, name):
    path = "/api/finance/classifier/" if "is_active" in query else "/api/finance/periods/"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(is_error_json(response)) == [name]


@pytest.mark.parametrize(
    "path, query",
    [
        ("/api/finance/indicators/", {"year": "2025", "quarter": "0"}),
        ("/api/finance/classifier/", {"is_active": "true", "level": "1"}),
        ("/api/finance/classifier/", {"is_active": "False"}),
        ("/api/finance/lines/", {"period": "1"}),
        ("/api/knowledge/cases/", {"year": "2020", "size": "small", "q": ""}),
        ("/api/tasks/", {"list": "queue", "due": "soon", "municipality": "1", "sort": "-due"}),
        ("/api/municipalities/", {"region": "1", "is_member": "true", "page": "1"}),
        ("/api/agreements/", {"municipality": "999999"}),  # no such one: nothing, not 400
    ],
)
def test_right_values_of_the_same_parameters_are_accepted(coordinator_client, path, query):
    response = coordinator_client.get(path, query)
    assert response.status_code == 200, response.content[:300]
    assert "results" in response.json()


def test_a_boolean_filter_filters(client):
    from finance.models import ClassifierEntry

    inactive = ClassifierEntry.objects.order_by("code").first()
    ClassifierEntry.objects.filter(pk=inactive.pk).update(is_active=False)
    codes = [
        row["code"]
        for row in client.get("/api/finance/classifier/?is_active=false").json()["results"]
    ]
    assert codes == [inactive.code]


def test_the_schema_declares_the_task_and_library_parameters_with_their_types():
    params = {
        (path, p["name"]): p["schema"]
        for path, op in list_operations()
        for p in op.get("parameters", [])
    }
    assert params[("/api/tasks/", "list")]["enum"] == ["queue", "inbox", "archive"]
    assert params[("/api/tasks/", "sort")]["enum"] == ["due", "-due", "created"]
    assert params[("/api/tasks/", "municipality")]["type"] == "integer"
    assert params[("/api/knowledge/cases/", "year")] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 9999,
    }
    assert params[("/api/knowledge/cases/", "size")]["enum"] == ["small", "medium", "large"]
    assert params[("/api/finance/classifier/", "is_active")]["type"] == "boolean"
    assert params[("/api/finance/lines/", "period")]["type"] == "integer"


AUTHENTICATED = sorted(
    (path, verb)
    for path, verb, op in operations()
    if op.get("security") and {} not in op["security"]
)


def concrete(path):
    return path.replace("{id}", "1").replace("{code}", "3.00.00.00.00")


@pytest.mark.parametrize("path, verb", AUTHENTICATED)
def test_without_credentials_an_operation_that_needs_them_answers_401(client, path, verb):
    response = getattr(client, verb)(concrete(path))
    assert response.status_code == 401, response.content[:300]
    # Named by the first authentication class: the token, not the session (which has none).
    first = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]()
    assert response["WWW-Authenticate"] == first.authenticate_header(None) == "Token"
    assert is_error_json(response)["detail"]


def test_wrong_credentials_answer_401_too(client, coordinator):
    keyword, key = api_token(coordinator)
    right = client.get("/api/tasks/", HTTP_AUTHORIZATION=f"{keyword} {key}")
    assert right.status_code == 200
    wrong_token = client.get("/api/tasks/", HTTP_AUTHORIZATION=f"{keyword} {'0' * len(key)}")
    basic = base64.b64encode(b"coord:wrong").decode()
    wrong_password = client.get("/api/tasks/", HTTP_AUTHORIZATION=f"Basic {basic}")
    for response in (wrong_token, wrong_password):
        assert response.status_code == 401
        assert response.has_header("WWW-Authenticate")
        assert is_error_json(response)["detail"]


def test_a_session_reads_and_its_writes_need_the_csrf_token(facilitator_a, onboarding_a):
    task = open_task(onboarding_a)  # the facilitator's already
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(facilitator_a)
    assert browser.get("/api/tasks/").status_code == 200

    refused = browser.post(f"/api/tasks/{task.pk}/release/")
    assert refused.status_code == 403
    assert "CSRF" in is_error_json(refused)["detail"]
    task.refresh_from_db()
    assert task.owner == facilitator_a

    browser.get("/accounts/login/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    released = browser.post(f"/api/tasks/{task.pk}/release/", HTTP_X_CSRFTOKEN=token)
    assert released.status_code == 200, released.content
    assert released.json()["owner"] is None


def test_not_found_method_not_allowed_and_not_acceptable_are_json(coordinator_client):
    missing = coordinator_client.get("/api/tasks/999999999/")
    assert missing.status_code == 404 and is_error_json(missing)["detail"]
    wrong_method = coordinator_client.put("/api/tasks/")
    assert wrong_method.status_code == 405 and is_error_json(wrong_method)["detail"]
    assert "GET" in wrong_method["Allow"]
    html_only = coordinator_client.get("/api/tasks/", HTTP_ACCEPT="text/html")
    assert html_only.status_code == 406 and is_error_json(html_only)["detail"]


def test_a_conflict_is_409_in_json(client, facilitator_a, onboarding_a):
    client.force_login(facilitator_a)
    task = open_task(onboarding_a)
    response = client.post(f"/api/tasks/{task.pk}/claim/")
    assert response.status_code == 409
    assert is_error_json(response)["detail"]


def test_a_body_in_a_format_the_operation_does_not_read_is_415(client, officer_a, period, member_a):
    from finance import services as finance

    submission = finance.current_submission(member_a, period)
    client.force_login(officer_a)
    response = client.post(
        f"/api/finance/submissions/{submission.pk}/submit/", "x", content_type="text/plain"
    )
    assert response.status_code == 415
    assert is_error_json(response)["detail"]


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_the_limit_is_413_in_json(
    client, settings, officer_a, period, member_a, content_type
):
    from finance import services as finance

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    submission = finance.current_submission(member_a, period)
    client.force_login(officer_a)
    body = (
        json.dumps({"justification": "x" * 2000})
        if content_type == "application/json"
        else "justification=" + "x" * 2000
    )
    response = client.post(
        f"/api/finance/submissions/{submission.pk}/submit/", body, content_type=content_type
    )
    assert response.status_code == 413
    assert is_error_json(response)["detail"]
    submission.refresh_from_db()
    assert submission.submitted_at is None


def test_a_multipart_field_over_the_limit_is_413_in_json(
    client, settings, officer_a, period, member_a
):
    """Django's own parser refuses it (RequestDataTooBig); the API says 413, not 400."""
    from finance import services as finance

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    submission = finance.current_submission(member_a, period)
    client.force_login(officer_a)
    response = client.post(
        f"/api/finance/submissions/{submission.pk}/upload/", {"part": "x" * 2000}
    )
    assert response.status_code == 413
    assert is_error_json(response)["detail"]


def test_django_refusing_a_body_under_the_api_is_413_and_a_page_stays_400():
    api = views.bad_request(RequestFactory().post("/api/tasks/"), RequestDataTooBig())
    page = views.bad_request(RequestFactory().post("/tasks/"), RequestDataTooBig())
    assert api.status_code == 413 and json.loads(api.content)["detail"]
    assert page.status_code == 400


def throttled(settings, anon, user):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
    }


def test_an_anonymous_caller_over_the_rate_gets_429_with_retry_after(client, settings):
    throttled(settings, "3/minute", "100/minute")
    forget_throttle_history()
    try:
        answers = [client.get("/api/finance/periods/") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        body = is_error_json(answers[-1])
        assert body["detail"]
        assert 0 < int(answers[-1]["Retry-After"]) <= 60
        # Another caller (a signed-in one) has its own count.
        assert client.get("/api/finance/periods/", REMOTE_ADDR="127.0.0.2").status_code == 200
    finally:
        forget_throttle_history()
        cache.delete("throttle_anon_127.0.0.2")


def test_a_signed_in_caller_over_the_rate_gets_429(client, settings):
    user = make_user("off_rate", Role.MUNICIPAL_OFFICER)
    throttled(settings, "100/minute", "2/minute")
    forget_throttle_history(user)
    client.force_login(user)
    try:
        answers = [client.get("/api/tasks/").status_code for _ in range(3)]
        assert answers == [200, 200, 429]
    finally:
        forget_throttle_history(user)


def test_the_rates_come_from_the_environment(monkeypatch):
    import importlib

    import pagg.settings

    monkeypatch.setenv("API_THROTTLE_ANON", "7/minute")
    monkeypatch.setenv("API_THROTTLE_USER", "none")
    try:
        reloaded = importlib.reload(pagg.settings)
        rates = reloaded.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        assert rates == {"anon": "7/minute", "user": None}
    finally:
        monkeypatch.undo()
        importlib.reload(pagg.settings)


def test_the_schema_documents_the_error_answers():
    for path, verb, op in operations():
        responses = op["responses"]
        for status in ("400", "401", "403", "404", "429"):
            assert status in responses, (path, verb, status)
        assert "Retry-After" in responses["429"]["headers"]
        if verb == "post":
            assert {"409", "413", "415"} <= responses.keys(), (path, verb)


@pytest.mark.parametrize("header", ["", "garbage", "Bearer abc"])
def test_an_authorization_header_no_scheme_reads_is_refused_beside_a_session(
    client, coordinator, header
):
    client.force_login(coordinator)
    assert client.get("/api/tasks/").status_code == 200
    response = client.get("/api/tasks/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert is_error_json(response)["detail"]
