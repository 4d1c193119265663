"""Every answer under /api/ is JSON, the errors Django gives before DRF's handler included;
the pages people read keep their house-style HTML."""

import json

import pytest
from django.test import RequestFactory

from pagg import views
from tests.conftest import make_user
from workflows.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client):
    user = make_user("off_json", Role.MUNICIPAL_OFFICER)
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/processes/%C2%84/"),
        ("post", "/api/tasks/0.5/claim/"),
        ("get", "/api/tasks/abc/"),
        ("get", "/api/no-such-thing/"),
    ],
)
def test_a_path_the_api_cannot_match_answers_404_in_json(client, officer, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "No encontrado."}


def test_anonymous_gets_json_too(client):
    response = client.get("/api/tasks/0.5/")
    assert response.status_code == 404 and response.json()["detail"]


def test_a_page_that_does_not_exist_is_still_the_house_style_page(client, officer):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "No encontramos esta página" in response.content.decode()


def test_a_server_error_in_the_api_is_json_with_the_reference_of_the_log(caplog):
    request = RequestFactory().get("/api/tasks/")
    response = views.server_error(request)
    body = json.loads(response.content)
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert body["reference"] == response["X-Error-Reference"]
    assert body["reference"] in body["detail"]
    assert body["reference"] in caplog.text


@pytest.mark.parametrize(
    "handler, status",
    [(views.bad_request, 400), (views.permission_denied, 403), (views.page_not_found, 404)],
)
def test_each_error_handler_answers_json_under_the_api_and_html_elsewhere(handler, status):
    api = handler(RequestFactory().get("/api/processes/"), Exception("x"))
    page = handler(RequestFactory().get("/processes/"), Exception("x"))
    assert api.status_code == page.status_code == status
    assert json.loads(api.content)["detail"]
    assert page["Content-Type"].startswith("text/html")
