"""What a hostile client sends on purpose: a NUL inside Basic credentials and a ``next``
that leaves the site. Both used to end badly (a 500; a redirect to another host)."""

import base64

import pytest
from django.urls import reverse

from notifications.models import Kind, Notification
from tests.conftest import make_user
from workflows.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Clave-muy-segura-2026"


def basic(username, password=PASSWORD):
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def officer(db):
    user = make_user("off_probe", Role.MUNICIPAL_OFFICER)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/tasks/"),
        ("get", "/api/processes/"),
        ("get", "/api/finance/submissions/"),
        ("get", "/api/agreements/1/"),
        ("post", "/api/tasks/1/claim/"),
    ],
)
@pytest.mark.parametrize("username, password", [("a\x00b", PASSWORD), ("off_probe", "x\x00y")])
def test_a_nul_in_basic_credentials_is_a_wrong_password_in_json(
    postgresql, client, officer, method, path, username, password
):
    response = getattr(client, method)(path, **basic(username, password))
    wrong = getattr(client, method)(path, **basic("off_probe", "wrong"))
    assert response.status_code == wrong.status_code
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == wrong.json()


def test_basic_credentials_still_let_the_right_person_in(postgresql, client, officer):
    response = client.get("/api/tasks/", **basic("off_probe"))
    assert response.status_code == 200
    assert "results" in response.json()
    assert client.get("/api/tasks/", **basic("off_probe", "wrong")).status_code in (401, 403)


@pytest.fixture
def notification(officer):
    return Notification.objects.create(
        recipient=officer, kind=Kind.ASSIGNED, key="probe-1", title="Tarea", url="/inbox/"
    )


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "http:\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_marking_read_never_sends_anyone_to_another_site(client, officer, notification, target):
    client.force_login(officer)
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_goes_back_to_the_page_it_came_from(client, officer, notification):
    client.force_login(officer)
    back = reverse("notifications:list") + "?unread=1&page=2"
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"next": back})
    assert response["Location"] == back
