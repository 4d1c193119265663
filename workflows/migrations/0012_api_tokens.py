"""Personal API tokens, and the single DRF tokens issued before them carried over.

DRF's ``authtoken_token`` table kept each key in plain text. Its rows become personal
tokens named "Token anterior" that expire 90 days after this migration: the key
itself is not kept, only its SHA-256 digest, so clients that used it keep working
until then. The old table is read with SQL because ``rest_framework.authtoken`` is no
longer an installed app; it is left in place (empty of meaning) rather than dropped,
so that the authtoken app's own migration record stays true.
"""

import datetime
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def carry_over_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("workflows", "ApiToken")
    now = django.utils.timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="Token anterior",
            digest=hashlib.sha256(key.encode("utf-8")).hexdigest(),
            prefix=key[:12],
            created=created or now,
            expires_at=now + datetime.timedelta(days=90),
        )
        for key, user_id, created in rows
    )


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0011_coordinators_change_periodic_tasks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('digest', models.CharField(editable=False, max_length=64, unique=True)),
                ('prefix', models.CharField(editable=False, max_length=12, verbose_name='prefix')),
                ('created', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('expires_at', models.DateTimeField(verbose_name='expires')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='last used')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'ordering': ['-created', '-pk'],
            },
        ),
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
