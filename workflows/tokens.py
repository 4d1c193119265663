"""Personal API tokens: issuing, revoking and finding the one a request presents.

Every person who can sign in may hold tokens: the API is scoped like the pages (a
token opens exactly what its owner sees and may do there, no more), so a token gives
no one a power they lack. Auditors' tokens read; every write refuses them, as the
pages do.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .models import ApiToken

# The lifetimes a person may choose, in days; the default is the middle one.
LIFETIMES = {
    30: gettext_lazy("30 days"),
    90: gettext_lazy("90 days"),
    180: gettext_lazy("180 days"),
    365: gettext_lazy("1 year"),
}
DEFAULT_LIFETIME = 90
# More than this many live tokens is a sign of keys left lying around.
MAX_LIVE = 20
# ``last_used_at`` is written at most this often, not on every request.
LAST_USED_GRANULARITY = timedelta(minutes=1)
KEY_PREFIX = "pagg_"
PREFIX_LENGTH = 12


def digest(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key():
    return KEY_PREFIX + secrets.token_urlsafe(32)


def issue(*, user, name, days=DEFAULT_LIFETIME, actor=None):
    """A new token for ``user``; returns ``(token, key)``. The key is never seen again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."))
    if days not in LIFETIMES:
        raise ValidationError(_("Choose one of the offered lifetimes."))
    key = new_key()
    now = timezone.now()
    with transaction.atomic():
        # One person's issuing is serialised, so the live-token limit holds.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user).usable(now).count() >= MAX_LIVE:
            raise ValidationError(
                _("You already have %(count)s active tokens; revoke one first.")
                % {"count": MAX_LIVE}
            )
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            digest=digest(key),
            prefix=key[:PREFIX_LENGTH],
            created=now,
            expires_at=now + timedelta(days=days),
        )
        audit.record(
            "api_token.issued",
            actor=actor or user,
            subject=token,
            after={"user": user.pk, "name": token.name, "expires_at": token.expires_at},
        )
    return token, key


def revoke(*, token, actor):
    """Revoke ``token`` (once: a second revocation changes nothing and records nothing)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "api_token.revoked",
            actor=actor,
            subject=token,
            before={"revoked_at": None},
            after={"user": token.user_id, "name": token.name, "revoked_at": token.revoked_at},
        )
    return token


def for_user(user):
    """The person's tokens for their profile page: live ones first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created", "-pk"
    )


def find(key):
    """The token whose key is ``key`` (revoked and expired ones too), or None."""
    return ApiToken.objects.select_related("user").filter(digest=digest(key)).first()


def mark_used(token, at=None):
    """Record a use, writing at most once per ``LAST_USED_GRANULARITY`` per token.

    The condition is in the UPDATE itself, so concurrent requests do not each write.
    """
    at = at or timezone.now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_GRANULARITY:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=at - LAST_USED_GRANULARITY)
    updated = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=at)
    if updated:
        token.last_used_at = at
    return bool(updated)
