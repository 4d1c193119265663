from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _


class SpanishFirstLocaleMiddleware:
    """Spanish unless the user chose another language (cookie); the browser's wish is ignored.

    The programme works in Spanish; an English browser should not switch a
    Venezuelan facilitator's screens to English by accident. A program calling the API
    asks on purpose: there ``Accept-Language`` chooses, when no cookie does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not chosen and request.path.startswith("/api/"):
            chosen = translation.get_language_from_request(request)
        try:
            language = get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RefuseNulInQueryMiddleware:
    """A query string with a NUL character is answered 400, before any view reads it.

    NUL is never text a person types, and PostgreSQL refuses it in a parameter: a
    filter that passed it on (a queue's municipality name, a library search) answered
    500. Forms refuse it already (Django's fields validate it); query parameters reach
    selectors directly, so they are checked here, once for every page and API.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            message = _("The address holds a character that is not allowed.")
            if request.path.startswith("/api/"):  # the API's error shape (its schema's)
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
