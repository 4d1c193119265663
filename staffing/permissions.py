"""Who may see a candidate's personal data: the one rule the pages, panels and services share."""

from .models import VIEW_PERSONAL_DATA


def can_see_personal_data(user):
    """Names, e-mails, phones, CVs and the evaluator's notes: coordination staff only."""
    return user.is_authenticated and user.has_perm(VIEW_PERSONAL_DATA)
