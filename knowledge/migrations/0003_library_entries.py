"""The library's entries: one narrow row per published case, searched, ranked and counted.

A search for a word in a third of 100,000 cases visited each match's wide case row
(its texts and its 1.7 KB vector) and ranked the whole vector: about 180 ms on the
2-core machine (bench/knowledge.py). The entry keeps what the library reads: the
facet columns, a small ranking vector (title, summary, results) in the row, and the
full vector out of line (the GIN index answers a query without reading it). On
PostgreSQL this migration fills the entries of the published cases with SQL;
SQLite, which has no vectors, gets its unaccented search text.
"""

import unicodedata

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

SEARCHED = [
    ("title", "A"),
    ("summary", "B"),
    ("results", "B"),
    ("lessons", "C"),
    ("situation_before", "C"),
    ("objectives", "C"),
    ("process", "D"),
    ("reflection", "D"),
    ("sustainability", "D"),
    ("replicability", "D"),
]
RANKED = SEARCHED[:3]
SIZE_BANDS = [("small", 0, 50_000), ("medium", 50_001, 200_000), ("large", 200_001, None)]
SIZE_BAND_SQL = (
    "CASE "
    + " ".join(
        f"WHEN m.population >= {low}"
        + (f" AND m.population <= {high}" if high else "")
        + f" THEN '{key}'"
        for key, low, high in SIZE_BANDS
    )
    + " ELSE '' END"
)


def size_band(population):
    for key, low, high in SIZE_BANDS:
        if population is not None and population >= low and (high is None or population <= high):
            return key
    return ""


def _vector_sql(fields):
    return " || ".join(
        f"setweight(to_tsvector('es_unaccent', coalesce(c.{name}, '')), '{weight}')"
        for name, weight in fields
    )


def setup(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in (
        # Rows past 128 bytes move their full vector out of line; the ranking vector
        # (STORAGE MAIN) stays in the row.
        "ALTER TABLE knowledge_libraryentry SET (toast_tuple_target = 128)",
        "ALTER TABLE knowledge_libraryentry ALTER COLUMN rank_vector SET STORAGE MAIN",
        "CREATE INDEX library_search ON knowledge_libraryentry USING gin (search_vector)",
        "DROP INDEX IF EXISTS case_library_facets",
    ):
        schema_editor.execute(statement)


def teardown(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_search")


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"""
            INSERT INTO knowledge_libraryentry (case_id, municipality_id, theme_id,
                region_id, size_band, year, results_type, published_at, search_vector,
                rank_vector, search_text)
            SELECT c.id, c.municipality_id, c.theme_id, m.region_id, {SIZE_BAND_SQL},
                   extract(year FROM c.started_on), c.results_type, c.published_at,
                   {_vector_sql(SEARCHED)}, {_vector_sql(RANKED)}, ''
            FROM knowledge_case c JOIN agreements_municipality m ON m.id = c.municipality_id
            WHERE c.state = 'published'
            """
        )
        return
    Case = apps.get_model("knowledge", "Case")
    LibraryEntry = apps.get_model("knowledge", "LibraryEntry")

    def plain(text):
        text = unicodedata.normalize("NFKD", text or "")
        return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()

    entries = []
    for case in Case.objects.filter(state="published").select_related("municipality", "theme"):
        text = " ".join(str(getattr(case, name) or "") for name, _weight in SEARCHED)
        entries.append(
            LibraryEntry(
                case_id=case.pk,
                municipality_id=case.municipality_id,
                theme_id=case.theme_id,
                region_id=case.municipality.region_id,
                size_band=size_band(case.municipality.population),
                published_at=case.published_at,
                year=case.started_on.year,
                results_type=case.results_type,
                search_text=plain(f"{text} {case.municipality.name} {case.theme.name}"),
            )
        )
    LibraryEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_territory'),
        ('knowledge', '0002_case_library_facets'),
        ('networks', '0002_networks_and_community'),
    ]

    operations = [
        migrations.CreateModel(
            name='LibraryEntry',
            fields=[
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='library_entry', serialize=False, to='knowledge.case')),
                ('size_band', models.CharField(blank=True, max_length=6)),
                ('year', models.PositiveSmallIntegerField()),
                ('results_type', models.CharField(blank=True, max_length=20)),
                ('published_at', models.DateTimeField()),
                ('search_vector', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('rank_vector', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('search_text', models.TextField(blank=True)),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agreements.municipality')),
                ('region', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agreements.region')),
                ('theme', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='networks.theme')),
            ],
            options={
                'indexes': [models.Index(fields=['-published_at', '-case'], name='library_newest'), models.Index(fields=['theme', 'year'], include=('region', 'size_band', 'results_type'), name='library_facets')],
            },
        ),
        migrations.RunPython(setup, teardown),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='case',
            name='search_text',
        ),
        migrations.RemoveField(
            model_name='case',
            name='search_vector',
        ),
    ]
