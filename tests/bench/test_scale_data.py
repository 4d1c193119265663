"""The national-scale generator makes data the application accepts as its own.

Benchmarks are only as good as their data: these check, at a tiny scale, that the
generated tasks reach the right people through the real permission rules, that the
audit chains verify, and that finance and the library read what was made.
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from viewflow.workflow.status import STATUS

from agreements.models import Municipality, Region
from bench import scale
from finance.models import FiscalPeriod, IndicatorValue, Line, Submission
from knowledge import selectors as library
from workflows import audit, permissions, selectors
from workflows.models import Process, Task

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCALE = 0.002  # 2,000 tasks, 4,000 audit events, 200 cases; the 335 seeded municipalities


@pytest.fixture
def generated(postgresql):
    return scale.generate(SCALE, line_periods=1, lines=5, out=lambda line: None)


def test_generated_data_is_what_the_application_makes(generated):
    assert Region.objects.count() == scale.STATES
    tasks = Task.objects.count()
    assert tasks == generated["tasks"] == 2000
    open_tasks = Task.objects.exclude(status=STATUS.DONE).count()
    assert open_tasks == tasks // 10
    assert Process.objects.count() == tasks // scale.TASKS_PER_PROCESS
    members = Municipality.objects.filter(is_member=True).count()
    assert members == Municipality.objects.count() == 335
    assert FiscalPeriod.objects.count() == scale.PERIODS
    assert Submission.objects.count() == members * scale.PERIODS
    assert IndicatorValue.objects.count() == members * scale.PERIODS * 10
    assert Line.objects.count() == members * 5  # the latest quarter only
    assert library.library({}).total == generated["cases"] == 200
    result = audit.verify()
    assert result.ok, result.problem
    assert result.events_checked == generated["audit_events"] == 4000
    with pytest.raises(CommandError, match="already holds processes"):
        call_command("generate_scale_data", "--scale", "0.001")
    assert Task.objects.count() == tasks
    open_tasks_reach_only_their_municipalitys_facilitator()


def open_tasks_reach_only_their_municipalitys_facilitator():
    queued = Task.objects.filter(
        status=STATUS.NEW, owner_permission="agreements.facilitate_municipality"
    ).select_related("municipality__facilitator")
    assert queued.count() > 0
    facilitators = set()
    for task in queued[:50]:
        owner = task.municipality.facilitator
        facilitators.add(owner.pk)
        assert permissions.can_claim(owner, task)
        others = User.objects.filter(groups__name="facilitator").exclude(pk=owner.pk)
        assert not any(permissions.can_claim(other, task) for other in others[:10])
    one = User.objects.get(pk=next(iter(facilitators)))
    queue = list(selectors.queue(one))
    assert queue and {t.municipality.facilitator_id for t in queue} == {one.pk}
    inbox = list(selectors.inbox(one))
    assert all(t.owner_id == one.pk and t.status == STATUS.ASSIGNED for t in inbox)
    coordinator = User.objects.get(username="coordinador0")
    assert selectors.queue(coordinator).filter(owner_permission__startswith="workflows.").exists()
