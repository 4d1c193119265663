"""Personal tokens under simultaneous requests, on real PostgreSQL connections."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from workflows import tokens
from workflows.models import ApiToken
from workflows.roles import Role

from ..conftest import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def _all_at_once(target, count):
    """``target(index)`` in ``count`` threads released together; what each returned."""
    barrier = threading.Barrier(count)
    results = {}

    def run(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # the assertions name it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_simultaneous_requests_record_the_last_use_once():
    user = make_user("conc_a", Role.COORDINATOR)
    token, _key = tokens.issue(user=user, name="Paralelo")

    def use(_index):
        return tokens.mark_used(ApiToken.objects.get(pk=token.pk))

    results = _all_at_once(use, 6)
    assert sorted(results.values()) == [False] * 5 + [True], results
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_live_token_limit_holds_when_two_are_issued_at_once():
    user = make_user("conc_b", Role.COORDINATOR)
    for number in range(tokens.MAX_LIVE - 1):
        tokens.issue(user=user, name=f"t{number}")

    results = _all_at_once(lambda index: tokens.issue(user=user, name=f"último {index}"), 2)
    refused = [value for value in results.values() if isinstance(value, ValidationError)]
    issued = [value for value in results.values() if isinstance(value, tuple)]
    assert len(refused) == 1 and len(issued) == 1, results
    assert ApiToken.objects.filter(user=user).count() == tokens.MAX_LIVE
