"""Bad input: a bounded hypothesis profile and helpers that count rows before and after.

The profile is derandomised (the same examples on every run, so CI is reproducible)
and prints the blob to reproduce a failure; ``HYPOTHESIS_PROFILE=badinput-deep``
runs more examples, with a random seed, when someone wants to search harder.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    "print_blob": True,
    "database": None,
}
settings.register_profile("badinput", max_examples=25, derandomize=True, **COMMON)
settings.register_profile("badinput-deep", max_examples=500, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "badinput"))


def api_token(user):
    """A personal API token for ``user``: the Authorization header's keyword and key.

    The one place the bad-input tests make a token, so that a change of token model
    changes this function only."""
    from tests.conftest import api_key

    return "Token", api_key(user)


def counts(*models):
    """Row counts of the given models (and of the audit trail), to compare before and after."""
    from workflows.models import AuditEvent

    return {model.__name__: model.objects.count() for model in (*models, AuditEvent)}


@pytest.fixture
def unchanged():
    """``with unchanged(Model, ...):`` fails if the block adds or removes rows of them."""
    from contextlib import contextmanager

    @contextmanager
    def check(*models):
        before = counts(*models)
        yield
        after = counts(*models)
        assert after == before, f"rows changed: {before} -> {after}"

    return check


# The finance people and period, as the finance suite builds them.
from tests.finance.conftest import member_a, member_b, officer_a, officer_b, period  # noqa: E402, F401


@pytest.fixture
def network_member(db):
    """An active network with a municipal officer as member and the lead's first post."""
    from networks import services
    from tests.conftest import make_user
    from tests.networks.test_community import active_network
    from workflows.roles import Role

    lead = make_user("esp_red", Role.SPECIALIST)
    member = make_user("miembro", Role.MUNICIPAL_OFFICER)
    network = active_network(lead)
    services.add_member(network, lead, member)
    post_ = services.add_post(network, lead, "Bienvenida", "<p>Hola</p>", True)
    return network, member, post_
