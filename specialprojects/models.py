"""Special projects: a project line, its team, indicators, milestones and closure.

Team membership is an object permission on the project
(``specialprojects.work_on_project``), so that a project's tasks reach its own
team and nobody else's (``WORKFLOWS_SCOPED_ROLE_PERMISSIONS["project_team"]``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin

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


class Project(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")
        LAUNCHED = "launched", _("Launched")
        IN_EXECUTION = "in_execution", _("In execution")
        CLOSING = "closing", _("Closing")
        CLOSED = "closed", _("Closed")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

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
    review_comment = models.TextField(_("reviewer's comments"), blank=True)
    results_summary = models.TextField(_("results against targets"), blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True)
    suggest_case = models.BooleanField(_("register an innovation case from it"), default=False)
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
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

    def proposal_snapshot(self):
        """What the coordination judges in a proposal, as the audit trail keeps it.

        The related rows (indicators, milestones, municipalities) are summed up in
        readable lines, so that a second round's "what changed" reads them as people
        wrote them; the municipalities stay ids, which the trail's reader names.
        """
        return {
            "objectives": self.objectives,
            "expected_results": self.expected_results,
            "indicators": [indicator.summary() for indicator in self.indicators.all()],
            "milestones": [
                milestone.summary()
                for milestone in self.milestones.filter(completed_at__isnull=True)
            ],
            "municipalities": sorted(self.municipalities.values_list("pk", flat=True)),
            "budget": self.budget,
            "currency": self.currency_id,
            "risks": self.risks,
        }

    def team_summary(self):
        """The team as the trail keeps it: each member with their role and answer."""
        members = self.team.select_related("user").exclude(role=TeamMember.Role.LEAD)
        return [member.summary() for member in members.order_by("pk")]

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
        self.review_comment = ""

    @transition(field=state, source=State.IN_REVIEW, target=State.RETURNED)
    def return_for_changes(self, by=None, comment=""):
        if not comment:
            raise ValidationError({"comment": _("Say what must change when returning.")})
        self.review_comment = comment

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.APPROVED,
        permission="specialprojects.approve_project",
    )
    def approve(self, by=None, comment=""):
        self.review_comment = comment

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
    def answer(self):
        """Whether the member has confirmed, declined or not answered yet."""
        if self.declined:
            return _("declined")
        return _("confirmed") if self.confirmed_at else _("to confirm")

    def summary(self):
        with translation.override(settings.LANGUAGE_CODE):
            return f"{self.name} ({self.get_role_display()}, {self.answer})"


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

    def summary(self):
        """One readable line, as the trail keeps it: "name: baseline → target unit"."""
        with translation.override(settings.LANGUAGE_CODE):
            figures = f"{figure(self.baseline)} → {figure(self.target)}"
        return f"{self.name}: {figures} {self.unit}".rstrip()

    @property
    def progress(self):
        """Share of the way from the baseline to the target, between 0 and 1."""
        span = self.target - self.baseline
        if span == 0:
            return 1.0 if self.current == self.target else 0.0
        return max(0.0, min(1.0, float((self.current - self.baseline) / span)))


def figure(value):
    """A figure in the active language's format, without decimals when it has none."""
    places = 0 if value == value.to_integral_value() else 2
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


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

    def summary(self):
        """One readable line, as the trail keeps it: the milestone, its deliverable, dates."""
        span = f"{self.starts_on:%d/%m/%Y} – {self.due_on:%d/%m/%Y}"
        return f"{self.title}: {self.deliverable} ({span})"

    @property
    def is_late(self):
        return self.completed_at is None and self.due_on < timezone.localdate()
