"""Special projects: a project line, its team, indicators, milestones and closure.

Team membership is an object permission on the project
(``specialprojects.work_on_project``), so that a project's tasks reach its own
team and nobody else's (``WORKFLOWS_SCOPED_ROLE_PERMISSIONS["project_team"]``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin, ReviewCycle

MONEY = {"max_digits": 20, "decimal_places": 2}


class ProjectLine(models.Model):
    """A line of work the coordination unit defines, under which projects are launched."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("project line")
        verbose_name_plural = _("project lines")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Project(ConcurrentTransitionMixin, ReviewCycle):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("project state", "Draft")
        IN_REVIEW = "in_review", pgettext_lazy("project state", "In review")
        RETURNED = "returned", pgettext_lazy("project state", "Returned with comments")
        APPROVED = "approved", pgettext_lazy("project state", "Approved")
        LAUNCHED = "launched", pgettext_lazy("project state", "Launched")
        IN_EXECUTION = "in_execution", pgettext_lazy("project state", "In execution")
        CLOSING = "closing", pgettext_lazy("project state", "Closing")
        CLOSED = "closed", pgettext_lazy("project state", "Closed")
        SUSPENDED = "suspended", pgettext_lazy("project state", "Suspended")
        CANCELLED = "cancelled", pgettext_lazy("project state", "Cancelled")

    line = models.ForeignKey(
        ProjectLine, on_delete=models.PROTECT, related_name="projects", verbose_name=_("line")
    )
    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_projects",
        verbose_name=_("project lead"),
    )
    objectives = models.TextField(_("objectives"), blank=True)
    expected_results = models.TextField(_("expected results"), blank=True)
    risks = models.TextField(_("risks"), blank=True)
    municipalities = models.ManyToManyField(
        "agreements.Municipality",
        blank=True,
        related_name="special_projects",
        verbose_name=_("participating municipalities"),
    )
    fiscal_periods = models.ManyToManyField(
        "finance.FiscalPeriod",
        blank=True,
        related_name="special_projects",
        verbose_name=_("fiscal periods it follows"),
    )
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    currency = models.ForeignKey(
        "finance.Currency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currency"),
    )
    state = FSMField(
        _("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
    )
    results_summary = models.TextField(_("results against targets"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    suggest_case = models.BooleanField(_("register an innovation case from it"), default=False)
    launched_on = models.DateField(pgettext_lazy("project", "launched on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("special project")
        verbose_name_plural = _("special projects")
        ordering = ["title"]
        permissions = [
            ("work_on_project", _("Can work on the project's tasks as a team member")),
            ("approve_project", _("Can approve, return, launch and close special projects")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("specialprojects:project_detail", args=[self.pk])

    def audit_snapshot(self):
        return {
            "state": self.state,
            "title": self.title,
            "budget": self.budget,
            "lead": self.lead_id,
        }

    # Keys of proposal and delivery events that are not fields of the project.
    audit_labels = {
        "indicators": _("Indicators"),
        "milestones": _("Milestones"),
        "team": _("Team"),
        "indicator": _("Indicator"),
        "current": _("Current value"),
        "milestone": _("Milestone"),
        "late": _("Delivered late"),
        "file": _("Deliverable file"),
    }
    # The team's rows name each member by their user id, with their role and answer.
    audit_related = {"team": settings.AUTH_USER_MODEL}
    audit_formats = {"indicators": "number", "current": "number"}

    def proposal_snapshot(self):
        """What the coordination judges in a proposal, as the audit trail keeps it.

        Values as recorded, never as a language writes them (the trail's reader
        formats them for whoever reads): an indicator is a row [name, unit, baseline,
        target] with its figures as decimal strings, a milestone a row [title,
        deliverable, start, due] with ISO dates, the municipalities their ids.
        """
        return {
            "objectives": self.objectives,
            "expected_results": self.expected_results,
            "indicators": [indicator.audit_row() for indicator in self.indicators.all()],
            "milestones": [
                milestone.audit_row()
                for milestone in self.milestones.filter(completed_at__isnull=True)
            ],
            "municipalities": sorted(self.municipalities.values_list("pk", flat=True)),
            "budget": self.budget,
            "currency": self.currency_id,
            "risks": self.risks,
        }

    def team_summary(self):
        """The team as the trail keeps it: a row [user id, role, answer] per member."""
        members = self.team.exclude(role=TeamMember.Role.LEAD).order_by("pk")
        return [member.audit_row() for member in members]

    def team_stands(self):
        """Whether every member named has confirmed: nobody to replace, nobody to wait for."""
        members = self.team.exclude(role=TeamMember.Role.LEAD)
        return not members.filter(models.Q(declined=True) | models.Q(confirmed_at=None)).exists()

    def has_proposal(self):
        return bool(self.objectives.strip() and self.milestones.exists())

    def has_closure_report(self):
        return bool(self.results_summary.strip() and self.lessons.strip())

    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.IN_REVIEW,
        conditions=[has_proposal],
    )
    def submit(self, by=None, comment=""):
        self.sent_for_review()

    @transition(field=state, source=State.IN_REVIEW, target=State.RETURNED)
    def return_for_changes(self, by=None, comment=""):
        self.returned_for_changes(comment)

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.APPROVED,
        permission="specialprojects.approve_project",
    )
    def approve(self, by=None, comment=""):
        self.approved(comment)

    @transition(field=state, source=State.APPROVED, target=State.LAUNCHED)
    def launch(self, by=None, comment=""):
        self.launched_on = timezone.localdate()

    @transition(field=state, source=State.LAUNCHED, target=State.IN_EXECUTION)
    def start_execution(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.IN_EXECUTION, target=State.CLOSING)
    def start_closing(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=State.CLOSING,
        target=State.CLOSED,
        conditions=[has_closure_report],
        permission="specialprojects.approve_project",
    )
    def close(self, by=None, comment=""):
        self.closed_on = timezone.localdate()

    @transition(
        field=state,
        source=[State.LAUNCHED, State.IN_EXECUTION],
        target=State.SUSPENDED,
        permission="specialprojects.approve_project",
    )
    def suspend(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=State.IN_EXECUTION,
        permission="specialprojects.approve_project",
    )
    def resume(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=[State.DRAFT, State.IN_REVIEW, State.RETURNED, State.APPROVED, State.SUSPENDED],
        target=State.CANCELLED,
        permission="specialprojects.approve_project",
    )
    def cancel(self, by=None, comment=""):
        if not comment:
            raise ValidationError({"comment": _("Say why the project is cancelled.")})


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Project lead")
        SPECIALIST = "specialist", _("Specialist")
        FACILITATOR = "facilitator", _("Facilitator")

    class Answer(models.TextChoices):
        """A member's answer to being named, worded about the answer, not the person:
        "Facilitador · confirmado" would not agree with a facilitator who is a woman."""

        CONFIRMED = "confirmed", _("Confirmed their participation")
        DECLINED = "declined", _("Cannot take part")
        PENDING = "pending", _("Has not answered yet")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="project_memberships"
    )
    role = models.CharField(_("role in the project"), max_length=12, choices=Role.choices)
    responsibility = models.CharField(_("responsibility"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    declined = models.BooleanField(_("declined"), default=False)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="team_member_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def name(self):
        return self.user.get_full_name() or self.user.get_username()

    @property
    def answer_code(self):
        if self.declined:
            return self.Answer.DECLINED
        return self.Answer.CONFIRMED if self.confirmed_at else self.Answer.PENDING

    @property
    def answer(self):
        """Whether the member has confirmed, declined or not answered yet, in words."""
        return self.Answer(self.answer_code).label

    def audit_row(self):
        return [self.user_id, self.role, self.answer_code.value]


# A team row's role and answer, in words (the project's events record their codes).
Project.audit_choices = {"team": [*TeamMember.Role.choices, *TeamMember.Answer.choices]}


class Indicator(models.Model):
    """An expected result made measurable: baseline, target, current value."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    current = models.DecimalField(_("current value"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["pk"]

    def __str__(self):
        return self.name

    def audit_row(self):
        return [self.name, self.unit, str(self.baseline), str(self.target)]

    @property
    def progress(self):
        """Share of the way from the baseline to the target, between 0 and 1."""
        span = self.target - self.baseline
        if span == 0:
            return 1.0 if self.current == self.target else 0.0
        return max(0.0, min(1.0, float((self.current - self.baseline) / span)))


def deliverable_path(instance, filename):
    return f"specialprojects/{instance.project_id}/deliverables/{filename}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    deliverable = models.CharField(_("deliverable"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    file = models.FileField(_("deliverable file"), upload_to=deliverable_path, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    report = models.TextField(_("report"), blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.title

    def audit_row(self):
        return [self.title, self.deliverable, self.starts_on.isoformat(), self.due_on.isoformat()]

    @property
    def is_late(self):
        return self.completed_at is None and self.due_on < timezone.localdate()
