"""Audit values as people read them: labels and display values, never codes.

An audit event keeps its ``before`` and ``after`` as recorded (codes, ids, ISO dates),
because that is what its hash covers. Pages, the CSV and the PDF show them through
here: a key becomes the label of the subject model's field (or a label the model gives
in ``audit_labels``, or one of the engine's own), a value becomes the choice's label,
the related object's name, a person's full name, a date in es-VE, a number with its
separators.

A subject model may say more about its recorded keys than its fields do:

- ``audit_labels = {"key": _("Label")}`` for keys that are not fields;
- ``audit_choices = {"key": SomeChoices.choices}`` for coded values of keys that are
  not choice fields of the model (a membership's role recorded on its network);
- ``audit_related = {"key": "app.Model"}`` (ids) or ``{"key": ("app.Model", "field")}``
  (another unique field, a code or a username) for keys naming other records;
- ``audit_formats = {"key": "percent"}`` for numbers read otherwise than as recorded
  (``FORMATS``: a share from 0 to 1 as a percentage, a count without decimals, an
  amount of money to the cent, a measured figure with the decimals it has);
- ``audit_personal = {"key", ...}`` with ``audit_personal_permission = "app.perm"``:
  keys holding a person's data, read only by those with the permission (a reader
  made for a ``viewer``); the trail keeps them, hashed like the rest.

Related names are read in one query per related model (and lookup field) for a whole
list of events; the people who acted, with their roles, in one more each.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import numbers
from .models import scope_model
from .roles import Role

EMPTY = "—"
WITHHELD = gettext_lazy("(personal data, withheld)")

# Keys the engine itself records (task events, decisions, reassignments, notifications,
# verifications), and generic ones the domain apps record without a subject field.
ENGINE_LABELS = {
    "state": gettext_lazy("Standing"),
    "owner": gettext_lazy("Assigned to"),
    "task": gettext_lazy("Task"),
    "role": gettext_lazy("Role"),
    "due_at": gettext_lazy("Due"),
    "decision": gettext_lazy("Decision"),
    "user": gettext_lazy("Person"),
    "member": gettext_lazy("Person"),
    "recipient": gettext_lazy("Recipient"),
    "key": gettext_lazy("Notice reference"),
    "municipality": gettext_lazy("Municipality"),
    "municipalities": gettext_lazy("Municipalities"),
    "region": gettext_lazy("State (territory)"),
    "cancelled_tasks": gettext_lazy("Tasks cancelled"),
    "ok": gettext_lazy("Trail intact"),
    "events": gettext_lazy("Events checked"),
    "chains": gettext_lazy("Chains checked"),
    "checkpoints": gettext_lazy("Checkpoints checked"),
    "problem": gettext_lazy("Problem found"),
    "first_broken": gettext_lazy("First altered event"),
    "created": gettext_lazy("Records added"),
    "updated": gettext_lazy("Records updated"),
    "deactivated": gettext_lazy("Records deactivated"),
    "saved": gettext_lazy("Items saved"),
    "deleted": gettext_lazy("Items deleted"),
    "by": gettext_lazy("Through"),
}

DECISIONS = {
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return with comments"),
}

# How a model may ask for a recorded number to be read (``audit_formats``), as pages
# write it (``workflows.numbers``). Of a row's parts (a name, a unit, a baseline, a
# target), only the figures read as numbers: the others read as recorded.
FORMATS = {
    "percent": lambda number: formats.number_format(number * 100, 1, use_l10n=True) + " %",
    "count": numbers.format_count,
    "money": numbers.format_money,
    "number": numbers.format_figure,
}


# Coded values of engine keys that are not model choices.
ENGINE_CHOICES = {
    "by": {"invitation": gettext_lazy("the e-mail invitation")},
}

# Keys whose text value is a username (the engine records who, not their id).
USERNAME_KEYS = frozenset({"owner", "user", "recipient", "member"})

# Kept in the trail for the machinery (a notice's de-duplication key), not for people.
HIDDEN_KEYS = frozenset({"key"})

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# A stored file's path (``app/2026/file.pdf``): people know it by its name.
_FILE_PATH = re.compile(r"^[\w\-.]+(/[\w\-.]+)+\.\w{2,5}$")


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


def alphabetical(text):
    """A sort key that orders Spanish words as a reader expects: "Mérida" before
    "Miranda", "Táchira" before "Trujillo" (accents and case do not count)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _field(model, key):
    """The model's field (or reverse relation) recorded under ``key``, or None."""
    if model is None or not isinstance(key, str):
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        for field in model._meta.concrete_fields:
            if field.attname == key:
                return field
    return None


