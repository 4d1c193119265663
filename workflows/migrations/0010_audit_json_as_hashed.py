"""Store the audit trail's JSON as the canonical text its hashes cover.

An event's before and after, and a checkpoint's heads. On PostgreSQL the columns go
from ``jsonb`` to ``json`` (``workflows.fields``), each value re-written as canonical
text by ``CANONICAL_SQL``, so that verification can hash the stored text as it is.
A table's columns change in one statement: it and its indexes are rewritten once,
and appends wait meanwhile (about a minute per million events; docs/operations.md).
A value the SQL writes differently from Python (a float that ``jsonb`` had already
turned into an integer) is still checked, by re-encoding it (``audit_scan``).
Elsewhere the column is text already and nothing changes.
"""

from django.db import migrations

import workflows.fields

COLUMNS = {
    "workflows_auditevent": ("before", "after"),
    "workflows_auditcheckpoint": ("heads",),
}

# Sorted keys (by code point: UTF-8 bytes, COLLATE "C"), no spaces; strings are escaped
# by jsonb's output as Python's JSON encoder escapes them (ensure_ascii=False).
CANONICAL_SQL = """
CREATE FUNCTION pg_temp.audit_canonical_json(value jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  CASE jsonb_typeof(value)
  WHEN 'object' THEN
    RETURN '{' || coalesce((
      SELECT string_agg(to_json(k)::text || ':' || pg_temp.audit_canonical_json(v), ','
                        ORDER BY k COLLATE "C")
        FROM jsonb_each(value) AS e(k, v)), '') || '}';
  WHEN 'array' THEN
    RETURN '[' || coalesce((
      SELECT string_agg(pg_temp.audit_canonical_json(v), ',' ORDER BY n)
        FROM jsonb_array_elements(value) WITH ORDINALITY AS a(v, n)), '') || ']';
  ELSE
    RETURN value::text;
  END CASE;
END $$
"""


def _alter(schema_editor, columns, to):
    using = "pg_temp.audit_canonical_json({})::json" if to == "json" else "{}::jsonb"
    for table, names in columns.items():
        schema_editor.execute(
            f"ALTER TABLE {table} "
            + ", ".join(f"ALTER COLUMN {c} TYPE {to} USING {using.format(c)}" for c in names)
        )


def _constraint(table):
    return f"{table}_json_as_jsonb"


def to_canonical_text(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CANONICAL_SQL)
    _alter(schema_editor, COLUMNS, "json")
    schema_editor.execute("DROP FUNCTION pg_temp.audit_canonical_json(jsonb)")
    # What jsonb refused, json would keep: a \u0000 (NUL), which no text column holds,
    # and after which no lookup (read as jsonb) on the table would run.
    for table, names in COLUMNS.items():
        check = " AND ".join(f"({c} IS NULL OR {c}::jsonb IS NOT NULL)" for c in names)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {_constraint(table)} CHECK ({check})"
        )


def to_jsonb(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_constraint(table)}")
    _alter(schema_editor, COLUMNS, "jsonb")


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0009_audit_hash_without_like_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(to_canonical_text, to_jsonb)],
            state_operations=[
                *(
                    migrations.AlterField(
                        model_name="auditevent",
                        name=name,
                        field=workflows.fields.CanonicalJSONField(
                            blank=True, null=True, verbose_name=name
                        ),
                    )
                    for name in ("before", "after")
                ),
                migrations.AlterField(
                    model_name="auditcheckpoint",
                    name="heads",
                    field=workflows.fields.CanonicalJSONField(
                        default=dict, verbose_name="chain heads"
                    ),
                ),
            ],
        )
    ]
