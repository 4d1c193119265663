"""Who may submit and see a municipality's finance data, from the engine's territory rules."""

from django.db.models import Q

from agreements.scope import FACILITATE, REPRESENT
from workflows.permissions import scope_ids

REVIEW = "finance.review_finance"
MANAGE_PERIODS = "finance.add_fiscalperiod"


def can_submit(user, municipality):
    """Officers of the municipality, and its facilitators on their behalf."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm(REPRESENT, municipality) or user.has_perm(FACILITATE, municipality)


def submission_filter(user):
    """A Q over submissions ``user`` may open: their territory, all for reviewers and staff.

    Published data is public and needs no filter; this is for the working versions.
    """
    from .models import Submission

    published = Q(state=Submission.State.PUBLISHED)
    if not user.is_authenticated:
        return published
    ids = scope_ids(user)
    if ids is None or user.has_perm(REVIEW):
        return Q()
    return published | Q(municipality_id__in=ids)


def can_view(user, submission):
    from .models import Submission

    return Submission.objects.filter(submission_filter(user), pk=submission.pk).exists()


def can_view_working(user, submission):
    """Working material (files as received, reviewers' notes) stays inside the programme."""
    if not user.is_authenticated:
        return False
    ids = scope_ids(user)
    return ids is None or user.has_perm(REVIEW) or submission.municipality_id in ids


def submits_for_someone(user):
    """Holds an officer's or facilitator's scope on at least one municipality."""
    from agreements.scope import municipality_ids_for

    return user.is_authenticated and municipality_ids_for(user).exists()
