"""Shared benchmark plumbing: a scratch PostgreSQL database, timing and memory figures."""

import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DB_NAME = os.environ.get("BENCH_DB", "pagg_bench")
PG = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]


def fresh_database(run_syncdb=False, keep_redis=False):
    """Create an empty database and point Django at it (before or after django.setup())."""
    subprocess.run([*PG, f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)
    subprocess.run([*PG, f"CREATE DATABASE {DB_NAME}"], check=True)
    use_database(DB_NAME, keep_redis=keep_redis)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=run_syncdb)


def use_database(name, keep_redis=False):
    """Point Django at an existing database ``name``, setting Django up the first time.

    Without ``keep_redis`` Celery runs its tasks in this process (the embedded default).
    """
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pagg.settings")
    if not keep_redis:
        os.environ.pop("REDIS_URL", None)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


def close():
    from django.db import connections

    connections.close_all()


def drop_database():
    close()
    subprocess.run([*PG, f"DROP DATABASE IF EXISTS {DB_NAME}"], check=True)


def measure(function, repeat=5, between=None):
    """Run ``function`` ``repeat`` times; median and p95 seconds, and its query count.

    ``between`` runs, untimed, before each run (e.g. to vacuum what a rolled-back run left).
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], []
    for _ in range(repeat):
        if between is not None:
            between()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            function()
            timings.append(time.perf_counter() - start)
        queries.append(len(ctx.captured_queries))
    timings.sort()
    return {
        "median_s": round(statistics.median(timings), 4),
        "p95_s": round(p95(timings), 4),
        "runs": repeat,
        "queries": max(queries),
    }


def p95(ordered):
    """The 95th percentile of ``ordered`` (sorted): the slowest run when there are few."""
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def spare_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write(name, payload):
    RESULTS.mkdir(exist_ok=True)
    payload = {"benchmark": name, "machine": machine(), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2))
    return payload


def machine():
    import platform

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
