"""Login throttling (django-axes) and password strength, through the real pages."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.conftest import api_key, make_user
from workflows.roles import Role

pytestmark = pytest.mark.django_db

GOOD = "Clave-muy-segura-2026"


@pytest.fixture
def officer(db):
    user = make_user("off_lock", Role.MUNICIPAL_OFFICER)
    user.set_password(GOOD)
    user.save()
    return user


def log_in(client, password, username="off_lock", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_bad_passwords_lock_the_account_until_the_cool_off(client, officer, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    for _ in range(limit - 1):
        response = log_in(client, "no-es-la-clave")
        assert response.status_code == 200 and response.context["form"].errors
    locked = log_in(client, "no-es-la-clave")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Demasiados intentos" in page and f"{limit} intentos fallidos" in page
    assert "15 minutos" in page

    # The right password is refused while locked, and nobody is logged in.
    refused = log_in(client, GOOD)
    assert refused.status_code == 429 and "Demasiados intentos" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("workflows:inbox"))["Location"].startswith(reverse("login"))

    # Another address is not locked out for this username, nor another username here.
    other = log_in(client, GOOD, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    client.logout()

    # After the cool-off the right password works again.
    later = datetime.datetime.now(datetime.UTC) + settings.AXES_COOLOFF_TIME
    with time_machine.travel(later + datetime.timedelta(seconds=5), tick=False):
        welcome = log_in(client, GOOD)
        assert welcome.status_code == 302 and welcome["Location"] == reverse("workflows:home")


def test_api_token_and_basic_auth_still_work(client, officer, settings):
    key = api_key(officer)
    url = reverse("task-list")
    assert client.get(url).status_code in (401, 403)
    by_token = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
    assert by_token.status_code == 200 and "results" in by_token.json()

    import base64

    basic = "Basic " + base64.b64encode(f"off_lock:{GOOD}".encode()).decode()
    assert client.get(url, HTTP_AUTHORIZATION=basic).status_code == 200
    wrong = "Basic " + base64.b64encode(b"off_lock:wrong-password").decode()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert client.get(url, HTTP_AUTHORIZATION=wrong).status_code in (401, 403)
    # Guessing through the API locks the password path too; the token is not a password.
    assert client.get(url, HTTP_AUTHORIZATION=basic).status_code in (401, 403, 429)
    assert log_in(client, GOOD).status_code == 429
    assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


WEAK = ["corta1", "12345678901234", "password12345", "off_lock_2026!"]


@pytest.mark.parametrize("weak", WEAK)
def test_weak_password_refused_on_the_invitation_page(client, officer, weak):
    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    token = default_token_generator.make_token(officer)
    response = client.get(reverse("staffing:welcome", args=[uid, token]), follow=True)
    assert response.context["validlink"]
    form_url = response.redirect_chain[-1][0]
    refused = client.post(form_url, {"new_password1": weak, "new_password2": weak})
    assert refused.status_code == 200
    assert refused.context["form"].errors["new_password2"]
    officer.refresh_from_db()
    assert officer.check_password(GOOD)
    accepted = client.post(form_url, {"new_password1": GOOD + "x", "new_password2": GOOD + "x"})
    assert accepted.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(GOOD + "x")


def test_weak_password_refused_in_the_admin(client, officer):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", GOOD)
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[officer.pk])
    refused = client.post(url, {"password1": "corta1", "password2": "corta1"})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "por lo menos 12 caracteres" in page
    officer.refresh_from_db()
    assert officer.check_password(GOOD)
    new = "Otra-clave-larga-2026"
    assert client.post(url, {"password1": new, "password2": new}).status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)
