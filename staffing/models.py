"""Positions for specialists, their candidates, evaluations and contracts.

Candidates' personal data (name, e-mail, phone, identity number, CV and the
evaluator's notes) lives only in ``Candidate`` and ``Evaluation`` rows: audit
snapshots name a candidate by id, so that anonymising a candidate leaves an
intact audit trail that holds none of their data.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from workflows.fsm import ConcurrentTransitionMixin

from .validators import validate_pdf_document

MANAGE_HIRING = "staffing.manage_hiring"
REGISTER_CANDIDATES = "staffing.register_candidate"
VIEW_PERSONAL_DATA = "staffing.view_candidate_personal_data"

ANONYMISED_NAME = "ANONYMISED"


def cv_path(instance, filename):
    """CVs are stored under a random name: the file name often carries the person's name."""
    return f"staffing/cv/{uuid.uuid4().hex}.pdf"


def contract_path(instance, filename):
    return f"staffing/contracts/{uuid.uuid4().hex}.pdf"


class Position(ConcurrentTransitionMixin, models.Model):
    """A specialist position the coordination opens for a network or a special project."""

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("position state", "Open: registering candidates")
        EVALUATING = "evaluating", pgettext_lazy("position state", "Evaluating candidates")
        EVALUATED = "evaluated", pgettext_lazy("position state", "Evaluated: decision pending")
        DECIDED = "decided", pgettext_lazy("position state", "Decided: contract pending")
        FILLED = "filled", pgettext_lazy("position state", "Filled")
        CANCELLED = "cancelled", pgettext_lazy("position state", "Cancelled")

    ENDED = (State.FILLED, State.CANCELLED)

    title = models.CharField(_("title"), max_length=200)
    profile = models.TextField(_("profile"), help_text=_("Duties and the profile sought."))
    expertise = models.TextField(_("required expertise"))
    theme = models.ForeignKey(
        "networks.Theme",
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("theme"),
    )
    network = models.ForeignKey(
        "networks.Network",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
        verbose_name=_("network served"),
    )
    # Special projects have no records yet (issue 9): the project is named here until then.
    project_name = models.CharField(
        _("special project served"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty when the position serves a network or the theme."),
    )
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    state = FSMField(
        _("state"), default=State.OPEN, choices=State.choices, protected=True, db_index=True
    )
    hired = models.ForeignKey(
        "Candidate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chosen candidate"),
    )
    decision_comment = models.TextField(_("decision comment"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created = models.DateTimeField(_("opened"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-created"]
        permissions = [
            ("manage_hiring", _("Can open positions, decide hires and cancel positions")),
            ("register_candidate", _("Can register candidates and their CVs")),
            (
                "view_candidate_personal_data",
                _("Can see candidates' personal data, CVs and evaluation notes"),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("staffing:position_detail", args=[self.pk])

    def audit_snapshot(self):
        return {
            "state": self.state,
            "title": self.title,
            "profile": self.profile,
            "expertise": self.expertise,
            "theme": self.theme_id,
            "network": self.network_id,
            "project_name": self.project_name,
            "term_months": self.term_months,
            "hired_candidate": self.hired_id,
        }

    audit_labels = {"hired_candidate": _("Chosen candidate")}
    audit_related = {"hired_candidate": "staffing.Candidate"}

    def clean(self):
        if self.network_id and self.project_name.strip():
            raise ValidationError(
                {"project_name": _("A position serves a network or a special project, not both.")}
            )
        if self.network_id and self.theme_id and self.network.theme_id != self.theme_id:
            raise ValidationError({"network": _("The network belongs to another theme.")})

    @property
    def is_ended(self):
        return self.state in self.ENDED

    @property
    def serves(self):
        """What the position serves, for people: the network, the project or the theme."""
        if self.network_id:
            return self.network.name
        return self.project_name or self.theme.name

    # Conditions
    def has_candidates(self):
        return self.candidates.exists()

    def every_candidate_evaluated(self):
        return not self.candidates.filter(evaluation__isnull=True).exists()

    def has_contract(self):
        return Contract.objects.filter(position=self).exists()

    # Transitions: ``by`` and ``comment`` are recorded by workflows.transitions.apply.
    @transition(
        field=state, source=State.OPEN, target=State.EVALUATING, conditions=[has_candidates]
    )
    def close_registration(self, by=None, comment=""):
        pass

    @transition(
        field=state,
        source=State.EVALUATING,
        target=State.EVALUATED,
        conditions=[has_candidates, every_candidate_evaluated],
    )
    def complete_evaluation(self, by=None, comment=""):
        pass

    @transition(field=state, source=State.EVALUATED, target=State.DECIDED, permission=MANAGE_HIRING)
    def decide(self, by=None, comment="", *, candidate):
        if candidate.position_id != self.pk:
            raise ValidationError({"candidate": _("The candidate applied to another position.")})
        if not Evaluation.objects.filter(candidate=candidate).exists():
            raise ValidationError({"candidate": _("The candidate has not been evaluated.")})
        self.hired = candidate
        self.decision_comment = comment

    @transition(field=state, source=State.DECIDED, target=State.FILLED, conditions=[has_contract])
    def fill(self, by=None, comment=""):
        self.ended_at = timezone.now()

    @transition(
        field=state,
        source=[State.OPEN, State.EVALUATING, State.EVALUATED, State.DECIDED],
        target=State.CANCELLED,
        permission=MANAGE_HIRING,
    )
    def cancel(self, by=None, comment=""):
        if not comment.strip():
            raise ValidationError({"comment": _("Say why the position is cancelled.")})
        self.hired = None
        self.decision_comment = comment
        self.ended_at = timezone.now()


class Candidate(models.Model):
    """A person who applied to a position. Personal data: coordination staff only."""

    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("position")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    national_id = models.CharField(_("identity document"), max_length=20, blank=True)
    cv = models.FileField(
        _("CV (PDF)"),
        upload_to=cv_path,
        blank=True,
        validators=[validate_pdf_document],
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    anonymisation_requested_at = models.DateTimeField(
        _("anonymisation requested"), null=True, blank=True
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["position", "number"], name="staffing_candidate_number"
            ),
            models.UniqueConstraint(fields=["position", "email"], name="staffing_candidate_email"),
        ]

    def __str__(self):
        # What the audit trail keeps as the subject's name: never the person's name.
        return _("Candidate %(number)s (position %(position)s)") % {
            "number": self.number,
            "position": self.position_id,
        }

    # Keys of the candidate's events that are not its fields: its evaluation's scores.
    audit_labels = {
        "anonymised": _("Personal data anonymised"),
        "candidate": _("Candidate"),
        "expertise": _("Expertise required by the profile"),
        "experience": _("Relevant experience"),
        "fit": _("Fit with the network or project"),
        "total": _("Total score"),
    }
    audit_related = {"candidate": "staffing.Candidate"}

    @property
    def label(self):
        return _("Candidate %(number)s") % {"number": self.number}

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    def audit_snapshot(self):
        return {
            "position": self.position_id,
            "number": self.number,
            "cv": bool(self.cv),
            "anonymised": self.is_anonymised,
        }


class Evaluation(models.Model):
    """The deputy coordinator's evaluation of one candidate against the position's profile."""

    SCORES = [(n, str(n)) for n in range(1, 6)]
    CRITERIA = [
        ("expertise", _("Expertise required by the profile")),
        ("experience", _("Relevant experience")),
        ("fit", _("Fit with the network or project")),
    ]

    candidate = models.OneToOneField(
        Candidate, on_delete=models.PROTECT, related_name="evaluation", verbose_name=_("candidate")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    expertise = models.PositiveSmallIntegerField(_("expertise"), choices=SCORES)
    experience = models.PositiveSmallIntegerField(_("experience"), choices=SCORES)
    fit = models.PositiveSmallIntegerField(_("fit"), choices=SCORES)
    notes = models.TextField(_("notes"), blank=True)
    created = models.DateTimeField(_("evaluated"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["candidate"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expertise__range=(1, 5))
                & models.Q(experience__range=(1, 5))
                & models.Q(fit__range=(1, 5)),
                name="staffing_evaluation_scores",
            )
        ]

    def __str__(self):
        return _("Evaluation of %(candidate)s") % {"candidate": self.candidate}

    @property
    def total(self):
        return self.expertise + self.experience + self.fit

    def audit_snapshot(self):
        # Scores only: the notes speak about a person and are erased with their data.
        return {
            "candidate": self.candidate_id,
            "expertise": self.expertise,
            "experience": self.experience,
            "fit": self.fit,
            "total": self.total,
        }


class Contract(models.Model):
    """The contract of the chosen candidate; onboarding links it to their user account."""

    position = models.OneToOneField(
        Position, on_delete=models.PROTECT, related_name="contract", verbose_name=_("position")
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="+", verbose_name=_("candidate")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    terms = models.TextField(_("terms"))
    signed_contract = models.FileField(
        _("signed contract (PDF)"), upload_to=contract_path, validators=[validate_pdf_document]
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staffing_contracts",
        verbose_name=_("specialist account"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created"]

    def __str__(self):
        return _("Contract for %(position)s") % {"position": self.position}

    # Keys of the onboarding's events that are not fields of the contract.
    audit_labels = {
        "account_created": _("Account created"),
        "reactivated": _("Account reactivated"),
    }
    # Who was hired and on what terms: coordination staff only, as a candidate's data.
    audit_personal = {"terms", "signed_contract", "specialist", "user"}
    audit_personal_permission = VIEW_PERSONAL_DATA

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})

    def audit_snapshot(self):
        return {
            "position": self.position_id,
            "candidate": self.candidate_id,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "terms": self.terms,
            "signed_contract": self.signed_contract.name or "",
            "specialist": self.specialist_id,
        }
