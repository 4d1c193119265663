"""Backup and restore as docs/operations.md describes it: pg_dump -Fc, pg_restore, verify.

The data is made by the services (onboarding processes walked through their steps,
a checkpoint sealed); the restored copy must hold every row of every table and pass
the project's own chain verification, which must also catch an altered event there.
"""

import datetime
import shutil
import subprocess

import psycopg
import pytest
from django.db import connection

from workflows import audit
from workflows import services as wf
from workflows.models import AuditEvent

from ..conftest import draft_post, open_task, start
from .conftest import database_url, manage, service_env

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]


def _binary(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (PostgreSQL client tools are needed)")
    return path


def _counts(url):
    """Rows in every table of the public schema, read with a plain connection."""
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def _psql_url(name):
    return database_url(name).replace("postgres://", "postgresql://")


def test_dump_restores_into_a_fresh_database_with_its_chain_intact(
    tmp_path, facilitator_a, coordinator, region_a
):
    from agreements.models import Municipality

    data = draft_post()
    data["start_date"], data["end_date"] = datetime.date(2026, 1, 1), datetime.date(2028, 1, 1)
    for municipality in Municipality.objects.filter(region=region_a).order_by("code")[:5]:
        process = start(facilitator_a, municipality)
        wf.complete(open_task(process), facilitator_a, dict(data))
        review = open_task(process)
        wf.take_and_complete(review, coordinator, {"decision": "return", "comment": "Anexo"})
    audit.seal_checkpoint()
    events = AuditEvent.objects.count()
    assert events > 30

    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "pagg.dump"
    admin = _psql_url("postgres")
    subprocess.run(
        [_binary("pg_dump"), "-Fc", "-d", _psql_url(source), "-f", str(dump)],
        check=True,
        timeout=120,
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        conn.execute(f'CREATE DATABASE "{restored}"')
    try:
        result = subprocess.run(
            [_binary("pg_restore"), "--no-owner", "--exit-on-error", "-d", _psql_url(restored)]
            + [str(dump)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr

        before = _counts(_psql_url(source))
        after = _counts(_psql_url(restored))
        assert after == before
        assert after["workflows_auditevent"] == events and after["workflows_process"] >= 5

        env = service_env("", DATABASE_URL=database_url(restored))
        verified = manage(env, "verify_audit_chain")
        assert verified.returncode == 0, verified.stderr
        assert f"Audit trail intact: {events} events" in verified.stdout
        assert "1 checkpoints" in verified.stdout

        # The verification is real there: an event altered in the copy is named.
        with psycopg.connect(_psql_url(restored), autocommit=True) as conn:
            conn.execute("ALTER TABLE workflows_auditevent DISABLE TRIGGER USER")
            pk = conn.execute(
                "SELECT id FROM workflows_auditevent WHERE action = 'agreement.return_for_changes'"
                " ORDER BY id LIMIT 1"
            ).fetchone()[0]
            conn.execute(
                "UPDATE workflows_auditevent SET comment = 'Sin anexo' WHERE id = %s", [pk]
            )
        broken = manage(env, "verify_audit_chain")
        assert broken.returncode != 0
        assert f"event {pk}: content does not match its hash" in broken.stderr
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
