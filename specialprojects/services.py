"""Special project operations: definition, proposal, team, approval, milestones, closure.

Joining a project's team grants the ``work_on_project`` permission on it (and
declining removes it); the engine turns that permission into who may take the
project's tasks, so a team member of one project never acts on another's.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from agreements.scope import REPRESENT, holders
from notifications import services as notices
from notifications.models import Kind
from workflows import audit, transitions
from workflows.forms import DecisionForm
from workflows.roles import Role

from .models import Indicator, Milestone, Project, ProjectLine, TeamMember

WORK = "specialprojects.work_on_project"
APPROVE = "specialprojects.approve_project"


def define(user, data):
    """The definition form's data: its line (an existing one, or a new one named) and project."""
    with transaction.atomic():  # a new line stays only with the project defined in it
        line = data["line"] or ProjectLine.objects.get_or_create(name=data["new_line"].strip())[0]
        return define_project(user, line, data["title"], data["lead"])


def define_project(user, line, title, lead):
    """The coordinator defines the project in a line and names its lead."""
    from .flows import ProjectFlow

    if not user.has_perm(APPROVE):
        raise PermissionDenied(_("Special projects are defined by the coordination."))
    with transaction.atomic():
        project = Project.objects.create(line=line, title=title, lead=lead, created_by=user)
        TeamMember.objects.create(
            project=project, user=lead, role=TeamMember.Role.LEAD, confirmed_at=timezone.now()
        )
        assign_perm(WORK, lead, project)
        audit.record("project.defined", actor=user, subject=project, after=project.audit_snapshot())
        ProjectFlow.start.run(project=project, by=user)
    return project


def _record_changes(project, action, before, after, *, actor, task, comment=""):
    """One event on the project with the keys that changed, as they were and as they are.

    Recorded on the project itself: a reviewer's second round reads its "what
    changed" from the project's events since the round before.
    """
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed and not comment:
        return None
    return audit.record(
        action,
        actor=actor,
        task=task,
        subject=project,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
        comment=comment,
    )


def save_proposal(project, user, data, task):
    """The lead's proposal: objectives, results with indicators, milestones, budget, risks."""
    from finance.models import Currency

    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        before = project.proposal_snapshot()
        for field in ("objectives", "expected_results", "risks", "budget"):
            setattr(project, field, data[field])
        project.currency = data.get("currency") or project.currency or Currency.current()
        project.save()
        project.municipalities.set(data["municipalities"])
        project.indicators.all().delete()
        Indicator.objects.bulk_create(
            [
                Indicator(
                    project=project,
                    name=name,
                    unit=unit,
                    baseline=baseline,
                    target=target,
                    current=baseline,
                )
                for name, unit, baseline, target in data["indicators"]
            ]
        )
        project.milestones.filter(completed_at__isnull=True).delete()
        Milestone.objects.bulk_create(
            [
                Milestone(
                    project=project,
                    starts_on=start,
                    due_on=due,
                    title=title,
                    deliverable=deliverable,
                    responsible=project.lead,
                )
                for start, due, title, deliverable in data["milestones"]
            ]
        )
        _record_changes(
            project,
            "project.proposal_saved",
            before,
            project.proposal_snapshot(),
            actor=user,
            task=task,
        )
        transitions.apply(project, "submit", actor=user, task=task, check_perm=False)


def form_team(project, user, members, task):
    """The coordinator names the team; each new member is asked to confirm.

    A second round names the team again from the one named before: whoever is left
    out leaves the team (and its tasks), and a member who had declined and is named
    again is asked again.
    """
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        before = project.team_summary()
        named = {person.pk for person, _role, _resp in members}
        for member in project.team.exclude(role=TeamMember.Role.LEAD).select_related("user"):
            if member.user_id not in named:
                remove_perm(WORK, member.user, project)
                member.delete()
        for person, role, responsibility in members:
            member, created = TeamMember.objects.get_or_create(
                project=project,
                user=person,
                defaults={"role": role, "responsibility": responsibility},
            )
            if not created and (member.declined or member.role != role):
                member.declined = False
                member.role = role
                member.save(update_fields=["declined", "role"])
            if created or not person.has_perm(WORK, project):
                assign_perm(WORK, person, project)
        _record_changes(
            project,
            "project.team_named",
            {"team": before},
            {"team": project.team_summary()},
            actor=user,
            task=task,
        )


def pending_confirmations(project):
    """One confirmation per member yet to answer; ``about`` names them in the task's title."""
    return [
        {"member": member.pk, "user": member.user_id, "about": member.name}
        for member in project.team.filter(confirmed_at__isnull=True, declined=False)
        .exclude(role=TeamMember.Role.LEAD)
        .select_related("user")
        .order_by("pk")
    ]


def confirm(project, user, accepted, task):
    member = TeamMember.objects.get(pk=task.data["member"], project=project)
    if member.user_id != user.pk:
        raise PermissionDenied(_("Only the person named confirms their own participation."))
    with transaction.atomic():
        before = project.team_summary()
        if accepted:
            member.confirmed_at = timezone.now()
        else:
            member.declined = True
            remove_perm(WORK, member.user, project)
        member.save(update_fields=["confirmed_at", "declined"])
        _record_changes(
            project,
            "project.member_confirmed" if accepted else "project.member_declined",
            {"team": before},
            {"team": project.team_summary()},
            actor=user,
            task=task,
        )


