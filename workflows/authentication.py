"""HTTP Basic authentication that refuses credentials no account can have.

A username is text a person types, and no form lets one hold a NUL character; but a Basic
header is base64 and can carry anything. Handed on, such a name reaches django-axes,
which records the failed attempt in PostgreSQL, and PostgreSQL refuses text with NUL, so
the request failed with a 500. It is refused here as any wrong password is: 401, in JSON.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication


class SafeBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        return super().authenticate_credentials(userid, password, request)


class SafeBasicScheme(BasicScheme):
    """The OpenAPI schema documents it as the HTTP Basic it is."""

    target_class = SafeBasicAuthentication
