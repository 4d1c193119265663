"""The API's authentication classes: HTTP Basic that refuses credentials no account can
have, and a session that does not stand in for credentials the caller got wrong.

A username is text a person types, and no form lets one hold a NUL character; but a Basic
header is base64 and can carry anything. Handed on, such a name reaches django-axes,
which records the failed attempt in PostgreSQL, and PostgreSQL refuses text with NUL, so
the request failed with a 500. It is refused here as any wrong password is: 401, in JSON.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import BasicScheme, SessionScheme
from rest_framework import authentication, exceptions
from rest_framework.authentication import BasicAuthentication


class SafeBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        return super().authenticate_credentials(userid, password, request)


class SafeBasicScheme(BasicScheme):
    """The OpenAPI schema documents it as the HTTP Basic it is."""

    target_class = SafeBasicAuthentication


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, unless the request also carries credentials of its own.

    The token and Basic classes come first and accept an Authorization header they can
    read; one that reaches the session unread (an unknown scheme, a malformed value) is
    refused with 401 rather than ignored in favour of the session cookie beside it: a
    client sending credentials means them, and a mistyped one must not pass unnoticed.
    """

    def authenticate(self, request):
        if "HTTP_AUTHORIZATION" in request.META:  # sent, even empty, and read by none
            raise exceptions.AuthenticationFailed(
                _("Invalid credentials in the Authorization header.")
            )
        return super().authenticate(request)


class ProjectSessionScheme(SessionScheme):
    """Documented as the cookie session it is."""

    target_class = SessionAuthentication
