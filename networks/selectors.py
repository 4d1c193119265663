"""Read side of the network setup: what each step's task page shows above its form.

Each ``*_panel`` function is a node's ``panel_context``: it reads the network with
what its panel shows in a fixed number of queries, however many municipalities,
calendar entries or invitations the network has.
"""

from itertools import groupby

from workflows import rounds

from .models import Invitation, Network


def _network(subject):
    return Network.objects.select_related("theme", "specialist").get(pk=subject.pk)


def targets_by_state(network):
    """The target municipalities grouped by their state, states and names in order."""
    targets = network.target_municipalities.select_related("region").order_by(
        "region__name", "name"
    )
    return [
        (state, list(municipalities))
        for state, municipalities in groupby(
            targets, key=lambda m: m.region.name if m.region_id else ""
        )
    ]


def proposal_panel(*, task, subject, user):
    """The proposal a coordinator approves or returns (the lead's note on a revision is
    the engine's: the note the step before left)."""
    network = _network(subject)
    groups = targets_by_state(network)
    return {
        "network": network,
        "targets_by_state": groups,
        "target_count": sum(len(municipalities) for _state, municipalities in groups),
    }


def design_panel(*, task, subject, user):
    """The approved proposal, with who approved it and when, above the design.

    The approval is the one that opened this design, as it stood then; its comment
    is the engine's note from the step before.
    """
    context = proposal_panel(task=task, subject=subject, user=user)
    context["approval"] = rounds.last_done(task, "review_proposal")
    # Once the step is done, its page shows the design it recorded.
    context["calendar"] = [] if task.is_open else list(context["network"].calendar.all())
    return context


def invitation_panel(*, task, subject, user):
    """What the network is, and this batch's municipalities with their answers so far."""
    network = _network(subject)
    invitations = list(
        Invitation.objects.filter(
            network=network, municipality_id__in=(task.data or {}).get("municipalities", [])
        )
        .select_related("municipality__region")
        .order_by("municipality__region__name", "municipality__name")
    )
    return {
        "network": network,
        "calendar": list(network.calendar.all()),
        "invitations": invitations,
    }
