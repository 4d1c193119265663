"""Completing a human task through HTTP under gunicorn, beside the same step on bare viewflow.

Target (issue 10) on this 2-core machine: at least 150 completions a second with two
gunicorn workers under a bounded local load, p95 under 50 ms, and at most 1.3 times
the cost of the same completion on bare viewflow (``bench/bareflow``: the onboarding
flow's nodes as viewflow's documentation writes them, with viewflow's own
``UpdateProcessView``, and none of our additions: no audit trail, notifications, SLA
due dates, territorial scope or FSM subject).

Each side gets its processes made in this process (ours through
``agreements.services.start_onboarding``, which is also timed: the rate of starting a
process, against ``StartHandle.run`` of the bare flow), with the first task (drafting
the agreement) assigned to one facilitator. Then gunicorn (two sync workers, the
project's settings with ``DEBUG`` off and Celery publishing to Redis, as in production)
serves both, and ``CLIENTS`` threads here POST the draft form to each task once, a new
connection per request as a sync worker answers. The sides take turns. Every answer
must be the redirect of a completed task, and afterwards the database must show every
task done, its next task created, and (ours) the audit chains verifying.
"""

import http.client
import os
import queue
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from . import common

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "4"))
WORKERS = 2
WARM_UP = 20
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
AUTHORITIES = {
    "mayor_name": "Alcaldesa de prueba",
    "official_name": "Enlace de prueba",
    "official_position": "Director de planificación",
    "population": 25_000,
}


def _draft(csrf):
    return urlencode(
        {
            "csrfmiddlewaretoken": csrf,
            "scope": "Gestión financiera y presupuesto participativo",
            "commitments": "Compartir la información presupuestaria cada trimestre",
            "start_date": "2026-01-01",
            "end_date": "2028-01-01",
            "contacts": "Despacho del alcalde",
            "comment": "",
        }
    ).encode()


def _session(user):
    """A signed-in session for ``user``, as the login page would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = next(  # the first that signs people in (not django-axes)
        path for path in settings.AUTHENTICATION_BACKENDS if "axes" not in path
    )
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def _facilitator(count):
    """A facilitator with ``count`` new municipalities of one state in their territory."""
    from django.contrib.auth.models import Group, User
    from guardian.shortcuts import assign_perm

    from agreements.models import Municipality, Region
    from agreements.scope import FACILITATE

    user = User.objects.create_user("bench_facilitator", "bench@example.org", "x")
    user.groups.add(Group.objects.get(name="facilitator"))
    region = Region.objects.get(code="15")
    made = Municipality.objects.bulk_create(
        [
            Municipality(region=region, code=f"B{i:05d}", name=f"Municipio {i}", population=25_000)
            for i in range(count)
        ]
    )
    assign_perm(FACILITATE, user, Municipality.objects.filter(pk__in=[m.pk for m in made]))
    return User.objects.get(pk=user.pk), made


def _ours(count):
    """``count`` onboarding processes started through the service; the draft tasks' ids."""
    from django.contrib.auth.models import User

    from agreements import services
    from workflows.models import Task

    user, municipalities = _facilitator(count)
    seconds = []
    for municipality in municipalities:
        fresh = User.objects.get(pk=user.pk)  # a request's own user, permission caches empty
        started = time.perf_counter()
        services.start_onboarding(fresh, municipality, AUTHORITIES)
        seconds.append(time.perf_counter() - started)
    ids = list(
        Task.objects.filter(flow_task_type="HUMAN", status="ASSIGNED", owner=user)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert len(ids) == count, (len(ids), count)
    paths = [f"/tasks/{pk}/" for pk in ids]
    return user, paths, seconds


def _bare(user, count):
    """``count`` bare processes, their draft tasks assigned to ``user``; the execute paths."""
    from django.contrib.auth.models import Permission
    from django.utils import timezone
    from viewflow.workflow.models import Task

    from bench.bareflow.flows import BareOnboardingFlow

    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="bareflow"))
    seconds = []
    for index in range(count):
        started = time.perf_counter()
        BareOnboardingFlow.start.run(municipality=f"Municipio {index}")
        seconds.append(time.perf_counter() - started)
    tasks = Task.objects.filter(flow_task=BareOnboardingFlow.draft_agreement, status="NEW")
    rows = list(tasks.order_by("pk").values_list("process_id", "pk"))
    Task.objects.filter(pk__in=[pk for _process, pk in rows]).update(
        owner=user, status="ASSIGNED", assigned=timezone.now()
    )
    paths = [f"/bare/{process}/draft_agreement/{pk}/execute/" for process, pk in rows]
    assert len(paths) == count, (len(paths), count)
    return paths, seconds


class Server:
    """gunicorn with two sync workers serving the bench database."""

    def __init__(self, database):
        self.port = common.spare_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "REDIS_URL": REDIS_URL,
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "pagg.wsgi",
                "-w",
                str(WORKERS),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/accounts/login/")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within a minute")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def complete_all(port, paths, cookie, body):
    """POST ``body`` to every path with ``CLIENTS`` threads; per-request latencies, problems."""
    work = queue.SimpleQueue()
    for path in paths:
        work.put(path)
    latencies, problems, lock = [], [], threading.Lock()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "Referer": f"http://127.0.0.1:{port}/",
    }

    def client():
        while True:
            try:
                path = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            connection.close()
            location = response.getheader("Location") or ""
            with lock:
                latencies.append(elapsed)
                if response.status != 302 or "execute" in location or location == path:
                    problems.append((path, response.status, location))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, problems


