"""A JSON field that keeps the exact text it was given: the audit trail's before and after.

An audit event's hash covers the canonical JSON text of its payload (sorted keys, no
spaces, no ASCII escaping). PostgreSQL's ``jsonb`` re-orders keys by length and
re-formats what it stores, so checking a hash meant parsing and re-encoding every
value again, in Python. The ``json`` type keeps the text as written: this field
writes the canonical text and the database can hash the stored text as it is
(``audit_scan``). A float such as 1e20, which ``jsonb`` turned into an integer, is
now kept as recorded too.

Lookups (``after__key``, ``after__contains``...) read the column as ``jsonb``, so
they mean what they mean on Django's own JSONField; no index serves them.
"""

import json
from functools import cache

from django.db import models
from django.db.models.expressions import Func

# ``audit``'s canonical text: the one an event's hash covers.
canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


class AsJsonb(Func):
    """The expression read as ``jsonb`` on PostgreSQL; as it is elsewhere."""

    arity = 1
    template = "%(expressions)s"

    def __init__(self, expression):
        super().__init__(expression, output_field=models.JSONField())

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::jsonb", **extra)


class CanonicalJSONField(models.JSONField):
    """JSON stored as its canonical text (``json`` on PostgreSQL, text elsewhere)."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json

            return Json(value, dumps=canonical_json)
        return canonical_json(value)

    def from_db_value(self, value, expression, connection):
        if connection.vendor == "postgresql":
            return value  # psycopg parses ``json`` (Django has it leave ``jsonb`` as text)
        return super().from_db_value(value, expression, connection)

    def get_transform(self, name):
        transform = super().get_transform(name)
        return lambda lhs, *args, **kwargs: transform(AsJsonb(lhs), *args, **kwargs)

    def get_lookup(self, name):
        lookup = super().get_lookup(name)
        if lookup is None or name == "isnull":
            return lookup
        return _on_jsonb(lookup)


@cache
def _on_jsonb(lookup):
    """``lookup`` with its left-hand side read as ``jsonb``."""

    class OnJsonb(lookup):
        def __init__(self, lhs, rhs):
            super().__init__(AsJsonb(lhs), rhs)

    OnJsonb.__name__ = f"{lookup.__name__}OnJsonb"
    return OnJsonb
