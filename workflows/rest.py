"""The REST API's shared rules, set once in ``REST_FRAMEWORK`` so every viewset has them.

A partner system builds on what the schema promises: a parameter of the wrong type, or
sent twice, is refused with 400 instead of being ignored (an ignored filter answers a
different question than the one asked); every error is JSON with ``detail``; a body over
the limit answers 413; a caller over its rate answers 429 with ``Retry-After``.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework import exceptions, pagination, parsers, serializers, throttling
from rest_framework.settings import api_settings

SEND_ONCE = _("Send this parameter once.")
SEND_A_VALUE = _("Send a value, or leave the parameter out.")


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is over the size limit.")
    default_code = "payload_too_large"


def exception_handler(exc, context):
    """DRF's handler, plus Django's refusal of an oversized body as the 413 it is."""
    from rest_framework.views import exception_handler as drf_exception_handler  # it reads us

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    return drf_exception_handler(exc, context)


def refuse_misshapen(query_params, may_be_blank):
    """``{name: [message]}`` for each parameter sent more than once, or sent empty when it
    is no text (``may_be_blank`` maps each parameter's name to whether "" is a value)."""
    errors = {}
    for name, blank in may_be_blank.items():
        values = query_params.getlist(name)
        if len(values) > 1:
            errors[name] = [SEND_ONCE]
        elif values == [""] and not blank:
            errors[name] = [SEND_A_VALUE]
    return errors


# Parsers: Django limits a body it reads itself (forms, multipart) to
# DATA_UPLOAD_MAX_MEMORY_SIZE; DRF's JSON and form parsers read the stream directly, so
# they apply the same limit here. A view that takes more (an upload) names its own parsers.


def _refuse_oversized(parser_context):
    request = (parser_context or {}).get("request")
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    length = request.META.get("CONTENT_LENGTH") if request is not None else None
    if limit is not None and length and length.isdigit() and int(length) > limit:
        raise PayloadTooLarge()


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)


class PageNumberPagination(pagination.PageNumberPagination):
    """Page numbers are whole numbers from 1; anything else is a bad request, not page 1."""

    def get_page_number(self, request, paginator):
        values = request.query_params.getlist(self.page_query_param)
        if not values:
            return 1
        if len(values) > 1:
            raise exceptions.ValidationError({self.page_query_param: [SEND_ONCE]})
        value = values[0]
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= 2**31 - 1):
            raise exceptions.ValidationError(
                {self.page_query_param: [_("Send a page number from 1.")]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=2**31 - 1)
        return parameters


# Filters: django-filter's own fields are lenient where a form is (a number filter takes
# 0.5, a boolean filter reads "null" or "banana" as "no filter"); these refuse instead.

INT32 = (-(2**31), 2**31 - 1)


class IntegerFilter(filters.NumberFilter):
    """A whole number within the column's range, documented as such in the schema."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=INT32[0], max_value=INT32[1], **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        self._spectacular_annotation = {
            "field": {"type": "integer", "minimum": min_value, "maximum": max_value}
        }


class StrictBooleanField(forms.Field):
    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("Send true or false."), code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def _integer_range(model_field):
    target = model_field.target_field if model_field.is_relation else model_field
    low, high = connection.ops.integer_field_range(target.get_internal_type())
    return {"min_value": INT32[0] if low is None else low, "max_value": high or INT32[1]}


class FilterSet(filters.FilterSet):
    """Filters generated from a model's fields take whole numbers, true/false and ids
    strictly; each parameter is sent once and, unless it is text, with a value."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": IntegerFilter, "extra": _integer_range}
            for field in (
                models.SmallIntegerField,
                models.IntegerField,
                models.BigIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveIntegerField,
                models.PositiveBigIntegerField,
                models.AutoField,
                models.BigAutoField,
                models.ForeignKey,
                models.OneToOneField,
            )
        },
        models.BooleanField: {"filter_class": BooleanFilter},
    }

    def is_valid(self):
        valid = super().is_valid()
        for name, messages in self._shape_errors().items():
            for message in messages:
                self.form.add_error(name, message)
        return valid and not self.form.errors

    def _shape_errors(self):
        if self.data is None or not hasattr(self.data, "getlist"):
            return {}
        return refuse_misshapen(
            self.data,
            {name: isinstance(f, filters.CharFilter) for name, f in self.filters.items()},
        )


class FilterBackend(filters.DjangoFilterBackend):
    """Filters from ``filterset_fields`` are built on the strict FilterSet above."""

    filterset_base = FilterSet


class QueryParameters(serializers.Serializer):
    """Query parameters a view reads itself, validated like a body: types, ranges, enums.

    ``extend_schema(parameters=[TheSerializer])`` documents them from the same fields.
    """

    def to_internal_value(self, data):
        if hasattr(data, "getlist"):
            errors = refuse_misshapen(
                data,
                {name: getattr(f, "allow_blank", False) for name, f in self.fields.items()},
            )
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    @classmethod
    def read(cls, request):
        """The validated parameters of ``request``, or a 400 naming each wrong one."""
        query = cls(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data


# Throttling: the rate is read when the request comes, not when DRF is imported, so that
# API_THROTTLE_ANON / API_THROTTLE_USER and a test's settings override both apply.


class _CurrentRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonRateThrottle(_CurrentRate, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_CurrentRate, throttling.UserRateThrottle):
    pass
