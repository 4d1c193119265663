"""Drop the LIKE index that ``unique=True`` made beside the audit hash's unique index.

No query searches hashes by pattern, and the index was as big as the unique one (300 MB
at 2,000,000 events), written at a random place at every append. Dropping it rebuilds
nothing: appends wait only for the drop itself.
"""

from django.db import migrations

TABLE = "workflows_auditevent"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # only PostgreSQL's backend makes such an index
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [TABLE, "%(hash varchar_pattern_ops)%"],
        )
        names = [name for (name,) in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    name = schema_editor._create_index_name(TABLE, ["hash"], suffix="_like")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)}"
        f" ON {schema_editor.quote_name(TABLE)} (hash varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0008_task_candidates_covering"),
    ]

    operations = [migrations.RunPython(drop_like_index, restore_like_index, elidable=False)]
