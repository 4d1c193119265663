"""Auditor's desk: history search over 2,000,000 audit events, and a 500-event history PDF.

Targets (issue 5): p95 under 100 ms for a filtered page; the PDF in under 2 s.
"""

from . import common

EVENTS = 2_000_000


def generate(total):
    """Audit events by SQL over 20,000 processes in every municipality, with real-looking fields."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO workflows_process
                (flow_class, status, created, data, title, municipality_id)
            SELECT 'agreements/flows.OnboardingFlow', 'NEW', now(), '{}'::jsonb,
                   'Bench ' || g, (SELECT array_agg(id ORDER BY id) FROM agreements_municipality)
                   [1 + g %% 335]
            FROM generate_series(1, %s) g
            """,
            [20000],
        )
        cursor.execute(
            """
            INSERT INTO workflows_auditevent (chain_key, seq, at, actor_label, action, process_id,
                subject_id, subject_repr, municipality_id, comment, prev_hash, hash)
            SELECT 'process:' || p.id, g, now() - (g %% 3650) * interval '1 day',
                'user' || (g %% 300),
                (ARRAY['task.created','task.claimed','task.completed','agreement.submit',
                       'agreement.approve','agreement.return_for_changes',
                       'notification.overdue'])[1 + g %% 7],
                p.id, '', 'Convenio ' || g, p.municipality_id, '', repeat('0', 64),
                md5(g::text) || md5((g + 1)::text)
            FROM generate_series(1, %s) g
            JOIN LATERAL (SELECT (SELECT array_agg(id ORDER BY id) FROM workflows_process)
                          [1 + g %% 20000] AS id) pid ON true
            JOIN workflows_process p ON p.id = pid.id
            """,
            [total],
        )
        cursor.execute("VACUUM ANALYZE workflows_auditevent")


def run(total=EVENTS, repeat=20):
    common.fresh_database()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from agreements.models import Municipality, Region
    from workflows import selectors
    from workflows.exports import history_pdf
    from workflows.models import AuditEvent, Process

    settings.DEBUG = False
    generate(total)
    auditor = User.objects.create_user("auditor", "a@bench.example", "x")
    auditor.groups.add(Group.objects.get(name="auditor"))
    region = Region.objects.get(code="15")
    municipality = Municipality.objects.filter(region=region).first()
    searches = {
        "no filter, first page": {},
        "by action": {"action": "agreement.return_for_changes"},
        "by state and action": {"region": region.pk, "action": "agreement.approve"},
        "by municipality": {"municipality": municipality.code},
        "by actor": {"actor": "user7"},
        "by object text": {"subject": "Convenio 12345"},
    }
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    searches["by date range"] = {
        "date_from": today - datetime.timedelta(days=40),
        "date_to": today - datetime.timedelta(days=30),
    }
    figures = {}
    for name, filters in searches.items():
        qs = selectors.audit_search(filters)
        figures[f"search {name}"] = common.measure(
            lambda qs=qs: list(selectors.keyset_page(qs, None, 50)[0]), repeat
        )
        first, cursor = selectors.keyset_page(qs, None, 50)
        if cursor:
            figures[f"search {name}, page 2"] = common.measure(
                lambda qs=qs, cursor=cursor: list(selectors.keyset_page(qs, cursor, 50)[0]),
                repeat,
            )

    # A 500-event history with real chained events for the PDF.
    from workflows import audit

    process = Process.objects.create(
        flow_class="agreements/flows.OnboardingFlow",
        title="Historia larga",
        municipality=municipality,
    )
    process = Process.objects.get(pk=process.pk)
    for i in range(500):
        audit.record("task.completed", process=process, comment=f"Paso {i}: revisado y aprobado")
    events = list(selectors.process_history(process))
    figures["history PDF, 500 events"] = common.measure(
        lambda: history_pdf(process, events, audit.verify_chain(f"process:{process.pk}"), auditor),
        max(3, repeat // 4),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workflows_auditevent")
        count = cursor.fetchone()[0]
    rows = [
        [name, f["median_s"] * 1000, f["p95_s"] * 1000, f["queries"]] for name, f in figures.items()
    ]
    print(f"\nAuditor's desk ({count:,} audit events; targets: search p95 < 100 ms, PDF < 2 s)")
    common.table(rows, ["measure", "median ms", "p95 ms", "queries"])
    payload = common.write(
        "audit", {"events": count, "figures": figures, "peak_rss_mb": common.peak_rss_mb()}
    )
    del AuditEvent
    common.drop_database()
    return payload
