"""Trigram index for the auditor's search by object text (PostgreSQL only)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS audit_subject_repr_trgm ON workflows_auditevent
    USING gin ((UPPER("subject_repr"::text)) gin_trgm_ops);
"""
DROP = "DROP INDEX IF EXISTS audit_subject_repr_trgm;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0004_drop_covered_indexes")]

    operations = [migrations.RunPython(create, drop)]
