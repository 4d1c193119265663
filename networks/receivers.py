"""Processes that finish elsewhere show in the feed of the networks they concern."""

from django.dispatch import receiver
from django.utils.translation import gettext as _
from viewflow.workflow.signals import flow_finished

from .models import Activity, Membership, Network


@receiver(flow_finished)
def related_process_finished(sender, process, **kwargs):
    """A published case of a network's theme, or a process of one of its municipalities."""
    subject = getattr(process, "subject", None)
    if subject is None or isinstance(subject, Network):
        return
    networks = Network.objects.filter(state=Network.State.ACTIVE)
    theme_id = getattr(subject, "theme_id", None)
    if theme_id is not None:
        networks = networks.filter(theme_id=theme_id)
    elif process.municipality_id:
        networks = networks.filter(
            pk__in=Membership.objects.filter(municipality_id=process.municipality_id).values(
                "network_id"
            )
        )
    else:
        return
    url = subject.get_absolute_url() if hasattr(subject, "get_absolute_url") else ""
    from . import services

    for network in networks:
        services.record_activity(
            network,
            Activity.Kind.PROCESS,
            _("Finished: %(title)s") % {"title": process.title},
            url,
            actor=None,
            is_public=False,
        )