def _is_reverse(field):
    return field is not None and field.auto_created and not field.concrete


def label_for(model, key):
    """The label of ``key`` in an event about a ``model`` instance (the engine's if none)."""
    own = getattr(model, "audit_labels", None) or {}
    if key in own:
        return str(own[key])
    field = _field(model, key)
    if _is_state(field) and key not in own:
        return str(ENGINE_LABELS["state"])
    if _is_reverse(field):
        meta = field.related_model._meta
        plural = key == field.get_accessor_name()
        return _capfirst(str(meta.verbose_name_plural if plural else meta.verbose_name))
    if field is not None and getattr(field, "verbose_name", None):
        return _capfirst(str(field.verbose_name))
    if key in ENGINE_LABELS:
        return str(ENGINE_LABELS[key])
    return str(key).replace("_", " ").capitalize()


def has_label(model, key):
    """Whether ``key`` reads as a label of its own, not as its code made readable."""
    return (
        key in (getattr(model, "audit_labels", None) or {})
        or bool(getattr(_field(model, key), "verbose_name", None))
        or _is_reverse(_field(model, key))
        or key in ENGINE_LABELS
        or key in HIDDEN_KEYS
    )


def _is_state(field):
    """A django-fsm state field: "Standing" says which state, where "state" may read as
    a Venezuelan state."""
    from django_fsm import FSMFieldMixin

    return isinstance(field, FSMFieldMixin)


def _capfirst(text):
    return text[:1].upper() + text[1:]


