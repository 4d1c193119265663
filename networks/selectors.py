"""Read side of the network setup: what each step's task page shows above its form.

Each ``*_panel`` function is a node's ``panel_context``: it reads the network with
what its panel shows in a fixed number of queries, however many municipalities,
calendar entries or invitations the network has.
"""

from itertools import groupby

from viewflow.workflow.status import STATUS

from workflows.models import Task

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


def last_done(task, node_name):
    """The last finished task of step ``node_name`` in ``task``'s process, with its owner."""
    return (
        Task.objects.filter(
            process_id=task.process_id,
            flow_task=getattr(task.flow_task.flow_class.instance, node_name),
            status=STATUS.DONE,
        )
        .select_related("owner")
        .order_by("-finished", "-pk")
        .first()
    )


def proposal_panel(*, task, subject, user):
    """The proposal a coordinator approves or returns, with the lead's note on a revision."""
    network = _network(subject)
    groups = targets_by_state(network)
    revision = last_done(task, "revise_proposal")
    return {
        "network": network,
        "targets_by_state": groups,
        "target_count": sum(len(municipalities) for _state, municipalities in groups),
        "revision": revision if revision is not None and revision.comment else None,
    }


def design_panel(*, task, subject, user):
    """The approved proposal, with who approved it and their comment, above the design."""
    context = proposal_panel(task=task, subject=subject, user=user)
    context["approval"] = last_done(task, "review_proposal")
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
