"""The security suite builds its programme once per module (see world.py).

The data lives in one transaction opened for the module and rolled back at its end;
each test runs in a savepoint inside it, as pytest-django's ``db`` tests do. Files go
to one media folder for the module, so that documents uploaded while building are
still there when a test downloads them.
"""

import pytest
from django.db import transaction

from .world import build

_MEDIA = {}


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("security-media")


@pytest.fixture(autouse=True)
def _media(settings, request):
    """Overrides tests/conftest.py's per-test media folder with the module's own."""
    settings.LANGUAGE_CODE = "es-ve"
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("module_media")
    else:
        settings.MEDIA_ROOT = request.getfixturevalue("tmp_path") / "media"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_media):
    from django.test import override_settings

    from pagg.celery import app

    app.conf.task_always_eager = True
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=module_media):
        with transaction.atomic():
            built = build()
            yield built
            transaction.set_rollback(True)
