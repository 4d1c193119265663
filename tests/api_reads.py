"""What the read-only API tests share: the security suite's programme and a few readers.

The programme (``world``) is built once per test module through the real services
(tests/security/world.py): regions A and B, one person per role, one object of each
kind in A. Each test runs in a savepoint inside it.
"""

# ruff: noqa: F811  (the imported fixtures are taken as parameters)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.security.conftest import module_media, world  # noqa: F401  (fixtures, re-exported)


@pytest.fixture(autouse=True)
def world_media(settings, module_media):
    """The files uploaded while building the world stay readable (a deliverable, a CV)."""
    settings.MEDIA_ROOT = module_media


# The roles the API tests read as: the world's people, and None for an anonymous caller.
ROLES = ["coordinator", "facilitator", "facilitator_b", "auditor", "specialist", "anon"]


def as_(client, world, role):
    client.logout()
    if role != "anon":
        client.force_login(getattr(world.people, role))
    return client


def listed(response):
    """The ids a list answer gives, across its page."""
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return [row["id"] for row in response.json()["results"]]


def queries(client, url):
    """How many queries a GET of ``url`` runs (and that it answers 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


def conforms(client, path, url, params=None):
    """The JSON ``client`` gets at ``url`` is what the OpenAPI schema says ``path`` answers."""
    from tests.finance.test_api import openapi, response_validator

    response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    errors = list(response_validator(openapi(client), path).iter_errors(response.json()))
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    return response.json()
