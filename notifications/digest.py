"""The daily digest: one e-mail per person with everything they chose to receive that way.

Built set-based: one query fetches the waiting notifications of a whole batch of
people, so the cost follows the number of notifications, not of jobs.
"""

from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import EmailState, Notification, Profile


def send_digests(batch_size=500):
    recipients = list(
        Notification.objects.filter(email_state=EmailState.DIGEST)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    for start in range(0, len(recipients), batch_size):
        batch = recipients[start : start + batch_size]
        languages = dict(
            Profile.objects.filter(user_id__in=batch).values_list("user_id", "language")
        )
        waiting = (
            Notification.objects.filter(recipient_id__in=batch, email_state=EmailState.DIGEST)
            .select_related("recipient")
            .order_by("recipient_id", "created", "pk")
        )
        for _recipient_id, group in groupby(waiting, key=lambda n: n.recipient_id):
            sent += _send_one(list(group), languages, site)
    return sent


def _send_one(notifications, languages, site):
    recipient = notifications[0].recipient
    with transaction.atomic():
        locked = list(
            Notification.objects.select_for_update(skip_locked=True).filter(
                pk__in=[n.pk for n in notifications], email_state=EmailState.DIGEST
            )
        )
        if not locked or not recipient.email:
            return 0
        language = languages.get(recipient.pk, settings.LANGUAGE_CODE)
        with translation.override(language):
            context = {"notifications": locked, "site": site, "recipient": recipient}
            subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
            text = render_to_string("notifications/email/digest.txt", context)
            html = render_to_string("notifications/email/digest.html", context)
        message = EmailMultiAlternatives(subject, text, to=[recipient.email])
        message.attach_alternative(html, "text/html")
        message.send()
        Notification.objects.filter(pk__in=[n.pk for n in locked]).update(
            email_state=EmailState.DIGESTED, email_sent_at=timezone.now()
        )
    return 1
