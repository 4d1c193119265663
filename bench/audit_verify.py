"""Audit chain verification over 1,000,000 and 2,000,000 real chained events.

Target (issue 10): at least 300,000 events per second, streaming, in under 300 MB.

The events are valid: each hash is ``audit._digest`` of the event's payload (the
reference definition, not the fast path under test), computed here and written
with COPY, over process chains of 1 to 19 events with varied actors, subjects,
before/after JSON and comments (non-ASCII, quotes, backslashes, control characters).
Each measured run is a fresh process (``python -m bench.audit_verify measure``),
so that its peak RSS and CPU time are the verification's own.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import time

from . import common

CHAINS_PER_MILLION = 100_000
TEXTS = [
    "",
    "Revisado y aprobado",
    'Dijo "listo" y firmó',
    "Línea 1\nLínea 2\tcon tabulador",
    "ñandú € 🇻🇪 \u2028 barra \\ invertida",
    "control \x01\x1f fin",
]
ACTIONS = [
    "task.created",
    "task.claimed",
    "task.completed",
    "agreement.submit",
    "agreement.approve",
    "agreement.return_for_changes",
    "notification.overdue",
]
STATES = [
    None,
    {"state": "draft"},
    {"state": "submitted", "amount": "1234.50", "lines": [1, 2, 3], "ok": True},
    {"título": "Convenio «Mérida»", "nota": 'comillas " y \\', "nested": {"b": None, "a": [2.5]}},
    {"count": 0, "flags": {"z": False, "y": [None, "é"]}, "empty": {}, "list": []},
]


def _state(rng, seq, user):
    """None, a common state, or (a third) a value of its own, so that not every text recurs."""
    if rng.random() < 0.33:
        return {
            "state": rng.choice(["draft", "submitted", "approved"]),
            "amount": f"{rng.randrange(10**8) / 100:.2f}",
            "line": seq,
            "by": user[1] if user else None,
            "ratio": rng.randrange(1000) / 8,
        }
    return rng.choice(STATES)


def _events(rng, chains, users, content_type):
    """Rows for AUDIT_COLUMNS, with their chain heads, chain after chain."""
    from workflows import audit

    base = datetime.datetime(2016, 1, 1, tzinfo=datetime.UTC)
    digest = audit._digest
    for process, town in chains:
        key, prev = f"process:{process}", audit.GENESIS
        at = base + datetime.timedelta(seconds=rng.randrange(10 * 365 * 86400))
        length = rng.randrange(1, 20)
        for seq in range(1, length + 1):
            at += datetime.timedelta(seconds=rng.randrange(1, 86400))
            if rng.random() < 0.8:
                at = at.replace(microsecond=rng.randrange(1_000_000))
            user = rng.choice(users) if rng.random() < 0.7 else None
            subject = rng.random() < 0.5
            row = {
                "chain": key,
                "seq": seq,
                "prev": prev,
                "at": at.isoformat(),
                "actor": user[0] if user else None,
                "actor_label": user[1] if user else "",
                "action": rng.choice(ACTIONS),
                "process": process,
                "task": None,
                "subject_type": content_type if subject else None,
                "subject_id": str(process * 7) if subject else "",
                "subject_repr": f'Convenio "{town}" Nº {seq}' if subject else "",
                "municipality": town,
                "before": _state(rng, seq, user),
                "after": _state(rng, seq, user),
                "comment": rng.choice(TEXTS),
            }
            prev = digest(row)
            yield (
                key,
                seq,
                at,
                row["actor"],
                row["actor_label"],
                row["action"],
                process,
                None,
                row["subject_type"],
                row["subject_id"],
                row["subject_repr"],
                town,
                row["before"],
                row["after"],
                row["comment"],
                row["prev"],
                prev,
            )


def generate(events, seed):
    """About ``events`` valid events over new processes; chain heads; two checkpoints."""
    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from agreements.models import Agreement, Municipality
    from workflows import audit, bulk
    from workflows.models import AuditChain, AuditEvent, Process

    rng = random.Random(seed)
    users = list(User.objects.values_list("pk", "username"))
    if not users:
        names = ["ana", "josé.pérez", "o'neil", 'comillas"dobles', "zoë", "mü"] + [
            f"user{i}" for i in range(44)
        ]
        User.objects.bulk_create([User(username=n) for n in names])
        users = list(User.objects.values_list("pk", "username"))
    towns = list(Municipality.objects.values_list("pk", flat=True))
    content_type = ContentType.objects.get_for_model(Agreement).pk
    count = events * CHAINS_PER_MILLION // 1_000_000
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO workflows_process (flow_class, status, created, data, title) "
                "SELECT 'agreements/flows.OnboardingFlow', 'DONE', now(), '{}'::jsonb, "
                "'Bench ' || g FROM generate_series(1, %s) g RETURNING id",
                [count],
            )
            processes = sorted(row[0] for row in cursor.fetchall())
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        chains = [(p, rng.choice(towns)) for p in processes]
        heads = {}

        def rows():
            for row in _events(rng, chains, users, content_type):
                heads[row[0]] = (row[1], row[16])
                yield row

        with bulk.gc_paused():
            bulk.copy_rows(
                AuditEvent, audit.AUDIT_COLUMNS, rows(), json_columns={"before", "after"}
            )
        AuditChain.objects.bulk_create(
            [AuditChain(key=k, length=n, head_hash=h) for k, (n, h) in heads.items()],
            batch_size=5000,
        )
    audit.seal_checkpoint()
    # Then reminders on a tenth of the chains (record_many), and a second seal.
    sample = rng.sample(processes, len(processes) // 10)
    audit.record_many(
        {"action": "notification.overdue", "process_id": p, "after": {"recipient": "ñ"}}
        for p in sample
    )
    audit.seal_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workflows_auditevent")
        cursor.execute("VACUUM ANALYZE workflows_auditchain")
        # The generated pages written out now, not by the checkpointer during the runs.
        cursor.execute("CHECKPOINT")
    return Process.objects.count()


def measure_once(which, workers=None):
    """In this (fresh) process: one verification, its time, CPU, memory and queries."""
    import resource

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows import audit

    connection.ensure_connection()
    function = audit._verify_orm if which == "before" else lambda: audit.verify(workers=workers)
    with CaptureQueriesContext(connection) as ctx:
        cpu, start = time.process_time(), time.perf_counter()
        result = function()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "ok": result.ok,
        "events": result.events_checked,
        "chains": result.chains_checked,
        "checkpoints": result.checkpoints_checked,
        "wall_s": wall,
        "cpu_s": cpu,
        "workers_cpu_s": children.ru_utime + children.ru_stime,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "workers_rss_mb": children.ru_maxrss / 1024,
        # other ranges and the checkpoints run on connections of their own, in threads
        # (their statements are not in this connection's log; their CPU is the server's,
        # so the workers' columns read 0 since session 8)
        "queries": len(ctx.captured_queries) + (workers - 1 if workers else 0),
        "load": os.getloadavg(),
    }


def runs(which, repeat, workers=None):
    """``repeat`` fresh processes; median and p95 of events/s, and the worst memory."""
    figures = []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-m", "bench.audit_verify", "measure", which, str(workers or 0)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert all(f["ok"] for f in figures), figures
    walls = sorted(f["wall_s"] for f in figures)
    p95 = common.p95(walls)
    import statistics

    median = statistics.median(walls)
    events = figures[0]["events"]
    return {
        "events": events,
        "runs": repeat,
        "median_s": round(median, 3),
        "p95_s": round(p95, 3),
        "events_per_s_median": round(events / median),
        "events_per_s_p95": round(events / p95),
        "cpu_s_median": round(statistics.median(f["cpu_s"] for f in figures), 3),
        "workers_cpu_s_median": round(statistics.median(f["workers_cpu_s"] for f in figures), 3),
        "peak_rss_mb": round(max(f["rss_mb"] for f in figures), 1),
        "workers_peak_rss_mb": round(max(f["workers_rss_mb"] for f in figures), 1),
        "queries": max(f["queries"] for f in figures),
        "load": [round(x, 2) for x in figures[-1]["load"]],
    }


def run(total=2_000_000, repeat=3, before_repeat=1):
    """Both sizes; the code from before issue 10 (slow: minutes per run) at the first only."""
    common.fresh_database()
    figures = {}
    size = 0
    for step, target in enumerate((total // 2, total)):
        generate(target - size, seed=step)
        from workflows.models import AuditEvent

        size = AuditEvent.objects.count()
        label = f"{size:,} events"
        figures[f"{label}, 2 processes"] = runs("after", repeat, workers=2)
        figures[f"{label}, 1 process"] = runs("after", repeat, workers=1)
        if before_repeat and step == 0:
            figures[f"{label}, before"] = runs("before", before_repeat)
        for name, f in figures.items():
            if name.startswith(label):
                print(name, f, flush=True)
    rows = [
        [
            name,
            f"{f['events_per_s_median']:,}",
            f"{f['events_per_s_p95']:,}",
            f["median_s"],
            f["cpu_s_median"],
            f["workers_cpu_s_median"],
            f["peak_rss_mb"],
            f["workers_peak_rss_mb"],
            f["queries"],
            f["load"][0],
        ]
        for name, f in figures.items()
    ]
    print("\nAudit chain verification (target: >= 300,000 events/s, < 300 MB)")
    common.table(
        rows,
        ["run", "ev/s median", "ev/s p95", "wall s", "cpu s", "worker cpu s", "RSS MB",
         "worker RSS MB", "queries", "load"],
    )  # fmt: skip
    payload = common.write("audit_verify", {"figures": figures})
    if os.environ.get("BENCH_KEEP") != "1":
        common.drop_database()
    return payload


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagg.settings")
    if sys.argv[1] == "measure":
        figures = measure_once(sys.argv[2], int(sys.argv[3]) or None)
        print(json.dumps(figures))