def _figures(batches):
    rates = [len(lat) / seconds for seconds, lat, _problems in batches]
    latencies = sorted(x for _seconds, lat, _problems in batches for x in lat)
    return {
        "per_second_median": round(statistics.median(rates), 1),
        "per_second_min": round(min(rates), 1),
        "median_s": round(statistics.median(latencies), 4),
        "p95_s": round(common.p95(latencies), 4),
        "completions": len(latencies),
        "runs": len(batches),
    }


def _rate(seconds):
    seconds = sorted(seconds)
    return {
        "per_second": round(len(seconds) / sum(seconds), 1),
        "median_s": round(statistics.median(seconds), 4),
        "p95_s": round(common.p95(seconds), 4),
        "count": len(seconds),
    }


def _check(user, ours_paths, bare_paths):
    """Every task done once, its next task open; our audit chains verify."""
    from viewflow.workflow.models import Task as BareTask

    from bench.bareflow.flows import BareOnboardingFlow
    from workflows import audit
    from workflows.models import Task

    drafts = Task.objects.filter(flow_task_type="HUMAN", flow_task__endswith="draft_agreement")
    assert drafts.filter(status="DONE").count() == len(ours_paths)
    reviews = Task.objects.filter(flow_task__endswith="review_agreement", status="NEW")
    assert reviews.count() == len(ours_paths)
    done = BareTask.objects.filter(flow_task=BareOnboardingFlow.draft_agreement, status="DONE")
    assert done.count() == len(bare_paths)
    bare_reviews = BareTask.objects.filter(flow_task=BareOnboardingFlow.review_agreement)
    assert bare_reviews.count() == len(bare_paths)
    assert audit.verify().ok


def run(total=1_800, repeat=3):
    """``total`` completions a side, in ``repeat`` turns, after a warm-up of each."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["REDIS_URL"] = REDIS_URL  # Celery publishes to Redis, as in production
    common.fresh_database(keep_redis=True)
    from django.conf import settings

    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    repeat = max(1, repeat)
    per_run = max(10, total // repeat)
    count = WARM_UP + per_run * repeat
    print(f"Making {count:,} processes a side...")
    user, ours_paths, ours_starts = _ours(count)
    bare_paths, bare_starts = _bare(user, count)
    common.close()
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
    cookie = f"sessionid={_session(user)}; csrftoken={csrf}"
    body = _draft(csrf)
    batches = {"ours": [], "bare": []}
    paths = {"ours": ours_paths, "bare": bare_paths}
    with Server(common.DB_NAME) as server:
        for side in ("ours", "bare"):  # each worker loads its code and connections
            complete_all(server.port, paths[side][:WARM_UP], cookie, body)
        for turn in range(repeat):
            for side in ("ours", "bare"):
                chosen = paths[side][WARM_UP + turn * per_run : WARM_UP + (turn + 1) * per_run]
                batch = complete_all(server.port, chosen, cookie, body)
                if batch[2]:
                    raise SystemExit(f"{side}: {len(batch[2])} failed, e.g. {batch[2][:3]}")
                batches[side].append(batch)
    _check(user, ours_paths, bare_paths)
    ours, bare = _figures(batches["ours"]), _figures(batches["bare"])
    ratio = round(bare["per_second_median"] / ours["per_second_median"], 2)
    starts = {"ours": _rate(ours_starts), "bare": _rate(bare_starts)}
    rows = [
        ("complete a task, ours", ours["per_second_median"], ours),
        ("complete a task, bare viewflow", bare["per_second_median"], bare),
        ("start a process, ours (service)", starts["ours"]["per_second"], starts["ours"]),
        ("start a process, bare viewflow", starts["bare"]["per_second"], starts["bare"]),
    ]
    print(
        f"\nHTTP task completion ({WORKERS} gunicorn workers, {CLIENTS} clients, "
        f"{per_run:,} completions a turn, {repeat} turns a side); our cost over bare "
        f"viewflow: {ratio}x (targets: >= 150/s, p95 < 50 ms, <= 1.3x)"
    )
    common.table(
        [
            [name, f"{rate:.0f}/s", f"{f['median_s'] * 1000:.1f}", f"{f['p95_s'] * 1000:.1f}"]
            for name, rate, f in rows
        ],
        ["measure", "rate", "median ms", "p95 ms"],
    )
    payload = common.write(
        "http",
        {
            "workers": WORKERS,
            "clients": CLIENTS,
            "per_run": per_run,
            "runs": repeat,
            "complete": {"ours": ours, "bare": bare, "ratio": ratio},
            "start": starts,
            "load_average": os.getloadavg(),
            "peak_rss_mb": common.peak_rss_mb(),
        },
    )
    redis.Redis.from_url(REDIS_URL).flushdb()
    common.drop_database()
    return payload
