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
    """A Q over the submissions whose working pages ``user`` may open.

    The one rule for working material (the submission's page, its files, its template,
    an upload's status, the reviewers' comments), in views, API and exports alike: the
    municipality's officers and its facilitator (their territory), the finance
    specialists and coordination (``review_finance``), and those who see every process
    (coordination and auditors). Everyone else, the public included, reads published
    data on the public pages only; a submission being published opens nothing here.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    ids = scope_ids(user)
    if ids is None or user.has_perm(REVIEW):
        return Q()
    return Q(municipality_id__in=ids)


def can_view(user, submission):
    """May open ``submission``'s working pages (see ``submission_filter``)."""
    if not user.is_authenticated or not user.is_active:
        return False
    ids = scope_ids(user)
    return ids is None or user.has_perm(REVIEW) or submission.municipality_id in ids


def can_view_working(user, submission):
    """Working material (files as received, reviewers' notes): the same people as
    ``can_view``, kept as a name of its own for the views that serve files."""
    return can_view(user, submission)
