"""Reminder sweep over 1,000,000 tasks of which 10,000 are due, then with twice the not-due.

Target (issue 4): under 2 s on PostgreSQL on a 2-core machine, and the same time when
the not-due tasks double, because the sweep reads only due tasks.
"""

from . import common

DUE = 10_000


def generate(not_due, start_id=0):
    """Tasks by SQL: half of the not-due are done, half open and far from their due date."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from agreements.models import Municipality

    ct = ContentType.objects.get_for_model(Municipality).pk
    ref = "agreements/flows.OnboardingFlow.draft_agreement"
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO workflows_task (flow_task, flow_task_type, status, created, token,
                owner_permission, owner_permission_obj_pk, owner_permission_content_type_id,
                data, role, due_at, comment, municipality_id, owner_id, process_id, assigned,
                finished)
            SELECT %(ref)s, 'HUMAN',
                CASE WHEN g %% 2 = 0 THEN 'DONE' WHEN g %% 4 = 1 THEN 'NEW' ELSE 'ASSIGNED' END,
                now() - interval '400 days', 'start',
                'agreements.facilitate_municipality', m.id::text, %(ct)s,
                '{}'::jsonb, 'facilitator',
                CASE WHEN g %% 2 = 0 THEN now() - (g %% 300) * interval '1 day'
                     ELSE now() + (30 + g %% 300) * interval '1 day' END,
                '', m.id,
                CASE WHEN g %% 4 = 3 THEN f.user_id END,
                a.ps[1 + g %% array_length(a.ps, 1)], NULL,
                CASE WHEN g %% 2 = 0 THEN now() END
            FROM generate_series(%(start)s::int + 1, %(start)s::int + %(n)s::int) AS g
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ms FROM agreements_municipality) b
            CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ps FROM workflows_process) a
            JOIN agreements_municipality m ON m.id = b.ms[1 + g %% array_length(b.ms, 1)]
            JOIN bench_facilitator f ON f.region_id = m.region_id
            """,
            {"ref": ref, "ct": ct, "n": not_due, "start": start_id},
        )
        cursor.execute("VACUUM ANALYZE workflows_task")


def setup():
    from django.contrib.auth.models import Group, User
    from django.db import connection

    from agreements import scope
    from agreements.models import Region
    from workflows.models import Process

    coordinators = Group.objects.get(name="coordinator")
    for i in range(3):
        user = User.objects.create_user(f"coord{i}", f"coord{i}@bench.example", "x")
        user.groups.add(coordinators)
    facilitators = Group.objects.get(name="facilitator")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_facilitator (region_id bigint, user_id integer)")
    for region in Region.objects.all():
        user = User.objects.create_user(f"fac{region.code}", f"fac{region.code}@bench.example", "x")
        user.groups.add(facilitators)
        scope.grant_facilitator_region(user, region)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_facilitator VALUES (%s, %s)", [region.pk, user.pk])
    Process.objects.bulk_create(
        [
            Process(flow_class="agreements/flows.OnboardingFlow", title=f"Bench {i}")
            for i in range(1000)
        ]
    )


def make_due():
    """10,000 open tasks due soon or overdue, assigned or waiting in a queue."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE workflows_task SET due_at = now() + ((id %% 14) - 8) * interval '1 day'
                                               + interval '2 hours'
            WHERE id IN (SELECT id FROM workflows_task WHERE status <> 'DONE'
                         ORDER BY id LIMIT %s)
            """,
            [DUE],
        )
        cursor.execute("VACUUM ANALYZE workflows_task")


def one_sweep():
    from django.db import transaction

    from notifications import reminders

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            sent = reminders.sweep()
            assert sent, "the sweep found nothing due"
            one_sweep.sent = len(sent)
            raise Rollback  # leave the data as it was, so that every run does the same work
    except Rollback:
        pass


def commit_checks(repeat=3):
    """Median seconds of the deferred foreign-key checks that the sweep's commit runs.

    The timed runs roll back, so these checks are not in their figures; here a sweep
    runs them (SET CONSTRAINTS ALL IMMEDIATE) before rolling back.
    """
    import statistics
    import time

    from django.db import connection, transaction

    from notifications import reminders

    timings = []
    for _ in range(repeat):
        vacuum()
        with transaction.atomic():
            assert reminders.sweep(), "the sweep found nothing due"
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            timings.append(time.perf_counter() - start)
            transaction.set_rollback(True)
    return round(statistics.median(timings), 4)


def vacuum():
    """Each run rolls back its inserts; vacuum their dead rows so that runs stay alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM notifications_notification, workflows_auditevent, workflows_auditchain"
        )


def run(total=1_000_000, repeat=5):
    common.fresh_database()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    setup()
    rows = []
    figures = {}
    generate(total)
    make_due()
    label = f"{total:,} tasks, {DUE:,} due"
    figures[label] = common.measure(one_sweep, repeat, between=vacuum) | {
        "reminders": one_sweep.sent,
        "commit_checks_s": commit_checks(),
    }
    generate(total - DUE, start_id=total)
    label2 = f"{2 * total - DUE:,} tasks (not-due doubled), {DUE:,} due"
    figures[label2] = common.measure(one_sweep, repeat, between=vacuum) | {
        "reminders": one_sweep.sent,
        "commit_checks_s": commit_checks(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM workflows_task")
        count = cursor.fetchone()[0]
    for name, f in figures.items():
        rows.append(
            [name, f["reminders"], f["median_s"], f["p95_s"], f["queries"], f["commit_checks_s"]]
        )
    print(f"\nReminder sweep ({count:,} task rows at the end; target < 2 s)")
    common.table(rows, ["data", "reminders", "median s", "p95 s", "queries", "commit checks s"])
    print(f"peak RSS {common.peak_rss_mb()} MB")
    payload = common.write("sweep", {"figures": figures, "peak_rss_mb": common.peak_rss_mb()})
    common.drop_database()
    return payload