def decide(project, user, data, task):
    if data["decision"] == DecisionForm.APPROVE:
        transitions.apply(
            project, "approve", actor=user, task=task, comment=data.get("comment", "")
        )
        return
    transitions.apply(
        project,
        "return_for_changes",
        actor=user,
        task=task,
        comment=data.get("comment", ""),
        check_perm=False,
    )
    notices.notify(
        project.lead,
        Kind.RETURNED,
        f"returned:{task.pk}",
        title=_("Project returned: %(title)s") % {"title": project.title},
        body=data.get("comment", ""),
        url=project.get_absolute_url(),
        task=task,
    )


def launch(project, process=None):
    """Launched and in execution; the team and the municipalities' officers hear of it."""
    User = get_user_model()
    with transaction.atomic():
        transitions.apply(project, "launch", process=process, check_perm=False)
        transitions.apply(project, "start_execution", process=process, check_perm=False)
        recipients = {m.user for m in project.team.filter(declined=False).select_related("user")}
        representing = holders(REPRESENT, list(project.municipalities.all()))
        recipients |= set(
            User.objects.filter(
                pk__in=set().union(*representing.values()), groups__name=Role.MUNICIPAL_OFFICER
            )
        )
        for person in recipients:
            notices.notify(
                person,
                Kind.PROJECT,
                f"project-launched:{project.pk}:{person.pk}",
                title=_("Project launched: %(title)s") % {"title": project.title},
                body=project.objectives[:300],
                url=project.get_absolute_url(),
            )


def milestone_tasks(project):
    """One task per milestone to deliver; ``about`` names it in the task's title."""
    return [
        {"milestone": m.pk, "about": m.title}
        for m in project.milestones.filter(completed_at__isnull=True)
    ]


def milestone_due(task):
    milestone = Milestone.objects.get(pk=task.data["milestone"])
    return timezone.make_aware(datetime.datetime.combine(milestone.due_on, datetime.time(23, 59)))


def complete_milestone(project, user, data, task):
    """The deliverable is uploaded and the indicators updated, each change audited."""
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().get(
            pk=task.data["milestone"], project=project
        )
        if milestone.completed_at:
            raise ValidationError(_("This milestone is already complete."))
        milestone.file = data["deliverable_file"]
        milestone.report = data.get("report", "")
        milestone.completed_at = timezone.now()
        milestone.save(update_fields=["file", "report", "completed_at"])
        audit.record(
            "project.milestone_completed",
            actor=user,
            task=task,
            subject=project,
            after={
                "milestone": milestone.title,
                "late": milestone.due_on < timezone.localdate(),
                "file": milestone.file.name,
            },
        )
        for indicator in project.indicators.all():
            value = data.get(f"indicator_{indicator.pk}")
            if value is not None and value != indicator.current:
                audit.record(
                    "project.indicator_updated",
                    actor=user,
                    task=task,
                    subject=project,
                    before={"indicator": indicator.name, "current": indicator.current},
                    after={"indicator": indicator.name, "current": value},
                )
                indicator.current = value
                indicator.save(update_fields=["current"])


def write_closure(project, user, data, task):
    """The lead's closure report; a second round records what it changed for the reviewer."""
    fields = ("results_summary", "lessons", "suggest_case")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        before = {field: getattr(project, field) for field in fields}
        project.results_summary = data["results_summary"]
        project.lessons = data["lessons"]
        project.suggest_case = data.get("suggest_case", False)
        project.save(update_fields=list(fields))
        _record_changes(
            project,
            "project.closure_report",
            before,
            {field: getattr(project, field) for field in fields},
            actor=user,
            task=task,
        )
        if project.state == Project.State.IN_EXECUTION:
            transitions.apply(project, "start_closing", actor=user, task=task, check_perm=False)


def decide_closure(project, user, data, task):
    if data["decision"] == DecisionForm.APPROVE:
        transitions.apply(project, "close", actor=user, task=task, comment=data.get("comment", ""))
        return
    if not data.get("comment"):
        raise ValidationError({"comment": _("Say what must change when returning.")})
    audit.record(
        "project.closure_returned",
        actor=user,
        task=task,
        subject=project,
        comment=data.get("comment", ""),
    )
    notices.notify(
        project.lead,
        Kind.RETURNED,
        f"returned:{task.pk}",
        title=_("Closure report returned: %(title)s") % {"title": project.title},
        body=data.get("comment", ""),
        url=reverse("specialprojects:project_detail", args=[project.pk]),
        task=task,
    )


STATE_CHANGES = ("suspend", "resume", "cancel")


def change_state(project, *, user, action, comment=""):
    """The coordination suspends, resumes or cancels a project, with a reason.

    A cancelled project's open work is cancelled in the same transaction, so the project
    never stands cancelled with tasks still waiting on someone.
    """
    if action not in STATE_CHANGES or not user.has_perm(APPROVE):
        raise PermissionDenied
    with transaction.atomic():
        transitions.apply(project, action, actor=user, comment=comment)
        if action == "cancel":
            cancel_open_work(project, user)
    return project


def cancel_open_work(project, user):
    """A cancelled project's open tasks are cancelled with it, so nobody is reminded of them."""
    from workflows.models import Process, Task

    process = Process.for_subject(project)
    if process is None:
        return
    for task in Task.objects.filter(process=process, status__in=["NEW", "ASSIGNED"]):
        with task.activation() as activation:
            activation.cancel()
        audit.record("task.cancelled", actor=user, task=task, comment=_("Project cancelled"))
    process.status = "CANCELED"
    process.finished = timezone.now()
    process.save(update_fields=["status", "finished"])
