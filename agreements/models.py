"""Regions, municipalities and their cooperation agreements with the programme."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin, ReviewCycle

from .validators import validate_pdf_document


class Region(models.Model):
    """A state (or the Capital District): the unit a facilitator usually covers."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=120)
    capital = models.CharField(_("capital"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]
        permissions = [
            ("facilitate_region", _("Can act as facilitator for every municipality of the region"))
        ]

    def __str__(self):
        return self.name


class Municipality(models.Model):
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=pgettext_lazy("Venezuelan state", "state"),
    )
    code = models.CharField(_("official code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=150)
    seat = models.CharField(_("municipal seat"), max_length=150, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    is_member = models.BooleanField(_("programme member"), default=False, db_index=True)
    member_since = models.DateField(_("member since"), null=True, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_municipalities",
        verbose_name=_("facilitator"),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["region__name", "name"]
        indexes = [models.Index(fields=["region", "name"])]
        permissions = [
            ("facilitate_municipality", _("Can act as facilitator for the municipality")),
            ("represent_municipality", _("Can act as officer of the municipality")),
        ]

    def __str__(self):
        return f"{self.name} ({self.region.name})" if self.region_id else self.name

    def get_absolute_url(self):
        return reverse("agreements:municipality_detail", args=[self.pk])

    @property
    def mayor(self):
        return next((a for a in self.authorities.all() if a.kind == Authority.Kind.MAYOR), None)


class Authority(models.Model):
    """A municipal authority or contact official."""

    class Kind(models.TextChoices):
        MAYOR = "mayor", _("Mayor")
        OFFICIAL = "official", _("Contact official")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="authorities"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class Agreement(ConcurrentTransitionMixin, ReviewCycle):
    """The cooperation agreement that makes a municipality a member of the programme."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("agreement state", "Draft")
        IN_REVIEW = "in_review", pgettext_lazy("agreement state", "In review")
        RETURNED = "returned", pgettext_lazy("agreement state", "Returned with comments")
        APPROVED = "approved", pgettext_lazy("agreement state", "Approved")
        SIGNED = "signed", pgettext_lazy("agreement state", "Signed")
        ACTIVE = "active", pgettext_lazy("agreement state", "Active")
        SUSPENDED = "suspended", pgettext_lazy("agreement state", "Suspended")
        EXPIRED = "expired", pgettext_lazy("agreement state", "Expired")
        TERMINATED = "terminated", pgettext_lazy("agreement state", "Terminated")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="agreements"
    )
    state = FSMField(
        _("state"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facilitator"),
    )
    scope = models.TextField(_("scope of cooperation"), blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True, db_index=True)
    contacts = models.TextField(_("contacts"), blank=True)
    signed_document = models.FileField(
        _("signed agreement (PDF)"),
        upload_to="agreements/signed/%Y/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"]), validate_pdf_document],
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    renewal_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("renewal of"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-created"]
        permissions = [
            ("review_agreement", _("Can approve or return agreements")),
            ("activate_agreement", _("Can activate, suspend and terminate agreements")),
        ]

    def __str__(self):
        return _("Agreement with %(municipality)s") % {"municipality": self.municipality.name}

    def audit_snapshot(self):
        return {
            "state": self.state,
            "scope": self.scope,
            "commitments": self.commitments,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "contacts": self.contacts,
            "signed_document": self.signed_document.name or "",
            "signed_on": self.signed_on,
        }

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})

    # Conditions
    def is_complete(self):
        return bool(self.scope and self.commitments and self.start_date and self.end_date)

    def has_signed_document(self):
        return bool(self.signed_document)

    def has_reached_end(self):
        return bool(self.end_date and self.end_date <= timezone.localdate())

    # Transitions: ``by`` and ``comment`` are recorded by workflows.transitions.apply.
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED],
        target=State.IN_REVIEW,
        conditions=[is_complete],
    )
    def submit(self, by=None, comment=""):
        self.sent_for_review()

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.APPROVED,
        permission="agreements.review_agreement",
    )
    def approve(self, by=None, comment=""):
        self.approved(comment)

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.RETURNED,
        permission="agreements.review_agreement",
    )
    def return_for_changes(self, by=None, comment=""):
        self.returned_for_changes(comment)

    @transition(
        field=state, source=State.APPROVED, target=State.SIGNED, conditions=[has_signed_document]
    )
    def sign(self, by=None, comment="", signed_on=None):
        self.signed_on = signed_on or timezone.localdate()

    @transition(
        field=state,
        source=State.SIGNED,
        target=State.ACTIVE,
        conditions=[has_signed_document],
        permission="agreements.activate_agreement",
    )
    def activate(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=State.SIGNED,
        target=State.APPROVED,
        permission="agreements.activate_agreement",
    )
    def return_signature(self, by=None, comment=""):
        """The signed copy is wrong or illegible: the facilitator uploads it again.

        The returned file stays on the agreement until a new one replaces it, so that
        the facilitator sees what was returned.
        """
        if not comment:
            raise ValidationError({"comment": _("Say what is wrong with the signed copy.")})
        self.review_comment = comment

    @transition(
        field=state,
        source=State.ACTIVE,
        target=State.SUSPENDED,
        permission="agreements.activate_agreement",
    )
    def suspend(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=State.SUSPENDED,
        target=State.ACTIVE,
        permission="agreements.activate_agreement",
    )
    def reinstate(self, by=None, comment=""):
        pass

    @transition(
        field=state, source=State.ACTIVE, target=State.EXPIRED, conditions=[has_reached_end]
    )
    def expire(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=[State.ACTIVE, State.SUSPENDED],
        target=State.TERMINATED,
        permission="agreements.activate_agreement",
    )
    def terminate(self, by=None, comment=""):
        pass


class ContactLog(models.Model):
    """A facilitator's contact with a municipal government: visit, meeting, call."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="contacts"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    participants = models.TextField(_("participants"))
    agreed = models.TextField(_("what was agreed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["municipality", "date"])]

    def __str__(self):
        return _("%(kind)s on %(date)s") % {
            "kind": self.get_kind_display(),
            "date": date_format(self.date, "SHORT_DATE_FORMAT"),
        }

    def audit_snapshot(self):
        return {
            "date": self.date,
            "kind": self.kind,
            "participants": self.participants,
            "agreed": self.agreed,
        }
