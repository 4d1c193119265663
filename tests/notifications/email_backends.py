"""Test doubles at the boundary we do not own: the mail server."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocMemBackend


class RefusingBackend(LocMemBackend):
    """A mail server that refuses some addresses permanently (or all, when none is listed)."""

    refused = set()

    def send_messages(self, messages):
        for message in messages:
            if not self.refused or set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return super().send_messages(messages)


class SlowFileBackend:
    """A slow mail server: announces each message, waits, then writes it to a file.

    Used with a real Celery worker that the test kills while it waits.
    """

    def __init__(self, fail_silently=False, **kwargs):
        import os

        from django.conf import settings
        from django.core.mail.backends.filebased import EmailBackend

        self.path = settings.EMAIL_FILE_PATH
        self.delay = float(os.environ.get("SLOW_MAIL_SECONDS", "0"))
        self.inner = EmailBackend(file_path=self.path, fail_silently=fail_silently)

    def send_messages(self, messages):
        import pathlib
        import time

        for message in messages:
            marker = (
                pathlib.Path(self.path) / f"sending-{message.extra_headers.get('X-Notification')}"
            )
            marker.write_text("")
            time.sleep(self.delay)
        return self.inner.send_messages(messages)
