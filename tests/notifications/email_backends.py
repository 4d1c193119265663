"""Test doubles at the boundary we do not own: the mail server."""

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocMemBackend


class RefusingBackend(LocMemBackend):
    """A mail server that refuses some addresses permanently (or all, when none is listed)."""

    refused = set()

    def send_messages(self, messages):
        for message in messages:
            if not self.refused or set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return super().send_messages(messages)


def outbox():
    return getattr(mail, "outbox", [])
