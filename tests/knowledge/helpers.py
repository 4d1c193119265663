"""Walk a case to publication through the services (HTTP is tested in test_case_walk)."""

from knowledge import services
from knowledge.forms import IndicatorFormSet, MilestoneFormSet
from knowledge.models import STEP_FIELDS
from tests.conftest import open_task
from workflows import services as tasks
from workflows.models import Process

from .conftest import STEP_DATA, register, step_post

CRITERIA_ON = {"public_sector": True, "novel": True, "implemented": True, "impact": True}


def systematise(case, specialist, **texts):
    for step in range(1, 6):
        data = {key[5:]: value for key, value in STEP_DATA[step].items()}
        data.update({k: v for k, v in texts.items() if k in STEP_FIELDS[step]})
        services.save_step(case, specialist, step, data)
    post = step_post(3)
    formset = MilestoneFormSet(post, instance=case, prefix="milestones")
    assert formset.is_valid(), formset.errors
    services.record_children(case, specialist, "milestones", formset)
    post = step_post(5)
    formset = IndicatorFormSet(post, instance=case, prefix="indicators")
    assert formset.is_valid(), formset.errors
    services.record_children(case, specialist, "indicators", formset)


def publish(author, municipality, theme, specialist, curator, coordinator, **fields):
    texts = {k: fields.pop(k) for k in list(fields) if k in sum(STEP_FIELDS.values(), [])}
    case = register(author, municipality, theme, **fields)
    process = Process.for_subject(case)
    task = open_task(process)
    if task.owner_id != specialist.pk:
        tasks.claim(task, specialist)
    systematise(case, specialist, **texts)
    tasks.complete(task, specialist, {"comment": ""})
    task = open_task(process)
    tasks.claim(task, curator)
    tasks.complete(
        task,
        curator,
        {"decision": "approve", "comment": "", "criteria_keys": list(CRITERIA_ON), **CRITERIA_ON},
    )
    task = open_task(process)
    tasks.claim(task, coordinator)
    tasks.complete(task, coordinator, {"decision": "approve", "comment": ""})
    case.refresh_from_db()
    return case