class Reader:
    """Turns recorded values into text, fetching the related names it needs at once.

    Call ``want`` for every (model, values) pair first, then ``values``/``changes``:
    the first of those reads every related name wanted so far, one query per model
    (and lookup field).
    """

    def __init__(self, flow_class=None, viewer=None):
        self.flow_class = flow_class
        self.viewer = viewer  # None: whoever reads may see every value (the engine itself)
        self._wanted = defaultdict(set)  # (model, lookup field) -> values
        self._names = {}  # (model, lookup field, value) -> name

    def for_flow(self, flow_class):
        """A reader naming ``flow_class``'s steps that shares this one's wants and names."""
        sibling = Reader(flow_class, self.viewer)
        sibling._wanted, sibling._names = self._wanted, self._names
        return sibling

    def withholds(self, model, key):
        """Whether ``key`` is personal data of ``model`` that the viewer may not read."""
        if self.viewer is None or key not in (getattr(model, "audit_personal", None) or ()):
            return False
        return not self.viewer.has_perm(model.audit_personal_permission)

    # Collecting ---------------------------------------------------------------
    def want(self, model, *dicts):
        for values in dicts:
            if isinstance(values, dict):
                for key, value in values.items():
                    self._want_one(model, key, value)
        return self

    def _want_one(self, model, key, value):
        target = self._target(model, key, value)
        if target is None:
            return
        for item in value if isinstance(value, list) else [value]:
            # A row ([a code, an amount]) names its records by its parts.
            for part in item if isinstance(item, list) else [item]:
                if _lookup_value(target, part) is not None:
                    self._wanted[target].add(part)

    def _target(self, model, key, value):
        """(related model, lookup field) that ``key``'s values name, or None."""
        declared = (getattr(model, "audit_related", None) or {}).get(key)
        if declared is not None:
            label, lookup = declared if isinstance(declared, tuple) else (declared, "pk")
            return apps.get_model(label), lookup
        sample = value[0] if isinstance(value, list) and value else value
        if key in USERNAME_KEYS and isinstance(sample, str):
            return _by_natural_key(get_user_model(), sample)
        field = _field(model, key)
        if field is not None:
            if field.is_relation and field.related_model is not None:
                return _by_natural_key(field.related_model, sample)
            return None
        if key in ("user", "owner_id", "actor"):
            return _by_natural_key(get_user_model(), sample)
        if key == "cancelled_tasks":
            from .models import Task

            return Task, "pk"
        if key in ("municipality", "municipalities"):
            return _by_natural_key(scope_model(), sample)
        if key == "region":
            return _by_natural_key(scope_model()._meta.get_field("region").related_model, sample)
        return None

    def _fetch(self):
        for (model, lookup), wanted in self._wanted.items():
            missing = [v for v in wanted if (model, lookup, v) not in self._names]
            if not missing:
                continue
            queryset = model._default_manager.select_related()
            if lookup == "pk":
                rows = queryset.in_bulk(missing)
            else:
                rows = {
                    getattr(o, lookup): o for o in queryset.filter(**{f"{lookup}__in": missing})
                }
            for value in missing:
                self._names[(model, lookup, value)] = _name(rows.get(value))
        self._wanted.clear()

    # Reading ------------------------------------------------------------------
    def values(self, model, values, choices=None):
        """``values`` (a recorded dict) as labelled texts, in the recorded order.

        ``choices``: {key: {code: label}} that this event's context knows (a task's
        decisions), read before the model's.
        """
        self._fetch()
        if not isinstance(values, dict):
            return [] if values is None else [Value("", "", self.text(model, "", values))]
        return [
            Value(key, label_for(model, key), self.text(model, key, value, choices))
            for key, value in values.items()
            if key not in HIDDEN_KEYS
        ]

    def changes(self, model, before, after, choices=None):
        """The keys of ``before``/``after`` whose value differs, as labelled before/after."""
        self._fetch()
        before, after = before or {}, after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [
            Change(
                key,
                label_for(model, key),
                self.text(model, key, before.get(key), choices),
                self.text(model, key, after.get(key), choices),
            )
            for key in keys
            if before.get(key) != after.get(key) and key not in HIDDEN_KEYS
        ]

    def text(self, model, key, value, choices=None):
        """One recorded value as text."""
        if value is None or value == "" or value == [] or value == {}:
            return EMPTY
        if self.withholds(model, key):
            return str(WITHHELD)
        if isinstance(value, list):
            if any(isinstance(item, list) for item in value):  # rows: a date, a title...
                return "\n".join(  # a row a line: pages break them, the CSV keeps them
                    " — ".join(self.text(model, key, part, choices) for part in item)
                    if isinstance(item, list)
                    else self.text(model, key, item, choices)
                    for item in value
                )
            return ", ".join(self.text(model, key, item, choices) for item in value)
        if isinstance(value, dict):
            return "; ".join(
                f"{label_for(None, k)}: {self.text(None, k, v)}" for k, v in value.items()
            )
        kind = (getattr(model, "audit_formats", None) or {}).get(key)
        if kind in FORMATS and not isinstance(value, bool):
            try:
                return FORMATS[kind](Decimal(str(value)))
            except (InvalidOperation, ValueError):
                pass
        for known in ((choices or {}).get(key), _model_choices(model, key)):
            if known is not None and _hashable(value) and value in known:
                return str(known[value])
        target = self._target(model, key, value)
        if target is not None and _lookup_value(target, value) is not None:
            name = self._names.get((*target, value))
            if name is not None:
                return name
            return f"#{value}" if target[1] == "pk" else str(value)
        if key in ("role", "roles") and value in Role.values:
            return str(Role(value).label)
        if key == "decision" and value in DECISIONS:
            return str(DECISIONS[value])
        if key in ENGINE_CHOICES and value in ENGINE_CHOICES[key]:
            return str(ENGINE_CHOICES[key][value])
        if key == "task" and isinstance(value, str) and self.flow_class is not None:
            node = getattr(self.flow_class.instance, value, None)
            title = getattr(node, "task_title", "")
            if title:
                return str(title)
        field = _field(model, key)
        if field is not None and not _is_reverse(field) and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return _plain(None if _is_reverse(field) else field, value)

    # Whole events ---------------------------------------------------------------
    def event(self, event, model=None):
        """An event's before/after as ``Change`` rows.

        Keys recorded on both sides and unchanged are left out; a key recorded on one
        side only has the other side ``""`` (not "—", which reads as "was empty").
        """
        self._fetch()
        before, after = event.before, event.after
        choices = _task_choices(event)
        if not isinstance(before, dict) or not isinstance(after, dict):
            # One side only (a record made, a notice sent): its empty fields say nothing.
            rows = []
            for v in self.values(model, before, choices) if before is not None else []:
                if v.text != EMPTY:
                    rows.append(Change(v.key, v.label, v.text, ""))
            for v in self.values(model, after, choices) if after is not None else []:
                if v.text != EMPTY:
                    rows.append(Change(v.key, v.label, "", v.text))
            return rows
        return self.changes(model, before, after, choices)


def _by_natural_key(model, sample):
    """How ``sample`` names a ``model`` row: its id, or its username or code when text."""
    if not isinstance(sample, str):
        return model, "pk"
    if model is get_user_model():
        return model, model.USERNAME_FIELD
    try:
        field = model._meta.get_field("code")
    except FieldDoesNotExist:
        return None
    return (model, "code") if field.unique else None


