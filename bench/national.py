"""The programme at national scale (issue 10): pages, process starts and searches over the data
that ``manage.py generate_scale_data`` makes, at two sizes so that growth shows.

Targets on this 2-core machine: queue and inbox pages with 100,000 open tasks p95 under
50 ms with a query count independent of the data; starting a process at least 100 per
second; the finance comparison over 5,570 municipalities x 40 quarters under 300 ms; the
reminder sweep and the audit history search within their own issues' targets (2 s and
100 ms). Baseline measured in the same run: the indexed SQL behind the queue page.

The generated database is kept between invocations (``BENCH_KEEP=1``) and reused when its
scale matches, because making it takes minutes.
"""

import os
import statistics
import subprocess
import time

from . import common

SIZES = (0.5, 1.0)
BASE_NAME = common.DB_NAME
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def database_for(scale):
    """Point Django at the scale's database, generating it unless a kept one matches."""
    name = f"{BASE_NAME}_national_{round(scale * 1000)}"
    exists = subprocess.run(
        [*common.PG[:-1], "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    common.DB_NAME = name
    # Celery publishes to Redis, as in production: run eagerly, a process start would
    # also render and send its e-mail, which a worker does.
    os.environ["REDIS_URL"] = REDIS_URL
    if exists and os.environ.get("BENCH_KEEP"):
        common.use_database(name, keep_redis=True)
        _publish_to_redis()
        from workflows.models import Process

        if Process.objects.exists():
            return None
    common.fresh_database(keep_redis=True)
    _publish_to_redis()
    from bench import scale as national

    print(f"\nGenerating the national data at scale {scale} in {name}:")
    return national.generate(scale, line_periods=int(os.environ.get("BENCH_LINE_PERIODS", "1")))


def _publish_to_redis():
    """Also when Django was set up by an earlier benchmark of this run, with Celery eager."""
    import redis

    from pagg.celery import app

    app.conf.broker_url, app.conf.task_always_eager = REDIS_URL, False
    redis.Redis.from_url(REDIS_URL).flushdb()


def client_for(username):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def page(client, url, marker):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert marker in response.content, (url, marker)

    get()
    return get


def busiest_facilitator():
    """The facilitator with the most open tasks in their queue (the worst page)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT u.username FROM workflows_task t
            JOIN agreements_municipality m ON m.id = t.municipality_id
            JOIN auth_user u ON u.id = m.facilitator_id
            WHERE t.status = 'NEW' AND t.owner_permission = 'agreements.facilitate_municipality'
            GROUP BY u.username ORDER BY count(*) DESC LIMIT 1
            """
        )
        return cursor.fetchone()[0]


def queue_sql(user):
    """The raw indexed SQL behind a facilitator's queue page: the first 25 rows and the count."""
    from django.db import connection

    from agreements.scope import FACILITATE
    from workflows.permissions import object_permission_pks

    pks = [str(pk) for pk in object_permission_pks(user, FACILITATE)]

    def run():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT t.id, t.flow_task, t.due_at, t.status, p.title, m.name
                FROM workflows_task t
                JOIN workflows_process p ON p.id = t.process_id
                LEFT JOIN agreements_municipality m ON m.id = t.municipality_id
                WHERE t.status = 'NEW' AND t.owner_permission = %s
                  AND t.owner_permission_obj_pk = ANY(%s)
                ORDER BY t.due_at, t.id LIMIT 25
                """,
                [FACILITATE, pks],
            )
            cursor.fetchall()
            cursor.execute(
                "SELECT count(*) FROM workflows_task WHERE status = 'NEW' "
                "AND owner_permission = %s AND owner_permission_obj_pk = ANY(%s)",
                [FACILITATE, pks],
            )
            cursor.fetchone()

    run()
    return run


def starts(count, repeat):
    """Start ``count`` onboarding processes through the service, each in its own transaction.

    Fresh non-member municipalities are added first (outside the timing) in the busiest
    facilitator's state, with the facilitator's scope over them.
    """
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Max
    from guardian.shortcuts import assign_perm

    from agreements import services
    from agreements.models import Municipality
    from agreements.scope import FACILITATE

    user = User.objects.get(username="facilitador0")
    region_id = Municipality.objects.filter(facilitator=user).values_list("region_id", flat=True)[0]
    rates, latencies = [], []
    for run in range(repeat):
        # Unique on a database kept between invocations, which keeps their municipalities.
        last = Municipality.objects.filter(code__startswith="S").aggregate(Max("code"))
        first = int(last["code__max"][1:]) + 1 if last["code__max"] else 0
        made = Municipality.objects.bulk_create(
            [
                Municipality(
                    region_id=region_id,
                    code=f"S{first + i:011d}",
                    name=f"Nuevo municipio {run}-{i}",
                    population=20_000 + i,
                )
                for i in range(count)
            ]
        )
        made = Municipality.objects.filter(pk__in=[m.pk for m in made]).select_related("region")
        assign_perm(FACILITATE, user, made)
        made = list(made)  # as the start form reads its choice: with its state
        user = User.objects.get(pk=user.pk)  # a fresh permission cache, as a new request has
        data = {
            "mayor_name": "Alcaldesa de prueba",
            "official_name": "Enlace de prueba",
            "official_position": "Director de planificación",
            "population": 25_000,
        }
        each = []
        start = time.perf_counter()
        for municipality in made:
            t0 = time.perf_counter()
            services.start_onboarding(user, municipality, data)
            each.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - start
        rates.append(count / seconds)
        latencies.extend(each)
    latencies.sort()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE workflows_process")
    return {
        "per_second_median": round(statistics.median(rates), 1),
        "per_second_min": round(min(rates), 1),
        "median_s": round(statistics.median(latencies), 4),
        "p95_s": round(common.p95(latencies), 4),
        "runs": repeat,
        "starts_per_run": count,
    }


def sweep_once():
    """One reminder sweep over everything due, rolled back so that each run does the same."""
    from django.db import transaction

    from notifications import reminders

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            sweep_once.sent = len(reminders.sweep())
            raise Rollback
    except Rollback:
        pass


def measure_size(scale, repeat):
    from django.conf import settings
    from django.db import connection

    from finance.models import FiscalPeriod
    from workflows import selectors

    settings.DEBUG = False
    # E-mails are rendered and "sent" in memory: the console backend would time the terminal.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    figures = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status <> 'DONE'), count(*) FROM workflows_task"
        )
        open_tasks, tasks = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM workflows_auditevent")
        events = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM agreements_municipality")
        municipalities = cursor.fetchone()[0]
    facilitator = busiest_facilitator()
    fac = client_for(facilitator)
    coordinator = client_for("coordinador0")
    auditor = client_for("auditor0")
    from django.contrib.auth.models import User

    fac_user = User.objects.get(username=facilitator)
    queue_count = selectors.queue(fac_user).count()

    shapes = {
        "queue page, busiest facilitator": (fac, "/tasks/queue/", b"task-row"),
        "queue page 10, busiest facilitator": (fac, "/tasks/queue/?page=10", b"task-row"),
        "inbox page, busiest facilitator": (fac, "/tasks/inbox/", b"task-row"),
        "queue page, coordinator": (coordinator, "/tasks/queue/", b"task-row"),
        "queue page, coordinator, overdue": (
            coordinator,
            "/tasks/queue/?due=overdue",
            b"task-row",
        ),
        "process list, facilitator": (fac, "/processes/", b"<table"),
        "audit search, by action": (
            auditor,
            "/audit/?action=agreement.submit",
            b"<table",
        ),
    }
    period = FiscalPeriod.objects.order_by("-year", "-quarter").first()
    shapes["finance comparison, all municipalities"] = (
        client_for("coordinador0"),
        f"/finance/compare/?period={period.pk}&indicator=fiscal_autonomy",
        b"ranking",
    )
    for name, (client, url, marker) in shapes.items():
        figures[name] = common.measure(page(client, url, marker), repeat)
    figures["queue SQL (baseline), busiest facilitator"] = common.measure(
        queue_sql(fac_user), repeat
    )
    base = figures["queue SQL (baseline), busiest facilitator"]["median_s"]
    figures["queue page, busiest facilitator"]["ratio_to_sql"] = round(
        figures["queue page, busiest facilitator"]["median_s"] / base, 1
    )
    figures["reminder sweep (rolled back)"] = common.measure(sweep_once, max(3, repeat // 5))
    figures["reminder sweep (rolled back)"]["notifications"] = sweep_once.sent
    figures["start onboarding process"] = starts(100, max(3, repeat // 5))
    return {
        "municipalities": municipalities,
        "tasks": tasks,
        "open_tasks": open_tasks,
        "audit_events": events,
        "busiest_facilitator_queue": queue_count,
        "figures": figures,
    }


def run(scale=1.0, repeat=20):
    sizes = [round(size * scale, 4) for size in SIZES]
    results, rows = {}, []
    for scale in sizes:
        generated = database_for(scale)
        measured = measure_size(scale, repeat)
        measured["generated"] = generated
        results[str(scale)] = measured
        for name, f in measured["figures"].items():
            if "per_second_median" in f:
                value = f"{f['per_second_median']:.0f}/s (min {f['per_second_min']:.0f}/s)"
                rows.append([scale, name, value, f"{f['p95_s'] * 1000:.1f}", ""])
                continue
            rows.append(
                [
                    scale,
                    name,
                    f"{f['median_s'] * 1000:.1f}",
                    f"{f['p95_s'] * 1000:.1f}",
                    f["queries"],
                ]
            )
        if not os.environ.get("BENCH_KEEP"):
            common.drop_database()
    print(
        "\nNational scale (targets: queue/inbox p95 < 50 ms, constant queries; "
        "starts >= 100/s; comparison < 300 ms)"
    )
    common.table(rows, ["scale", "measure", "median ms", "p95 ms", "queries"])
    load = os.getloadavg()
    payload = common.write(
        "national",
        {"sizes": list(sizes), "runs": repeat, "load_average": load, "results": results},
    )
    return payload
