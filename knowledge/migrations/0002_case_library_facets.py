"""A covering index for the library's counts without a search (PostgreSQL only).

The empty library and the filter-only pages count every published case by theme,
state, municipality size, year and type of results (``selectors._counts``). With the
columns those counts read in one narrow index, PostgreSQL answers them with an
index-only scan instead of reading the cases' wide rows (measured with
``python -m bench knowledge``: 100,000 cases, the counts from about 170 ms to about
45 ms). Like the search index of 0001, it is left out of the model state; SQLite
does without.
"""

from django.db import migrations

INDEX = "case_library_facets"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON knowledge_case "
        "(state, theme_id, started_on) INCLUDE (municipality_id, results_type)"
    )
    # Keep each case's search vector in its row (compressed) rather than out of line:
    # ranking a common word reads every match's vector, and fetching them from TOAST
    # doubled that cost (bench/knowledge.py; docs/performance.md).
    schema_editor.execute("ALTER TABLE knowledge_case ALTER COLUMN search_vector SET STORAGE MAIN")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(
            "ALTER TABLE knowledge_case ALTER COLUMN search_vector SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
