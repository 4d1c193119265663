"""Django forms on the API: described as JSON, filled from JSON, their errors as JSON.

The API takes the pages' own forms, so that a partner system is checked by the same
rules as a person: nothing here knows any particular form. A form is described from
its instance (the fields it has for this task and this user now); a JSON body becomes
the data the form reads; its errors come back under the field they belong to.
"""

import datetime
import json
from decimal import Decimal

from django import forms
from django.db.models import Model, QuerySet
from django.forms.formsets import BaseFormSet
from django.utils import formats
from django.utils.datastructures import MultiValueDict

MULTIPART = "multipart/form-data"
JSON = "application/json"

# (field class, type name), most specific first: the type a client should send.
TYPES = [
    (forms.FileField, "file"),
    (forms.BooleanField, "boolean"),
    (forms.NullBooleanField, "boolean"),
    (forms.MultipleChoiceField, "multiple_choice"),
    (forms.ModelMultipleChoiceField, "multiple_choice"),
    (forms.ChoiceField, "choice"),
    (forms.ModelChoiceField, "choice"),
    (forms.DateTimeField, "datetime"),
    (forms.DateField, "date"),
    (forms.TimeField, "time"),
    (forms.DecimalField, "number"),  # Django's DecimalField and FloatField are IntegerFields
    (forms.FloatField, "number"),
    (forms.IntegerField, "integer"),
    (forms.EmailField, "email"),
    (forms.URLField, "url"),
]


def field_type(field):
    for klass, name in TYPES:
        if isinstance(field, klass):
            return name
    if isinstance(field.widget, forms.Textarea):
        return "text"
    return "string"


def plain(value):
    """``value`` as JSON holds it: objects by their key, dates in ISO 8601, amounts as numbers."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return [plain(item) for item in value]
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return plain(value.value)  # a ModelChoiceIteratorValue
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "name"):  # a stored file: its name, never its content
        return value.name
    return str(value)


def _choices(field):
    found = []
    for value, label in getattr(field, "choices", ()):
        if isinstance(label, list | tuple):  # a group of choices
            found.extend({"value": plain(v), "label": str(text)} for v, text in label)
        elif value not in ("", None):  # "choose one" is no choice
            found.append({"value": plain(value), "label": str(label)})
    return found


def describe_field(bound):
    field = bound.field
    kind = field_type(field)
    description = {
        "name": bound.name,
        "label": str(field.label or bound.name),
        "type": kind,
        "required": field.required,
        "help_text": str(field.help_text or ""),
        "initial": plain(bound.initial) if kind != "file" else None,
    }
    if kind in ("choice", "multiple_choice"):
        description["choices"] = _choices(field)
    for limit in ("max_length", "min_value", "max_value"):
        if getattr(field, limit, None) is not None:
            description[limit] = plain(getattr(field, limit))
    return description


def formsets_of(form):
    """The tables of rows a form carries (a proposal's milestones), as formsets."""
    return [value for value in vars(form).values() if isinstance(value, BaseFormSet)]


def describe_form(form):
    """What a client sends to fill ``form``: its fields and its tables of rows."""
    rows = []
    for formset in formsets_of(form):
        empty = formset.empty_form
        rows.append(
            {
                "name": formset.prefix,
                "label": str(getattr(formset, "noun", "") or formset.prefix),
                "min_rows": formset.min_num,
                "max_rows": formset.max_num,
                "fields": [
                    describe_field(empty[name]) for name in empty.fields if name != "DELETE"
                ],
                "initial": [plain(row) for row in formset.initial or []],
            }
        )
    return {
        "content_type": MULTIPART if form.is_multipart() else JSON,
        "fields": [describe_field(form[name]) for name in form.fields],
        "rows": rows,
    }


def _text(value):
    """A JSON value as a page's form sends it: text, numbers with the language's marks."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        # Read as written, never through a binary fraction, and with no thousands
        # marks, so that the number fields read exactly the number sent.
        number = Decimal(repr(value)) if isinstance(value, float) else value
        return format(number, "f").replace(".", formats.get_format("DECIMAL_SEPARATOR"))
    return json.dumps(value, ensure_ascii=False)  # an object where text is expected


def data_from_json(payload):
    """A JSON object as the data a page's form sends: every value text, lists for choices.

    The form then reads it as it reads a page's (a date field never meets a number). A
    list of objects under a name is a table's rows: they become the formset's fields
    (``name-0-field``...) and its count, as a page's table sends them. ``null`` is a
    field left out.
    """
    data = MultiValueDict()
    for key, value in payload.items():
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            data[f"{key}-TOTAL_FORMS"] = str(len(value))
            data[f"{key}-INITIAL_FORMS"] = "0"
            for index, row in enumerate(value):
                for name, cell in row.items():
                    if cell is not None:
                        data[f"{key}-{index}-{name}"] = _text(cell)
        elif isinstance(value, list):
            data.setlist(key, [_text(item) for item in value if item is not None])
        elif value is not None:
            data[key] = _text(value)
    return data


def errors_as_json(form):
    """The form's errors, translated as on its page: one list per field, and the rest."""
    return {
        ("non_field_errors" if name == forms.forms.NON_FIELD_ERRORS else name): list(errors)
        for name, errors in form.errors.items()
    }
