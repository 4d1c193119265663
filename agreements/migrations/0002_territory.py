"""Load Venezuela's states and its 335 municipalities (INE codes) from agreements/data."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Region = apps.get_model("agreements", "Region")
    Municipality = apps.get_model("agreements", "Municipality")
    with open(DATA / "regions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            Region.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "capital": row["capital"]}
            )
    regions = {r.code: r for r in Region.objects.all()}
    existing = set(Municipality.objects.values_list("code", flat=True))
    with open(DATA / "municipalities.csv", encoding="utf-8") as handle:
        new = [
            Municipality(
                code=row["code"],
                region=regions[row["region_code"]],
                name=row["name"],
                seat=row["seat"],
                population=int(row["population"]) if row["population"] else None,
            )
            for row in csv.DictReader(handle)
            if row["code"] not in existing
        ]
    Municipality.objects.bulk_create(new, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
