"""Shared fixtures: people in each role with real territorial scope, made by the services."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agreements import scope
from agreements import services as onboarding
from agreements.models import Municipality, Region
from workflows.roles import Role


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "es-ve"


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process unless a test starts a real worker."""
    from pagg.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


def api_key(user, name="Pruebas", days=90):
    """A personal API token for ``user``, issued by the service; returns the plain key."""
    from workflows import tokens

    return tokens.issue(user=user, name=name, days=days)[1]


@pytest.fixture(autouse=True)
def _fresh_api_rate():
    """Each test starts with no API calls counted against the test client's address, so
    that the anonymous rate (workflows.rest) counts one test's calls, not the suite's."""
    from django.core.cache import cache

    cache.delete("throttle_anon_127.0.0.1")


def make_user(username, role, **extra):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw", **extra)
    user.groups.add(Group.objects.get(name=role))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def region_a():
    return Region.objects.get(code="15")  # Miranda


@pytest.fixture
def region_b():
    return Region.objects.get(code="23")  # Zulia


@pytest.fixture
def coordinator(db):
    return make_user("coord", Role.COORDINATOR)


@pytest.fixture
def auditor(db):
    return make_user("aud", Role.AUDITOR)


@pytest.fixture
def facilitator_a(db, region_a, coordinator):
    user = make_user("fac_a", Role.FACILITATOR)
    scope.grant_facilitator_region(user, region_a, by=coordinator)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def facilitator_b(db, region_b, coordinator):
    user = make_user("fac_b", Role.FACILITATOR)
    scope.grant_facilitator_region(user, region_b, by=coordinator)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def municipality_a(region_a):
    return Municipality.objects.filter(region=region_a).order_by("code").first()


@pytest.fixture
def municipality_b(region_b):
    return Municipality.objects.filter(region=region_b).order_by("code").first()


AUTHORITIES = {
    "population": 12000,
    "mayor_name": "Alcaldesa Prueba",
    "mayor_email": "",
    "mayor_phone": "",
    "official_name": "Enlace Prueba",
    "official_position": "Hacienda",
    "official_email": "enlace@example.org",
    "official_phone": "",
}


def start(user, municipality):
    return onboarding.start_onboarding(user, municipality, AUTHORITIES)


@pytest.fixture
def onboarding_a(facilitator_a, municipality_a):
    return start(facilitator_a, municipality_a)


@pytest.fixture
def onboarding_b(facilitator_b, municipality_b):
    return start(facilitator_b, municipality_b)


def pdf_bytes():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 770, "Convenio firmado")
    pdf.save()
    return buffer.getvalue()


def signed_pdf(name="convenio.pdf", content=None, content_type="application/pdf"):
    return SimpleUploadedFile(name, content if content is not None else pdf_bytes(), content_type)


def draft_post(**overrides):
    today = timezone.localdate()
    data = {
        "scope": "Gestión financiera",
        "commitments": "Compartir la información presupuestaria",
        "start_date": today.isoformat(),
        "end_date": today.replace(year=today.year + 2).isoformat(),
        "contacts": "Despacho del alcalde",
        "comment": "",
    }
    data.update(overrides)
    return data


def open_task(process):
    from workflows.models import Task

    return Task.objects.get(process=process, flow_task_type="HUMAN", status__in=["NEW", "ASSIGNED"])


@pytest.fixture
def postgresql():
    """Locking, triggers and advisory locks are PostgreSQL's: without it the test fails, loudly."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "This test needs PostgreSQL: run it with DATABASE_URL=postgres://... (make test)"
        )


@pytest.fixture
def redis_broker(settings):
    """A real Celery broker; without Redis the test fails rather than skips."""
    import redis

    if not settings.REDIS_URL:
        pytest.fail("This test needs Redis: run it with REDIS_URL=redis://... (make test)")
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {settings.REDIS_URL}: {error}")
    return settings.REDIS_URL
