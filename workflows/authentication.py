"""The API's ways in: personal tokens, HTTP Basic that refuses impossible credentials,
and a session that does not stand in for credentials the caller got wrong.

HTTP Basic authentication refuses credentials no account can have.

A username is text a person types, and no form lets one hold a NUL character; but a Basic
header is base64 and can carry anything. Handed on, such a name reaches django-axes,
which records the failed attempt in PostgreSQL, and PostgreSQL refuses text with NUL, so
the request failed with a 500. It is refused here as any wrong password is: 401, in JSON.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import BasicScheme, SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.authentication import BasicAuthentication, TokenAuthentication

from . import tokens


class SafeBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        return super().authenticate_credentials(userid, password, request)


class SafeBasicScheme(BasicScheme):
    """The OpenAPI schema documents it as the HTTP Basic it is."""

    target_class = SafeBasicAuthentication

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": (
                "The username and password of the sign-in page. Failed attempts count "
                "towards the same lock-out as the sign-in page's; prefer a token for programs."
            ),
        }


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
    """The browser's session, as the pages use it (documented with what it needs)."""

    target_class = SessionAuthentication

    def get_security_definition(self, auto_schema):
        return {
            **super().get_security_definition(auto_schema),
            "description": (
                "The session cookie of a signed-in browser. Requests that change "
                "something also need the CSRF token (`X-CSRFToken` header)."
            ),
        }


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` with a personal token (``workflows.ApiToken``).

    The header is the one DRF's single token used, so clients written for it keep
    working. Expired and revoked tokens, and those of deactivated people, are refused.
    """

    def authenticate_credentials(self, key):
        token = tokens.find(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.is_expired:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokens.mark_used(token)
        return (token.user, token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A personal token, sent as `Authorization: Token <key>`. Each person "
                "creates, names and revokes their own tokens on their profile page "
                "(/accounts/profile/); a token expires on the date chosen when it was "
                "created (90 days by default) and opens exactly what its owner may see "
                "and do on the pages."
            ),
        }
