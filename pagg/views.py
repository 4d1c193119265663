"""The error answers: the house-style pages for people, JSON for the API.

A partner system reading ``/api/`` must be able to parse every answer, errors included,
so a path Django itself cannot match there (``/api/tasks/0.5/claim/``) or a failure
before DRF's own handler answers ``{"detail": ...}`` with the same status, never an HTML
page. A body over DATA_UPLOAD_MAX_MEMORY_SIZE, which Django refuses as a bad request, is
the 413 it is there. The server error carries a reference the person can quote, and the
log the same one.
"""

import logging
import secrets
import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("pagg.errors")


def is_api(request):
    return request.path.startswith("/api/")


def _json_error(status, detail, **extra):
    return JsonResponse({"detail": str(detail), **extra}, status=status)


def bad_request(request, exception):
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return _json_error(413, _("The request body is over the size limit."))
        return _json_error(400, _("Bad request."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api(request):
        return _json_error(403, _("You do not have permission to perform this action."))
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api(request):
        return _json_error(404, _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request, template_name="500.html"):
    """Django's ``server_error`` plus a reference that support can find in the log."""
    reference = f"E-{secrets.token_hex(4).upper()}"
    logger.error(
        "Server error %s on %s %s",
        reference,
        request.method,
        request.path,
        exc_info=sys.exc_info() if sys.exc_info()[0] is not None else None,
    )
    if is_api(request):
        response = _json_error(
            500,
            _("Server error. Quote this reference: %(reference)s") % {"reference": reference},
            reference=reference,
        )
        response["X-Error-Reference"] = reference
        return response
    template = loader.get_template(template_name)
    response = HttpResponseServerError(template.render({"reference": reference}))
    response["X-Error-Reference"] = reference
    return response
