"""Audit values as people read them: labels and display values, never codes.

An audit event keeps its ``before`` and ``after`` as recorded (codes, ids, ISO dates),
because that is what its hash covers. Pages, the CSV and the PDF show them through
here: a key becomes the label of the subject model's field (or a label the model gives
in ``audit_labels``, or one of the engine's own), a value becomes the choice's label,
the related object's name, a date in es-VE, a number with its separators.

Related names are read in one query per related model for a whole list of events.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import Role

EMPTY = "—"

# Keys the engine itself records (task events, decisions, reassignments).
ENGINE_LABELS = {
    "state": gettext_lazy("State"),
    "owner": gettext_lazy("Assigned to"),
    "task": gettext_lazy("Task"),
    "role": gettext_lazy("Role"),
    "due_at": gettext_lazy("Due"),
    "decision": gettext_lazy("Decision"),
    "user": gettext_lazy("Person"),
    "municipality": gettext_lazy("Municipality"),
    "region": gettext_lazy("State (territory)"),
}

DECISIONS = {
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return with comments"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    """One field of a change, as people read it."""

    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Value:
    """One recorded value, as people read it."""

    key: str
    label: str
    text: str


def _field(model, key):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        for field in model._meta.concrete_fields:
            if field.attname == key:
                return field
    return None


def label_for(model, key):
    """The label of ``key`` in an event about a ``model`` instance (None for the engine's)."""
    own = getattr(model, "audit_labels", None) or {}
    if key in own:
        return str(own[key])
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        text = str(field.verbose_name)
        return text[:1].upper() + text[1:]
    if key in ENGINE_LABELS:
        return str(ENGINE_LABELS[key])
    return key.replace("_", " ").capitalize()


class Reader:
    """Turns recorded values into text, fetching the related names it needs at once.

    Call ``want`` for every (model, values) pair first, then ``values``/``changes``:
    the first of those reads every related name wanted so far, one query per model.
    """

    def __init__(self, flow_class=None):
        self.flow_class = flow_class
        self._wanted = defaultdict(set)
        self._names = {}
        self._usernames = set()
        self._people = None

    # Collecting ---------------------------------------------------------------
    def want(self, model, *dicts):
        for values in dicts:
            for key, value in (values or {}).items():
                self._want_one(model, key, value)
        return self

    def _want_one(self, model, key, value):
        if key == "owner" and isinstance(value, str):
            self._usernames.add(value)
            return
        related = self._related_model(model, key)
        if related is None:
            return
        for pk in value if isinstance(value, list) else [value]:
            if isinstance(pk, int) and not isinstance(pk, bool):
                self._wanted[related].add(pk)

    def _related_model(self, model, key):
        field = _field(model, key)
        if field is not None and (field.many_to_one or field.many_to_many or field.one_to_one):
            return field.related_model
        if key in ("user", "owner_id", "actor"):
            return get_user_model()
        if key == "municipality" or key == "region":
            from django.apps import apps
            from django.conf import settings

            scope = apps.get_model(settings.WORKFLOWS_SCOPE_MODEL)
            if key == "municipality":
                return scope
            return scope._meta.get_field("region").related_model
        return None

    def _fetch(self):
        for model, pks in self._wanted.items():
            missing = [pk for pk in pks if (model, pk) not in self._names]
            if not missing:
                continue
            rows = model._default_manager.select_related().in_bulk(missing)
            for pk in missing:
                obj = rows.get(pk)
                self._names[(model, pk)] = _person(obj) if _is_user(model) else obj
        self._wanted.clear()
        if self._usernames and self._people is None:
            User = get_user_model()
            self._people = {
                user.get_username(): user
                for user in User._default_manager.filter(
                    **{f"{User.USERNAME_FIELD}__in": self._usernames}
                )
            }

    # Reading ------------------------------------------------------------------
    def values(self, model, values):
        """``values`` (a recorded dict) as labelled texts, in the recorded order."""
        self._fetch()
        return [
            Value(key, label_for(model, key), self.text(model, key, value))
            for key, value in (values or {}).items()
        ]

    def changes(self, model, before, after):
        """The keys of ``before``/``after`` whose value differs, as labelled before/after."""
        self._fetch()
        before, after = before or {}, after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [
            Change(
                key,
                label_for(model, key),
                self.text(model, key, before.get(key)),
                self.text(model, key, after.get(key)),
            )
            for key in keys
            if before.get(key) != after.get(key)
        ]

    def text(self, model, key, value):
        """One recorded value as text."""
        if value is None or value == "" or value == []:
            return EMPTY
        if isinstance(value, list):
            return ", ".join(self.text(model, key, item) for item in value)
        if isinstance(value, dict):
            return "; ".join(
                f"{label_for(None, k)}: {self.text(None, k, v)}" for k, v in value.items()
            )
        if key == "owner" and isinstance(value, str):
            person = (self._people or {}).get(value)
            return _person(person) if person is not None else value
        if key == "role" and value in Role.values:
            return str(Role(value).label)
        if key == "decision" and value in DECISIONS:
            return str(DECISIONS[value])
        if key == "task" and isinstance(value, str) and self.flow_class is not None:
            node = getattr(self.flow_class.instance, value, None)
            title = getattr(node, "task_title", "")
            if title:
                return str(title)
        field = _field(model, key)
        related = self._related_model(model, key)
        if related is not None and isinstance(value, int) and not isinstance(value, bool):
            name = self._names.get((related, value))
            return str(name) if name is not None else f"#{value}"
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return _plain(field, value)


def _is_user(model):
    return model is get_user_model()


def _person(user):
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _plain(field, value):
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(field, models.DateTimeField) or (
        field is None and isinstance(value, str) and _ISO_DATETIME.match(value)
    ):
        moment = parse_datetime(str(value)) if isinstance(value, str) else value
        if isinstance(moment, datetime.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField) or (
        field is None and isinstance(value, str) and _ISO_DATE.match(value)
    ):
        day = parse_date(str(value)) if isinstance(value, str) else value
        if isinstance(day, datetime.date):
            return formats.date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(field, models.DecimalField | models.FloatField) or isinstance(value, float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        places = getattr(field, "decimal_places", None)
        return formats.number_format(number, places, use_l10n=True, force_grouping=True)
    if isinstance(value, int):
        # Four digits stay together (a year, a code), as Spanish writes them.
        return formats.number_format(value, use_l10n=True, force_grouping=abs(value) >= 10000)
    if isinstance(field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    return str(value)
