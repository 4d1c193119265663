"""Municipal public finance: classifier, fiscal periods, submissions and their lines.

A submission is one municipality's budget (period 0) or cumulative budget
execution (quarters 1 to 4) for one fiscal period, in the classifier's codes.
Amounts are Decimal in the period's currency; ``Currency`` records the
bolivar's redenominations so that series across periods can be stated in one unit.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.fsm import ConcurrentTransitionMixin, ReviewCycle

AMOUNT = {"max_digits": 24, "decimal_places": 2}


class Currency(models.Model):
    """A unit of the bolivar. ``per_previous`` old units make one of this one."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=60)
    symbol = models.CharField(_("symbol"), max_length=10)
    valid_from = models.DateField(_("in force from"), unique=True)
    per_previous = models.DecimalField(
        _("units of the previous currency per unit"), max_digits=20, decimal_places=0, default=1
    )

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["valid_from"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @classmethod
    def in_force_on(cls, day):
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()

    @classmethod
    def current(cls):
        return cls.objects.order_by("-valid_from").first()

    def factor_to(self, target, *, chain=None):
        """What one unit of this currency is worth in ``target``."""
        chain = chain if chain is not None else list(Currency.objects.order_by("valid_from"))
        scale = {}
        running = Decimal(1)
        for currency in chain:
            running = running * currency.per_previous
            scale[currency.pk] = running
        return scale[self.pk] / scale[target.pk]


class ClassifierEntry(models.Model):
    """One code of ONAPRE's budget classifier of revenues (3) and expenditures (4)."""

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        EXPENDITURE = "expenditure", _("Expenditure")

    class Level(models.IntegerChoices):
        ROOT = 0, _("Root")
        ITEM = 1, pgettext_lazy("budget classifier level", "Partida")
        GENERIC = 2, pgettext_lazy("budget classifier level", "Genérica")
        SPECIFIC = 3, pgettext_lazy("budget classifier level", "Específica")
        SUBSPECIFIC = 4, pgettext_lazy("budget classifier level", "Subespecífica")

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    cofog = models.CharField(
        _("COFOG function"),
        max_length=5,
        blank=True,
        help_text=_("UN Classification of the Functions of Government, where one applies."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("classifier entry")
        verbose_name_plural = _("budget classifier")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    @staticmethod
    def parent_code(code):
        """The code with its last non-zero segment zeroed; None for a root."""
        parts = code.split(".")
        for index in range(len(parts) - 1, 0, -1):
            if int(parts[index]):
                parts[index] = "00"
                return ".".join(parts)
        return None

    @staticmethod
    def level_of(code):
        parts = code.split(".")
        return sum(1 for part in parts[1:] if int(part))

    @staticmethod
    def kind_of(code):
        return (
            ClassifierEntry.Kind.REVENUE
            if code.startswith("3")
            else ClassifierEntry.Kind.EXPENDITURE
        )


# Spanish writes quarters as ordinals ("1.er trimestre", "2.º trimestre"): one phrase each.
QUARTER_NAMES = {
    0: _("%(year)s budget"),
    1: _("1st quarter of %(year)s"),
    2: _("2nd quarter of %(year)s"),
    3: _("3rd quarter of %(year)s"),
    4: _("4th quarter of %(year)s"),
}


class FiscalPeriod(FSMModelMixin, models.Model):
    """A year's budget (quarter 0) or one quarter's cumulative execution."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("fiscal period state", "Open")
        CLOSED = "closed", pgettext_lazy("fiscal period state", "Closed")

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    quarter = models.PositiveSmallIntegerField(
        _("quarter"),
        validators=[MaxValueValidator(4)],
        help_text=_("0 is the annual budget ordinance; 1 to 4 the cumulative execution."),
    )
    currency = models.ForeignKey(
        Currency, on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("submission deadline"))
    state = FSMField(_("state"), default=State.OPEN, choices=State.choices, protected=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("fiscal period")
        verbose_name_plural = _("fiscal periods")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="fiscal_period_unique")
        ]

    def __str__(self):
        """The period as people read it ("3.er trimestre de 2026"), on every page and file.

        Titles already stored (a process's, an event's subject) keep the words of their day.
        """
        return QUARTER_NAMES[self.quarter] % {"year": self.year}

    def get_absolute_url(self):
        return reverse("finance:board", args=[self.pk])

    @property
    def is_budget(self):
        return self.quarter == 0

    def clean(self):
        if self.opens_on and self.deadline and self.deadline < self.opens_on:
            raise ValidationError({"deadline": _("The deadline must not precede the opening.")})

    def audit_snapshot(self):
        return {"state": self.state, "deadline": self.deadline, "currency": self.currency.code}

    @transition(field=state, source=State.OPEN, target=State.CLOSED)
    def close(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.CLOSED, target=State.OPEN)
    def reopen(self, by=None, comment=""):
        pass

    def previous_quarter(self):
        if self.quarter <= 1:
            return None
        return FiscalPeriod.objects.filter(year=self.year, quarter=self.quarter - 1).first()

    def same_quarter_last_year(self):
        return FiscalPeriod.objects.filter(year=self.year - 1, quarter=self.quarter).first()


class Part(models.TextChoices):
    """What one file of a submission carries: accounting systems export expenditure and
    revenue as separate reports, and a template may hold both."""

    EXPENDITURE = "expenditure", pgettext_lazy("submission part", "Expenditure")
    REVENUE = "revenue", pgettext_lazy("submission part", "Revenue")
    BOTH = "both", pgettext_lazy("submission part", "Expenditure and revenue")


# The parts a submission is made of, and the classifier chapter each one's codes start with.
PARTS = (Part.EXPENDITURE, Part.REVENUE)
PART_PREFIX = {Part.EXPENDITURE: "4", Part.REVENUE: "3"}


class Submission(ConcurrentTransitionMixin, ReviewCycle):
    """One municipality's data for one period, in one version.

    Its data comes in two parts, expenditure and revenue, each from the last file of
    that part that passed the checks (one file may fill both).
    """

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("submission state", "Draft")
        VALIDATED = "validated", pgettext_lazy("submission state", "Validated")
        IN_REVIEW = "in_review", pgettext_lazy("submission state", "In review")
        RETURNED = "returned", pgettext_lazy("submission state", "Returned with comments")
        APPROVED = "approved", pgettext_lazy("submission state", "Approved")
        PUBLISHED = "published", pgettext_lazy("submission state", "Published")
        SUPERSEDED = "superseded", pgettext_lazy("submission state", "Superseded by a correction")

    municipality = models.ForeignKey(
        "agreements.Municipality",
        on_delete=models.PROTECT,
        related_name="finance_submissions",
        verbose_name=_("municipality"),
    )
    period = models.ForeignKey(
        FiscalPeriod,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("period"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("corrects"),
    )
    state = FSMField(
        _("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
    )
    quality = models.DecimalField(
        _("data quality"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Share of the automatic checks passed."),
    )
    checks_run = models.PositiveIntegerField(_("checks run"), default=0)
    checks_failed = models.PositiveIntegerField(_("checks failed"), default=0)
    justification = models.TextField(_("justification of the warnings"), blank=True)
    accepted_upload = models.ForeignKey(
        "Upload",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted file"),
    )
    expenditure_upload = models.ForeignKey(
        "Upload",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("file of the expenditure part"),
    )
    revenue_upload = models.ForeignKey(
        "Upload",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("file of the revenue part"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("finance submission")
        verbose_name_plural = _("finance submissions")
        ordering = ["-period__year", "-period__quarter", "municipality__name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period", "version"], name="submission_version_unique"
            )
        ]
        indexes = [models.Index(fields=["period", "state"])]
        permissions = [
            ("review_finance", _("Can approve or return finance submissions")),
        ]

    def __str__(self):
        return _("%(municipality)s, %(period)s (version %(version)s)") % {
            "municipality": self.municipality.name,
            "period": self.period,
            "version": self.version,
        }

    def get_absolute_url(self):
        return reverse("finance:submission_detail", args=[self.pk])

    def audit_snapshot(self):
        return {
            "state": self.state,
            "version": self.version,
            "quality": self.quality,
            "checks_run": self.checks_run,
            "checks_failed": self.checks_failed,
            "accepted_upload": self.accepted_upload_id,
            "expenditure_upload": self.expenditure_upload_id,
            "revenue_upload": self.revenue_upload_id,
            "justification": self.justification,
        }

    # Keys the trail records about a submission's content that are not fields of it
    # (``selectors.content_summary``, the line comments of a return).
    audit_labels = {
        "line_count": _("Number of lines"),
        "revenue_estimated": _("Revenue estimated, by chapter"),
        "revenue_collected": _("Revenue collected, by chapter"),
        "expenditure_initial": _("Initial expenditure budget, by chapter"),
        "expenditure_caused": _("Expenditure caused, by chapter"),
        "line_comments": _("Comments on lines"),
        "expenditure_upload": _("File of the expenditure part"),
        "revenue_upload": _("File of the revenue part"),
    }
    # A content summary's rows are [chapter code, amount], the total's code "total":
    # the chapter reads as its classifier entry, the amount in the reader's format.
    CONTENT_KEYS = (
        "revenue_estimated",
        "revenue_collected",
        "expenditure_initial",
        "expenditure_caused",
    )
    audit_formats = {"quality": "percent", **dict.fromkeys(CONTENT_KEYS, "money")}
    audit_related = {
        **dict.fromkeys(CONTENT_KEYS, ("finance.ClassifierEntry", "code")),
        "expenditure_upload": "finance.Upload",
        "revenue_upload": "finance.Upload",
    }
    audit_choices = dict.fromkeys(CONTENT_KEYS, [("total", _("Total"))])

    @property
    def is_editable(self):
        return self.state in (self.State.DRAFT, self.State.VALIDATED, self.State.RETURNED)

    @property
    def is_public(self):
        return self.state == self.State.PUBLISHED

    # Conditions
    def has_lines(self):
        return self.accepted_upload_id is not None

    def part_upload_id(self, part):
        return getattr(self, f"{part}_upload_id")

    def missing_parts(self):
        """The parts no accepted file has filled yet, in the order people read them."""
        return [part for part in PARTS if self.part_upload_id(part) is None]

    def has_all_parts(self):
        return not self.missing_parts()

    def missing_parts_message(self):
        """Why the data cannot be sent yet for want of a part, in words; empty when all are in."""
        missing = self.missing_parts()
        if not missing:
            return ""
        if len(missing) == len(PARTS):
            return _(
                "No file has passed the checks yet: upload the expenditure and the revenue "
                "(in one file or in two) before sending."
            )
        return _(
            "The %(part)s part is missing: upload its file and let it pass the checks before "
            "sending."
        ) % {"part": str(missing[0].label).lower()}

    def warnings_justified(self):
        return self.checks_failed == 0 or bool(self.justification.strip())

    # Transitions: ``by`` and ``comment`` are recorded by workflows.transitions.apply.
    @transition(
        field=state,
        source=[State.DRAFT, State.VALIDATED, State.RETURNED],
        target=State.VALIDATED,
    )
    def validate(
        self, by=None, comment="", *, upload, quality, checks_run, checks_failed, part=Part.BOTH
    ):
        """An accepted file's lines now stand for its part (or both) of the submission.

        The justification sent last time stays: the new file's warnings are mostly the
        same ones, and whoever sends it again edits the text rather than rewrites it.
        """
        self.accepted_upload = upload
        for filled in PARTS if part == Part.BOTH else (part,):
            setattr(self, f"{filled}_upload", upload)
        self.quality = quality
        self.checks_run = checks_run
        self.checks_failed = checks_failed

    @transition(
        field=state,
        source=[State.VALIDATED, State.RETURNED],
        target=State.IN_REVIEW,
        conditions=[has_lines, has_all_parts],
    )
    def submit(self, by=None, comment="", justification=""):
        self.justification = (justification or "").strip()
        if not self.warnings_justified():
            raise ValidationError(
                {"justification": _("Explain the warnings of the checks before submitting.")}
            )
        self.submitted_at = timezone.now()
        self.submitted_by = by
        self.sent_for_review()

    @transition(field=state, source=State.IN_REVIEW, target=State.RETURNED)
    def return_for_changes(self, by=None, comment=""):
        self.returned_for_changes(comment)

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.APPROVED,
        permission="finance.review_finance",
    )
    def approve(self, by=None, comment=""):
        self.approved(comment)

    @transition(field=state, source=State.APPROVED, target=State.PUBLISHED)
    def publish(self, by=None, comment=""):
        self.published_at = timezone.now()

    @transition(field=state, source=State.PUBLISHED, target=State.SUPERSEDED)
    def supersede(self, by=None, comment=""):
        pass


def upload_path(instance, filename):
    return f"finance/uploads/{instance.submission.period.year}/{instance.submission_id}/{filename}"


class Upload(models.Model):
    """A file as received, kept for the record whether it was accepted or not."""

    class Result(models.TextChoices):
        PENDING = "pending", pgettext_lazy("upload result", "Being checked")
        ACCEPTED = "accepted", pgettext_lazy("upload result", "Accepted")
        REJECTED = "rejected", pgettext_lazy("upload result", "Rejected")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"
        JSON = "json", "JSON"

    submission = models.ForeignKey(
        Submission, on_delete=models.PROTECT, related_name="uploads", verbose_name=_("submission")
    )
    file = models.FileField(_("file"), upload_to=upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    result = models.CharField(
        _("result"), max_length=10, choices=Result.choices, default=Result.PENDING
    )
    part = models.CharField(
        _("part"),
        max_length=12,
        choices=Part.choices,
        blank=True,
        help_text=_("Chosen on upload, or read from the file's columns when it is checked."),
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    findings = models.JSONField(_("validation report"), default=list, blank=True)
    # {rule: {"severity", "kept", "more"}}: what the report's groups and pages are made
    # of without reading ``findings``, which is stored in the report's order.
    findings_counts = models.JSONField(
        _("findings by check"),
        default=dict,
        blank=True,
        help_text=_(
            "Past FINANCE_FINDINGS_PER_RULE findings of one check, the rest are counted, not kept."
        ),
    )
    checks_run = models.PositiveIntegerField(_("checks run"), default=0)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.original_name

    # The upload's own events name it by id and its file by name and digest.
    audit_labels = {"upload": _("File received"), "sha256": _("Digest of the file (SHA-256)")}
    audit_related = {"upload": "finance.Upload"}

    @property
    def errors(self):
        return [f for f in self.findings if f["severity"] == "error"]

    @property
    def warnings(self):
        return [f for f in self.findings if f["severity"] == "warning"]

    def finding_count(self, severity):
        """Findings of ``severity``, the ones counted past the limit included."""
        if self.findings_counts:
            return sum(
                group["kept"] + group["more"]
                for group in self.findings_counts.values()
                if group["severity"] == severity
            )
        return sum(1 for f in self.findings if f["severity"] == severity)

    @property
    def error_count(self):
        return self.finding_count("error")

    @property
    def warning_count(self):
        return self.finding_count("warning")


class Line(models.Model):
    """A classifier code with its amounts at each budget stage (cumulative in quarters)."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="lines", verbose_name=_("submission")
    )
    program = models.CharField(
        _("programme category"),
        max_length=40,
        blank=True,
        default="",
        help_text=_("The budget's programme structure (sector, programme, activity), if used."),
    )
    code = models.CharField(_("code"), max_length=13)
    row = models.PositiveIntegerField(_("row in the file"))
    # Expenditure stages
    initial = models.DecimalField(_("initial budget"), null=True, blank=True, **AMOUNT)
    modified = models.DecimalField(_("modified budget"), null=True, blank=True, **AMOUNT)
    committed = models.DecimalField(_("committed"), null=True, blank=True, **AMOUNT)
    caused = models.DecimalField(_("caused"), null=True, blank=True, **AMOUNT)
    paid = models.DecimalField(_("paid"), null=True, blank=True, **AMOUNT)
    # Revenue stages
    estimated = models.DecimalField(_("estimated"), null=True, blank=True, **AMOUNT)
    liquidated = models.DecimalField(_("liquidated"), null=True, blank=True, **AMOUNT)
    collected = models.DecimalField(_("collected"), null=True, blank=True, **AMOUNT)

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "program", "code"], name="line_code_unique"
            )
        ]

    def __str__(self):
        return self.code


EXPENDITURE_STAGES = ("initial", "modified", "committed", "caused", "paid")
REVENUE_STAGES = ("estimated", "liquidated", "collected")
STAGES = EXPENDITURE_STAGES + REVENUE_STAGES


class LineComment(models.Model):
    """A reviewer's comment on one line, shown beside it when the data is returned."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="line_comments"
    )
    code = models.CharField(_("code"), max_length=13)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("line comment")
        verbose_name_plural = _("line comments")
        ordering = ["code", "created"]

    def __str__(self):
        return f"{self.code}: {self.text[:40]}"


class IndicatorValue(models.Model):
    """An indicator of a published submission; recomputed when a correction is published."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="indicators")
    municipality = models.ForeignKey(
        "agreements.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    period = models.ForeignKey(FiscalPeriod, on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=28, decimal_places=6, null=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator"], name="indicator_value_unique"
            )
        ]
        indexes = [
            models.Index(fields=["period", "indicator"]),
            models.Index(fields=["municipality", "indicator"]),
        ]

    def __str__(self):
        return f"{self.indicator}={self.value}"
