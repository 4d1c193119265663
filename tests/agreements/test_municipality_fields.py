"""Every form that chooses municipalities labels them "Municipality (State)" in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.forms import ScopeForm, StartOnboardingForm
from agreements.models import Municipality, Region
from knowledge.forms import CaseRegistrationForm, ReplicationForm
from networks.forms import ProposalForm as NetworkProposalForm
from networks.forms import ProposalRevisionForm
from specialprojects.forms import ProposalForm as ProjectProposalForm

pytestmark = pytest.mark.django_db

FORMS = {
    "start onboarding": (
        lambda: StartOnboardingForm(municipalities=Municipality.objects.all()),
        "municipality",
    ),
    "territorial scope": (
        lambda: ScopeForm(
            people=get_user_model().objects.none(),
            regions=Region.objects.all(),
            municipalities=Municipality.objects.all(),
        ),
        "municipality",
    ),
    "network proposal": (NetworkProposalForm, "target_municipalities"),
    "network proposal revised": (ProposalRevisionForm, "target_municipalities"),
    "special project proposal": (ProjectProposalForm, "municipalities"),
    "case registration": (CaseRegistrationForm, "municipality"),
    "replication": (
        lambda: ReplicationForm(municipalities=Municipality.objects.all()),
        "municipality",
    ),
}


@pytest.mark.parametrize("name", FORMS)
def test_the_choices_are_read_with_their_states(name):
    Municipality.objects.update(is_member=True)  # the member-only forms offer them all
    make, field = FORMS[name]
    form = make()
    with CaptureQueriesContext(connection) as ctx:
        html = str(form[field])
    first = Municipality.objects.select_related("region").order_by("code").first()
    assert f">{first.name} ({first.region.name})<" in html
    assert html.count("<option") >= Municipality.objects.count() >= 335
    assert len(ctx.captured_queries) == 1
