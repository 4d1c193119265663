"""Keep the library's copied facets in step with the municipalities they come from."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from agreements.models import Municipality

from . import services


@receiver(post_save, sender=Municipality, dispatch_uid="knowledge.municipality_changed")
def municipality_changed(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if created or raw:
        return
    if update_fields is not None and not {"population", "region"} & set(update_fields):
        return
    services.municipality_changed(instance)
