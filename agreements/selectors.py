"""Read side of onboarding: what each step's task page shows above its form.

Each ``*_panel`` function is a node's ``panel_context``: it reads the agreement (or the
contact) with everything its panel shows in a fixed number of queries, however many
authorities or renewals there are.
"""

from workflows import rounds

from .models import Agreement, Authority, ContactLog


def agreement_for_panel(pk):
    """The agreement with its municipality, state, facilitator and what it renews."""
    return Agreement.objects.select_related(
        "municipality__region", "facilitator", "renewal_of"
    ).get(pk=pk)


def current_authorities(municipality):
    """The municipality's current authorities, the mayor first."""
    authorities = list(municipality.authorities.filter(is_current=True))
    return sorted(authorities, key=lambda a: (a.kind != Authority.Kind.MAYOR, a.name))


def agreement_panel(*, task, subject, user):
    """The whole agreement: parties, authorities, terms and, for a renewal, what it renews."""
    agreement = agreement_for_panel(subject.pk)
    return {
        "agreement": agreement,
        "authorities": current_authorities(agreement.municipality),
    }


def review_panel(*, task, subject, user):
    """The agreement to review (a later round's return and changes are the engine's)."""
    return agreement_panel(task=task, subject=subject, user=user)


def approved_agreement_panel(*, task, subject, user):
    """The agreement as approved, with who approved it, for the signature and activation.

    The approval is the last one before ``task`` opened: a task read later shows the
    round it belonged to.
    """
    context = agreement_panel(task=task, subject=subject, user=user)
    context["approval"] = rounds.last_done(task, "review_agreement")
    return context


def contact_panel(*, task, subject, user):
    """The contact a follow-up comes from: when, how, who took part, what was agreed."""
    contact = ContactLog.objects.select_related("municipality__region", "recorded_by").get(
        pk=subject.pk
    )
    return {"contact": contact}
