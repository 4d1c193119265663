"""Innovation cases in municipal management: registered, systematised, curated, published.

A case follows Oscar Jara's five steps of "sistematización de experiencias"
(starting point, guiding questions, reconstruction, critical reflection,
conclusions and lessons) with the content of UN-Habitat's best-practice format
(situation before, objectives and strategy, resources, process, results,
sustainability, lessons, transferability), and is curated against the OECD
OPSI inclusion criteria before publication.
"""

import os

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin, ReviewCycle

from .validators import validate_evidence_file

STEPS = [
    (1, _("Starting point")),
    (2, _("Guiding questions")),
    (3, _("Reconstruction of the process")),
    (4, _("Critical reflection")),
    (5, _("Conclusions and lessons")),
]

# The fields each step of the guided form edits; a step is complete when they are filled.
STEP_FIELDS = {
    1: ["situation_before", "records"],
    2: ["guiding_questions", "objectives"],
    3: ["process", "resources"],
    4: ["reflection"],
    5: ["results", "lessons", "sustainability", "replicability"],
}
# What registration set that the specialist may still correct in the guided form
# ("Case details"), when curation questions it: the municipality stays, as the
# process, its territory and who may see the case follow from it.
DETAILS_STEP = 0
DETAILS_FIELDS = [
    "title",
    "summary",
    "theme",
    "started_on",
    "ended_on",
    "partners",
    "contact_name",
    "contact_email",
    "contact_phone",
]
REQUIRED_STEP_FIELDS = {
    1: ["situation_before"],
    2: ["guiding_questions", "objectives"],
    3: ["process"],
    4: ["reflection"],
    5: ["results", "lessons", "replicability"],
}

# The OECD OPSI case library's inclusion criteria, checked at curation.
CRITERIA = [
    ("public_sector", _("It is a public sector innovation")),
    ("novel", _("It is novel in its context")),
    ("implemented", _("It has been implemented")),
    ("impact", _("There is evidence of its impact")),
]