def _hashable(value):
    return isinstance(value, str | int | bool)


def _model_choices(model, key):
    """{code: label} the model declares for ``key`` in ``audit_choices``, or None."""
    own = (getattr(model, "audit_choices", None) or {}).get(key)
    return dict(own) if own is not None else None


def _task_choices(event):
    """The choices of the fields of the form the event's task was completed with.

    A step's decision ("hire", "cancel") is one of its form's choices; the event's
    task, when the list selected it, names the step and so the form.
    """
    if not event.task_id or "task" not in event._state.fields_cache:
        return None
    node = event.task.flow_task
    form_class = getattr(node, "form_class", None)
    if form_class is None:
        return None
    from django import forms

    found = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            found[name] = {
                code: label
                for code, label in field.choices
                if _hashable(code) and not isinstance(label, list | tuple)
            }
    return found


def _lookup_value(target, value):
    """``value`` if it can name a row of ``target`` (an id for pk, text otherwise)."""
    _model, lookup = target
    if isinstance(value, bool):
        return None
    if lookup == "pk":
        return value if isinstance(value, int) else None
    return value if isinstance(value, str) and value else None


def _name(obj):
    if obj is None:
        return None
    if isinstance(obj, get_user_model()):
        return obj.get_full_name() or obj.get_username()
    title = getattr(type(obj), "title", None)
    if isinstance(title, property):  # a task: its step's title, not viewflow's "<Task #n>"
        return str(obj.title)
    return str(obj)


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
    if isinstance(field, models.FileField) or (
        field is None and isinstance(value, str) and _FILE_PATH.match(value)
    ):
        return str(value).rsplit("/", 1)[-1]
    return str(value)


# Lists of events ------------------------------------------------------------------


def event_model(event):
    """The model of the event's subject (its content type is cached), or None."""
    if not event.subject_type_id:
        return None
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_id(event.subject_type_id).model_class()


def actor_roles(events):
    """{actor id: "Role, Role"}: the roles each actor of ``events`` holds, in one query.

    The trail records who acted, not in which role; this is the role they hold now,
    which is what a reader of a history can check against the people list.
    """
    ids = {event.actor_id for event in events if event.actor_id}
    if not ids:
        return {}
    through = get_user_model().groups.through
    labels = dict(Role.choices)
    held = defaultdict(list)
    rows = through.objects.filter(user_id__in=ids).values_list("user_id", "group__name")
    for user_id, name in rows.order_by("user_id", "group__name"):
        held[user_id].append(str(labels.get(name, name)))
    return {user_id: ", ".join(sorted(names)) for user_id, names in held.items()}


def actor_name(event):
    """Who acted, by full name: the system when no one did."""
    if event.actor_id and event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return event.actor_label or capfirst(_("the system"))


def read_events(events, flow_class=None, viewer=None):
    """``events`` (a list) with what people read of each, in a fixed number of queries.

    Each event gets ``readable`` (its before/after as ``Change`` rows), ``actor_name``
    and ``actor_roles``. The events should have ``actor`` selected (``select_related``);
    a task's title is read from ``event.task`` when selected. ``flow_class`` names the
    steps recorded under ``task``; without it each event's own process's flow does.
    ``viewer``: the person who will read them; personal data their permissions do not
    open (``audit_personal``) reads as withheld.
    """
    events = list(events)
    shared = Reader(flow_class, viewer)
    readers = {flow_class: shared}

    def reader_for(event):
        flow = flow_class
        if flow is None and event.process_id and "process" in event._state.fields_cache:
            flow = event.process.flow_class
        if flow not in readers:
            readers[flow] = shared.for_flow(flow)
        return readers[flow]

    # Every event is wanted before any is read: related names are fetched together.
    for event in events:
        reader_for(event).want(event_model(event), event.before, event.after)
    roles = actor_roles(events)
    for event in events:
        event.readable = reader_for(event).event(event, event_model(event))
        event.actor_name = actor_name(event)
        event.actor_roles = roles.get(event.actor_id, "")
    return events


def changes_text(rows, side=None):
    """``Change`` rows as one line: "Label: before → after; ..." (or one side only)."""
    parts = []
    for row in rows:
        if side == "before":
            if row.before:
                parts.append(f"{row.label}: {row.before}")
        elif side == "after":
            if row.after:
                parts.append(f"{row.label}: {row.after}")
        elif row.before and row.after:
            parts.append(f"{row.label}: {row.before} → {row.after}")
        else:
            parts.append(f"{row.label}: {row.before or row.after}")
    return "; ".join(parts)
