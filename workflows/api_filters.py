"""Query filters whose OpenAPI schema says exactly what they accept.

A record's id is an integer from 1 to the largest a database key holds; a slug or a
code is a short run of letters, digits and dashes. A value outside that is a
malformed request (400); a well-formed value that names nothing lists nothing. So a
client reading the schema knows which requests are valid, and no value reaches the
database as a number it cannot hold.
"""

from django import forms
from django.core.validators import RegexValidator
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

LARGEST_ID = 2**63 - 1
SLUG = r"^[-a-zA-Z0-9_]{1,100}$"


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": LARGEST_ID})
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": SLUG})
class SlugFilter(filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [RegexValidator(SLUG)])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "boolean"})
class BooleanFilter(filters.TypedChoiceFilter):
    """``true`` or ``false``, nothing else (django-filter's own reads any other word as
    "no filter")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


class StrictFilterSet(filters.FilterSet):
    """A filter given with no value (``?state=``) is a malformed request, not "no filter":
    the schema says what a value must be, and an empty one is none of them."""

    def is_valid(self):
        if self.is_bound:
            for name, field in self.form.fields.items():
                if name in self.data and not any(v.strip() for v in self.data.getlist(name)):
                    self.form.add_error(name, field.error_messages["required"])
        return super().is_valid()