class ReplicationState(models.TextChoices):
    """Where a municipality's replication of a case stands (also read in the case's trail)."""

    PLANNED = "planned", pgettext_lazy("replication state", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("replication state", "In progress")
    DONE = "done", pgettext_lazy("replication state", "Done")
    ABANDONED = "abandoned", pgettext_lazy("replication state", "Abandoned")


class Case(ConcurrentTransitionMixin, ReviewCycle):
    class State(models.TextChoices):
        REGISTERED = "registered", pgettext_lazy("case state", "Registered")
        IN_SYSTEMATISATION = "in_systematisation", pgettext_lazy("case state", "In systematisation")
        IN_CURATION = "in_curation", pgettext_lazy("case state", "In curation")
        RETURNED = "returned", pgettext_lazy("case state", "Returned with comments")
        APPROVED = "approved", pgettext_lazy("case state", "Approved by curation")
        PUBLISHED = "published", pgettext_lazy("case state", "Published")
        ARCHIVED = "archived", pgettext_lazy("case state", "Archived")

    class ResultsType(models.TextChoices):
        COVERAGE = "coverage", _("Service coverage")
        FISCAL = "fiscal", _("Revenue and fiscal health")
        EFFICIENCY = "efficiency", _("Efficiency and time")
        PARTICIPATION = "participation", _("Participation and transparency")
        QUALITY_OF_LIFE = "quality_of_life", _("Quality of life and environment")
        OTHER = "other", _("Other results")

    # Registration
    title = models.CharField(_("title"), max_length=200)
    municipality = models.ForeignKey(
        "agreements.Municipality",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("municipality"),
    )
    theme = models.ForeignKey(
        "networks.Theme", on_delete=models.PROTECT, related_name="cases", verbose_name=_("theme")
    )
    summary = models.TextField(_("summary"))
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    partners = models.TextField(_("partners"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    # Systematisation (five steps)
    situation_before = models.TextField(_("situation before"), blank=True)
    records = models.TextField(_("records of the experience"), blank=True)
    guiding_questions = models.TextField(_("guiding questions"), blank=True)
    objectives = models.TextField(_("objectives and strategy"), blank=True)
    process = models.TextField(_("process"), blank=True)
    resources = models.TextField(_("resources"), blank=True)
    reflection = models.TextField(_("critical reflection"), blank=True)
    results = models.TextField(_("results"), blank=True)
    results_type = models.CharField(
        _("type of results"), max_length=20, choices=ResultsType.choices, blank=True
    )
    lessons = models.TextField(_("lessons learned"), blank=True)
    sustainability = models.TextField(_("sustainability"), blank=True)
    replicability = models.TextField(_("conditions to replicate it"), blank=True)
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("specialist"),
    )
    draft_saved_at = models.DateTimeField(_("draft saved"), null=True, blank=True)
    # Life cycle
    state = FSMField(
        _("state"), default=State.REGISTERED, choices=State.choices, protected=True, db_index=True
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    revises = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision",
        verbose_name=_("revises"),
    )
    criteria = models.JSONField(_("inclusion criteria met"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    # Audit keys for content kept in related rows, recorded on the case as readable lists.
    audit_labels = {
        "timeline": _("Milestones of the reconstruction"),
        "result_indicators": _("Results before and after"),
        "evidence_files": _("Evidence"),
        "replication": _("Replication"),
        "report": _("Replication report"),
        "comment": _("Comment"),
        "usefulness": _("Usefulness (1 to 5)"),
    }
    audit_related = {"comment": "knowledge.Comment"}
    audit_choices = {"replication": ReplicationState.choices}
    # Rows of results: the indicator, then its values before and after (Decimals as text).
    audit_formats = {"result_indicators": "number"}

    class Meta:
        verbose_name = _("innovation case")
        verbose_name_plural = _("innovation cases")
        ordering = ["-published_at", "-created"]
        indexes = [
            models.Index(fields=["state", "theme"], name="case_state_theme"),
            models.Index(fields=["state", "-published_at"], name="case_state_published"),
        ]
        permissions = [
            ("curate_case", _("Can curate innovation cases and moderate their feedback")),
            ("approve_case", _("Can approve the publication of innovation cases")),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("knowledge:case_detail", args=[self.pk])

    def audit_snapshot(self):
        return {
            "state": self.state,
            "version": self.version,
            "title": self.title,
            "specialist": self.specialist_id,
            "criteria": self.criteria,
        }

    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date must not precede the start.")})

    # Steps
    def step_complete(self, step):
        return all(
            str(getattr(self, name) or "").strip() for name in REQUIRED_STEP_FIELDS[step]
        ) and (step != 3 or self.milestones.exists())

    def missing_steps(self):
        return [number for number, _label in STEPS if not self.step_complete(number)]

    def is_systematised(self):
        return not self.missing_steps()

    @property
    def is_public(self):
        return self.state == self.State.PUBLISHED

    @property
    def is_editable(self):
        return self.state in (
            self.State.REGISTERED,
            self.State.IN_SYSTEMATISATION,
            self.State.RETURNED,
        )

    # Transitions: ``by`` and ``comment`` are recorded by workflows.transitions.apply.
    @transition(
        field=state,
        source=[State.REGISTERED, State.RETURNED],
        target=State.IN_SYSTEMATISATION,
    )
    def begin_systematisation(self, by=None, comment=""):
        if by is not None and self.specialist_id is None:
            self.specialist = by

    @transition(
        field=state,
        source=[State.IN_SYSTEMATISATION, State.RETURNED],
        target=State.IN_CURATION,
        conditions=[is_systematised],
    )
    def submit_for_curation(self, by=None, comment=""):
        self.sent_for_review()

    @transition(field=state, source=[State.IN_CURATION, State.APPROVED], target=State.RETURNED)
    def return_for_changes(self, by=None, comment=""):
        self.returned_for_changes(comment)

    @transition(
        field=state,
        source=State.IN_CURATION,
        target=State.APPROVED,
        permission="knowledge.curate_case",
    )
    def approve(self, by=None, comment="", criteria=None):
        criteria = criteria or {}
        if not all(criteria.get(key) for key, _label in CRITERIA):
            raise ValidationError(
                {"criteria": _("A case is approved only when it meets every inclusion criterion.")}
            )
        self.criteria = criteria
        self.approved(comment)

    @transition(
        field=state,
        source=State.APPROVED,
        target=State.PUBLISHED,
        permission="knowledge.approve_case",
    )
    def publish(self, by=None, comment=""):
        self.published_at = timezone.now()

    @transition(field=state, source=State.PUBLISHED, target=State.ARCHIVED)
    def archive(self, by=None, comment=""):
        pass


# The library's municipality size facet: (key, label, lowest, highest population).
SIZE_BANDS = [
    ("small", _("Up to 50,000 inhabitants"), 0, 50_000),
    ("medium", _("50,001 to 200,000 inhabitants"), 50_001, 200_000),
    ("large", _("More than 200,000 inhabitants"), 200_001, None),
]


def size_band(population):
    """The size band's key for a population ('' when it is not known)."""
    if population is None:
        return ""
    for key, _label, low, high in SIZE_BANDS:
        if population >= low and (high is None or population <= high):
            return key
    return ""


class LibraryEntry(models.Model):
    """A published case as the public library searches, ranks and counts it.

    A narrow row per published case, apart from the case's long texts: a search for
    a word in a third of 100,000 cases visits each match's row, and ranking reads
    its vector. Matching uses every searched field (``search_vector``, kept out of
    line: the GIN index answers without reading it); ranking uses the title and
    summary and results only (``rank_vector``, small and in the row), so a match in
    the title ranks first, then one in the summary or results, then newest first.
    The services keep one entry per published case (``services.sync_library``).
    """

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="library_entry"
    )
    municipality = models.ForeignKey(
        "agreements.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    # The facets, in the row: the municipality's state and size band are copied from it
    # (and follow a change of its population), so that counting matches needs no join.
    theme = models.ForeignKey(  # indexed first in library_facets
        "networks.Theme", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "agreements.Region", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    size_band = models.CharField(max_length=6, blank=True)
    year = models.PositiveSmallIntegerField()  # the year the experience started
    results_type = models.CharField(max_length=20, blank=True)
    published_at = models.DateTimeField()
    # PostgreSQL: the "es_unaccent" configuration; GIN index, storage and TOAST
    # settings are made by the migration (outside the model state, as SQLite has none).
    search_vector = SearchVectorField(null=True)
    rank_vector = SearchVectorField(null=True)
    # SQLite, the zero-setup default: the unaccented lower-case text it searches.
    search_text = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-published_at", "-case"], name="library_newest"),
            # The counts of the library without a query: an index-only scan on PostgreSQL.
            models.Index(
                fields=["theme", "year"],
                include=["region", "size_band", "results_type"],
                name="library_facets",
            ),
        ]

    def __str__(self):
        return str(self.case_id)


class Milestone(models.Model):
    """A dated step of the reconstructed process (step 3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("date"))
    title = models.CharField(_("milestone"), max_length=200)
    description = models.TextField(_("what happened"), blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["date", "pk"]

    def __str__(self):
        return self.title


class ResultIndicator(models.Model):
    """A result measured before and after, where one exists (step 5)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    before = models.DecimalField(_("before"), max_digits=18, decimal_places=2, null=True)
    after = models.DecimalField(_("after"), max_digits=18, decimal_places=2, null=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("result indicator")
        verbose_name_plural = _("result indicators")
        ordering = ["pk"]

    def __str__(self):
        return self.name


def evidence_path(instance, filename):
    return f"knowledge/evidence/{instance.case_id}/{filename}"


class Evidence(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        IMAGE = "image", _("Image")
        LINK = "link", _("Link")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(
        _("file"), upload_to=evidence_path, blank=True, validators=[validate_evidence_file]
    )
    url = models.URLField(_("link"), blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["added"]

    def __str__(self):
        return self.title

    @property
    def extension(self):
        """The file's type as people name it ("PDF", "JPG"); "" for a link."""
        return os.path.splitext(self.file.name)[1].lstrip(".").upper() if self.file else ""

    def clean(self):
        if self.kind == self.Kind.LINK and not self.url:
            raise ValidationError({"url": _("A link needs its address.")})
        if self.kind != self.Kind.LINK and not self.file:
            raise ValidationError({"file": _("Attach the file.")})


class Curation(models.Model):
    """A curator's review against the inclusion criteria, kept for every round."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="curations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    criteria = models.JSONField(_("criteria met"), default=dict)
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("curation review")
        verbose_name_plural = _("curation reviews")
        ordering = ["created"]

    def __str__(self):
        return f"{self.case} ({self.reviewer})"


class Replication(models.Model):
    """A municipality adopting a published case, followed until it is done or abandoned."""

    State = ReplicationState

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="replications")
    municipality = models.ForeignKey(
        "agreements.Municipality",
        on_delete=models.PROTECT,
        related_name="replications",
        verbose_name=_("municipality"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PLANNED
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    report = models.TextField(_("report"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("replication")
        verbose_name_plural = _("replications")
        ordering = ["-updated"]
        constraints = [
            models.UniqueConstraint(fields=["case", "municipality"], name="replication_unique")
        ]

    def __str__(self):
        return f"{self.case} → {self.municipality.name}"

    def audit_snapshot(self):
        # Recorded on the case, whose own "state" it must not read as.
        return {"replication": self.state, "report": self.report}


class Comment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=4000)
    hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created"]
        indexes = [models.Index(fields=["case", "created"])]

    def __str__(self):
        return self.text[:60]


class Rating(models.Model):
    """How useful a signed-in person found a case: one rating per person, 1 to 5."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="rating_unique")]

    def __str__(self):
        return f"{self.case}: {self.usefulness}"
