"""Error pages in the house style and in Spanish, as the demo (DEBUG off) shows them."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import make_user
from workflows.roles import Role

ROOT = Path(__file__).resolve().parent.parent
HOME_LINK = '<a class="btn" href="/">Volver a la página de inicio</a>'


def house_style(page):
    """The base layout: its stylesheet, the site header and the main region."""
    return (
        '<html lang="es-ve">' in page
        and "/static/css/pagg.css" in page
        and '<header class="top">' in page
        and '<main id="content"' in page
    )


@pytest.mark.django_db
def test_a_missing_page_says_so_in_spanish_with_the_menu_and_a_way_home(client, settings):
    assert settings.DEBUG is False
    coordinator = make_user("coord", Role.COORDINATOR, first_name="Carmen")
    client.force_login(coordinator)
    response = client.get("/no-existe/")
    page = response.content.decode()
    assert response.status_code == 404 and house_style(page)
    assert "<h1>No encontramos esta página</h1>" in page
    assert "Puede que la dirección esté mal escrita o ya no exista" in page
    assert HOME_LINK in page
    inbox = reverse("workflows:inbox")
    assert "Carmen" in page and f'href="{inbox}"' in page  # the signed-in header, its menu
    assert "Page not found" not in page and "Not Found" not in page


@pytest.mark.django_db
def test_a_visitor_without_an_account_is_sent_back_to_the_public_pages(client):
    response = client.get("/knowledge/no-existe/")
    page = response.content.decode()
    assert response.status_code == 404 and house_style(page)
    assert "No encontramos esta página" in page
    home = reverse("finance:public_index")
    assert f'<a class="btn" href="{home}">Volver a la página de inicio</a>' in page


@pytest.mark.django_db
def test_a_refused_page_says_why_in_spanish_and_what_to_do(client, facilitator_a):
    client.force_login(facilitator_a)
    response = client.get(reverse("workflows:audit_search"))
    page = response.content.decode()
    assert response.status_code == 403 and house_style(page)
    assert "<h1>No puede abrir esta página</h1>" in page
    assert "Su rol no le permite ver esta página ni hacer esta acción." in page
    assert "pida el acceso a la coordinación" in page and HOME_LINK in page
    assert "403 Forbidden" not in page


@pytest.mark.django_db
def test_a_refusal_with_a_reason_shows_the_reason(client, onboarding_a, facilitator_a, auditor):
    """A service's own sentence says more than the general one."""
    from tests.conftest import draft_post, open_task
    from workflows import services as tasks

    tasks.complete(open_task(onboarding_a), facilitator_a, draft_post())
    review = open_task(onboarding_a)
    client.force_login(auditor)
    response = client.post(reverse("workflows:task_claim", args=[review.pk]))
    page = response.content.decode()
    assert response.status_code == 403 and house_style(page)
    assert "<p>Usted no puede tomar esta tarea.</p>" in page
    assert "Su rol no le permite" not in page


@pytest.mark.django_db
def test_the_admin_refuses_in_the_house_style_too(client):
    """A staff member without a model's permission meets our 403, not viewflow's."""
    coordinator = make_user("coord", Role.COORDINATOR, is_staff=True)
    client.force_login(coordinator)
    response = client.get("/admin/auth/user/")
    page = response.content.decode()
    assert response.status_code == 403 and house_style(page)
    assert "No puede abrir esta página" in page and HOME_LINK in page
    assert "derechos" not in page


@pytest.mark.django_db
def test_a_form_from_an_expired_page_says_what_to_do(facilitator_a):
    """Logging in again in another tab turns the CSRF token of an open form stale."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(facilitator_a)
    response = browser.post(reverse("notifications:read_all"))
    page = response.content.decode()
    assert response.status_code == 403 and house_style(page)
    assert "<h1>No se pudo enviar el formulario</h1>" in page
    assert "recargue la página y envíelo de nuevo" in page and HOME_LINK in page
    assert "CSRF" not in page


@pytest.mark.django_db
def test_a_request_the_site_cannot_accept_is_answered_in_spanish(client):
    response = client.get("/", HTTP_HOST="otro.example")
    page = response.content.decode()
    assert response.status_code == 400 and house_style(page)
    assert "<h1>No pudimos procesar esta solicitud</h1>" in page
    assert "Bad Request" not in page


def test_the_server_error_page_needs_no_database_and_gives_a_reference():
    from pagg.views import server_error

    response = server_error(RequestFactory().get("/tasks/1/"))
    page = response.content.decode()
    assert response.status_code == 500 and house_style(page)
    assert "<h1>Algo salió mal</h1>" in page and HOME_LINK in page
    reference = response["X-Error-Reference"]
    assert f'<strong id="error-reference">{reference}</strong>' in page
    # Rendered without the request: no menu, no one's name, no log-in link.
    assert "<nav" not in page and "Iniciar sesión" not in page


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_make_demo_serves_static_files_and_spanish_error_pages(tmp_path):
    """`make demo`'s server, with its settings (no DEBUG in the environment)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    # Its own database file rather than the project folder's: nothing else differs.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = _get(f"{base}/static/css/pagg.css")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.3)
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert body == (ROOT / "static/css/pagg.css").read_bytes()
        status, headers, _body = _get(f"{base}/static/admin/css/base.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        status, _headers, body = _get(f"{base}/no-existe/")
        page = body.decode()
        assert status == 404 and house_style(page)
        assert "No encontramos esta página" in page and "Django" not in page
    finally:
        server.terminate()
        server.wait(timeout=10)
