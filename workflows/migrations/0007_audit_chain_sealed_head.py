from django.db import migrations, models


def remember_sealed_heads(apps, schema_editor):
    """Each chain's head as the existing checkpoints last sealed it (read once, here)."""
    AuditChain = apps.get_model("workflows", "AuditChain")
    AuditCheckpoint = apps.get_model("workflows", "AuditCheckpoint")
    known = {}
    for heads in AuditCheckpoint.objects.order_by("pk").values_list("heads", flat=True).iterator():
        known.update(heads)
    batch = []
    for chain in AuditChain.objects.iterator(chunk_size=2000):
        if chain.key in known:
            chain.sealed_length, chain.sealed_hash = known[chain.key]
            batch.append(chain)
        if len(batch) >= 1000:
            AuditChain.objects.bulk_update(batch, ["sealed_length", "sealed_hash"])
            batch = []
    AuditChain.objects.bulk_update(batch, ["sealed_length", "sealed_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0006_knowledge_curator_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditchain",
            name="sealed_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditchain",
            name="sealed_length",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(remember_sealed_heads, migrations.RunPython.noop),
    ]
