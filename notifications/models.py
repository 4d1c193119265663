"""In-app notifications, which are also the outbox of their e-mails, and user preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Task assigned to you")
    DUE_SOON = "due_soon", _("Task due soon")
    OVERDUE = "overdue", _("Task overdue")
    ESCALATION = "escalation", _("Escalation of an overdue task")
    RETURNED = "returned", _("Work returned to you")
    FEEDBACK = "feedback", _("Feedback on your work")
    NETWORK = "network", _("Activity in your networks")
    PROJECT = "project", _("News of your projects")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate e-mail")
    DIGEST = "digest", _("Daily digest")
    NONE = "none", _("No e-mail (only in the application)")


class EmailState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    DIGEST = "digest", _("Waiting for the daily digest")
    DIGESTED = "digested", _("Sent in a digest")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (preference)")


class Notification(models.Model):
    """One message to one person. Its idempotency key makes every reminder happen once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
        db_index=False,  # covered by notification_unread and notification_recent
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=255, blank=True)
    task = models.ForeignKey(
        "workflows.Task", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    process = models.ForeignKey(
        "workflows.Process", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    context = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=20, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_last_error = models.TextField(blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "created"], name="notification_recent"),
            models.Index(fields=["email_state", "created"], name="notification_outbox"),
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """How a person wants each kind of notification by e-mail; no row means immediate."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.delivery}"


class Profile(models.Model):
    """The language a person reads their e-mails in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("notification profile")
        verbose_name_plural = _("notification profiles")

    def __str__(self):
        return f"{self.user} ({self.language})"


class Job(models.Model):
    """A background job in the transactional outbox.

    Written in the transaction of the change that asks for it, so a job exists
    if and only if the change committed; the relay hands it to Celery, and the
    worker marks it done. Notification e-mails, report files, finance background
    checks and invitations all go through here.
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("job state", "Waiting for the broker")
        PUBLISHED = "published", pgettext_lazy("job state", "Handed to a worker")
        DONE = "done", pgettext_lazy("job state", "Done")
        FAILED = "failed", pgettext_lazy("job state", "Given up")

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    publications = models.PositiveSmallIntegerField(_("publications"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created", "-pk"]
        indexes = [
            # The relay reads only the jobs still to hand out; done ones stay out of it.
            models.Index(
                fields=["state", "created"],
                name="job_outbox_open",
                condition=models.Q(state__in=["pending", "published"]),
            )
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)} ({self.state})"
