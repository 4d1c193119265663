"""Thematic networks: themes, the networks built around them and their community."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin, ReviewCycle


class Theme(models.Model):
    """A theme or sector of municipal management around which a network is built."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    specialists = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="themes",
        verbose_name=_("specialists"),
        help_text=_("Specialists who lead the theme's network and systematise its cases."),
    )

    # A new specialist's grant on their theme (hiring) names what they serve.
    audit_labels = {
        "theme": _("Theme"),
        "network": _("Network"),
        "project_name": _("Special project"),
    }
    audit_related = {"theme": ("networks.Theme", "slug"), "network": "networks.Network"}
    # The grant names the person hiring has just taken on: coordination staff only.
    audit_personal = {"user"}
    audit_personal_permission = "staffing.view_candidate_personal_data"

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Network(ConcurrentTransitionMixin, ReviewCycle):
    """A thematic or sectoral network of municipalities, led by a specialist."""

    class State(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("network state", "Proposed")
        APPROVED = "approved", pgettext_lazy("network state", "Approved")
        IN_DESIGN = "in_design", pgettext_lazy("network state", "In design")
        INVITING = "inviting", pgettext_lazy("network state", "Inviting municipalities")
        ACTIVE = "active", pgettext_lazy("network state", "Active")
        PAUSED = "paused", pgettext_lazy("network state", "Paused")
        CLOSED = "closed", pgettext_lazy("network state", "Closed")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone sees what members publish")
        PRIVATE = "private", _("Private: only members see it")

    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="networks", verbose_name=_("theme")
    )
    name = models.CharField(_("name"), max_length=150)
    sector = models.CharField(_("sector"), max_length=120, blank=True)
    objectives = models.TextField(_("objectives"))
    target_municipalities = models.ManyToManyField(
        "agreements.Municipality",
        related_name="network_invitations",
        blank=True,
        verbose_name=_("target municipalities"),
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_networks",
        verbose_name=_("lead specialist"),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Design
    concept = models.TextField(_("conceptual design"), blank=True)
    work_plan = models.TextField(_("work plan"), blank=True)
    activities = models.TextField(_("activities"), blank=True)
    invitation_deadline = models.DateField(_("invitations close on"), null=True, blank=True)
    # Life cycle
    state = FSMField(
        _("state"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True
    )
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    # Audit keys that are not fields of the network (the calendar lives in its own rows).
    audit_labels = {
        "calendar_entries": _("Calendar of activities"),
        "accepted": _("Municipalities that accepted"),
        "declined": _("Municipalities that declined"),
        "pending": _("Municipalities yet to answer"),
        "no_answer": _("Municipalities with no answer by the deadline"),
        "post": _("Post"),
        "solution": _("Management solution"),
        "resource": _("Resource"),
    }
    audit_related = {
        "accepted": "agreements.Municipality",
        "declined": "agreements.Municipality",
        "pending": "agreements.Municipality",
        "no_answer": "agreements.Municipality",
        "post": "networks.Post",
        "solution": "networks.Solution",
        "resource": "networks.Resource",
    }

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["name"]
        permissions = [("approve_network", _("Can approve or return network proposals"))]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("networks:network_detail", args=[self.pk])

    def audit_snapshot(self):
        """What a reviewer judges: the proposal, then the design (the calendar apart).

        The target municipalities are kept as ids, which the audit pages show as names,
        so that a second review round lists a changed target list among the changes.
        """
        return {
            "state": self.state,
            "name": self.name,
            "theme": self.theme_id,
            "sector": self.sector,
            "objectives": self.objectives,
            "visibility": self.visibility,
            "target_municipalities": sorted(self.target_municipalities.values_list("pk", flat=True))
            if self.pk
            else [],
            "concept": self.concept,
            "work_plan": self.work_plan,
            "activities": self.activities,
            "invitation_deadline": self.invitation_deadline,
        }

    def has_design(self):
        return bool(self.concept.strip() and self.work_plan.strip() and self.invitation_deadline)

    @transition(field=state, source=State.PROPOSED, target=State.PROPOSED)
    def return_for_changes(self, by=None, comment=""):
        self.returned_for_changes(comment)

    @transition(
        field=state,
        source=State.PROPOSED,
        target=State.APPROVED,
        permission="networks.approve_network",
    )
    def approve(self, by=None, comment=""):
        self.approved(comment)

    @transition(field=state, source=State.APPROVED, target=State.IN_DESIGN)
    def start_design(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.IN_DESIGN, target=State.INVITING, conditions=[has_design])
    def open_invitations(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.INVITING, target=State.ACTIVE)
    def launch(self, by=None, comment=""):
        self.launched_on = timezone.localdate()

    @transition(field=state, source=State.ACTIVE, target=State.PAUSED)
    def pause(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.PAUSED, target=State.ACTIVE)
    def resume(self, by=None, comment=""):
        pass

    @transition(field=state, source=[State.ACTIVE, State.PAUSED], target=State.CLOSED)
    def close(self, by=None, comment=""):
        pass


class CalendarEntry(models.Model):
    """A dated activity of the network's operational design."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="calendar")
    date = models.DateField(_("date"))
    title = models.CharField(_("activity"), max_length=200)

    class Meta:
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar")
        ordering = ["date", "pk"]

    def __str__(self):
        return self.title


class Invitation(models.Model):
    """A target municipality's answer to the invitation, recorded by its facilitator."""

    class Answer(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation answer", "No answer yet")
        ACCEPTED = "accepted", pgettext_lazy("invitation answer", "Accepted")
        DECLINED = "declined", pgettext_lazy("invitation answer", "Declined")
        NO_ANSWER = "no_answer", pgettext_lazy("invitation answer", "No answer by the deadline")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="invitations")
    municipality = models.ForeignKey(
        "agreements.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(
        _("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["network", "municipality"], name="invitation_unique")
        ]

    def __str__(self):
        return f"{self.network}: {self.municipality.name}"


class Membership(models.Model):
    """A person in a network, with their role in it."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Network coordinator")
        MODERATOR = "moderator", _("Moderator")
        MEMBER = "member", _("Member")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    municipality = models.ForeignKey(
        "agreements.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    joined = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Post(models.Model):
    """A network blog post; its body is sanitised HTML."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    is_public = models.BooleanField(_("visible to the public"), default=False)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-created"]

    def __str__(self):
        return self.title


class PostComment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=4000)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created"]

    def __str__(self):
        return self.text[:60]


class Solution(models.Model):
    """A management solution: a short structured page, optionally from a published case."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="solutions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem it solves"))
    solution = models.TextField(_("how it works"))
    requirements = models.TextField(_("what it needs"), blank=True)
    case = models.ForeignKey(
        "knowledge.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("innovation case"),
    )
    is_public = models.BooleanField(_("visible to the public"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("management solution")
        verbose_name_plural = _("management solutions")
        ordering = ["-created"]

    def __str__(self):
        return self.title


def resource_path(instance, filename):
    return f"networks/{instance.network_id}/resources/{filename}"


class Resource(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        LINK = "link", _("Link")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="resources")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=resource_path, blank=True)
    url = models.URLField(_("link"), blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    is_public = models.BooleanField(_("visible to the public"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-created"]

    def __str__(self):
        return self.title


class Activity(models.Model):
    """The network's feed: one row per event, written when the event happens."""

    class Kind(models.TextChoices):
        POST = "post", _("New post")
        RESOURCE = "resource", _("New resource")
        MEMBER = "member", _("New member")
        SOLUTION = "solution", _("New management solution")
        PROCESS = "process", _("Related process finished")
        LAUNCH = "launch", _("Network launched")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="activity")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_public = models.BooleanField(default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activity")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["network", "-at"])]

    def __str__(self):
        return self.text
