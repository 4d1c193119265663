"""The server error page: a reference the person can quote, and the same one in the log."""

import logging
import secrets
import sys

from django.http import HttpResponseServerError
from django.template import loader

logger = logging.getLogger("pagg.errors")


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
    template = loader.get_template(template_name)
    response = HttpResponseServerError(template.render({"reference": reference}))
    response["X-Error-Reference"] = reference
    return response
