"""A bounded load test: 50 people claiming and completing tasks against gunicorn.

The state is made here by the services, then copied into a database of the test's
own (``CREATE DATABASE ... TEMPLATE``) that gunicorn, another process, serves and
the test drops. Half the people are facilitators who redraft returned agreements
from their inbox, half are coordinators who take first reviews from the shared queue
(racing for them) and return them, and take from their inbox the second rounds that
come back to them, so every process cycles for the whole run. It runs
``LOAD_SECONDS`` (60 by default) and stops by itself.
"""

import os
import random
import re
import statistics
import threading
import time
from collections import Counter

import psycopg
import pytest
import requests
from django.db import connection, connections

from agreements import scope
from agreements.models import Municipality

from ..conftest import AUTHORITIES, draft_post, make_user
from .conftest import database_url, gunicorn, login, manage, post, service_env

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("postgresql"),
]

USERS = 50
DURATION = float(os.environ.get("LOAD_SECONDS", "60"))
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as load_settings
TASK_LINK = re.compile(r'<td[^>]*><a href="/tasks/(\d+)/">')


def _people(coordinator):
    """25 facilitators with two municipalities each (a process on each), 25 coordinators."""
    from agreements import services as onboarding

    facilitators, coordinators = [], [coordinator]
    municipalities = list(Municipality.objects.order_by("code")[: USERS // 2 * 2])
    for index in range(USERS // 2):
        user = make_user(f"load_fac{index}", "facilitator")
        for municipality in municipalities[index * 2 : index * 2 + 2]:
            scope.grant_facilitator_municipality(user, municipality, by=coordinator)
            onboarding.start_onboarding(user, municipality, AUTHORITIES)
        facilitators.append(user)
    for index in range(USERS // 2 - 1):
        coordinators.append(make_user(f"load_coord{index}", "coordinator"))
    return facilitators, coordinators


def _clone(source, target):
    """Copy the test database (committed state) into ``target``.

    PostgreSQL copies a template only when no one else is in it: idle sessions left
    open by earlier tests of the run (the browser tests' live server thread) are
    closed first.
    """
    connections.close_all()
    admin = database_url("postgres").replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'idle'",
            [source],
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                return
            except psycopg.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


class Run:
    def __init__(self, base, deadline):
        self.base, self.deadline = base, deadline
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = []
        self.completed = Counter()  # task kind -> completions the server confirmed
        self.lost_claims = 0
        self.errors = []

    def request(self, method, session, path, data=None):
        started = time.monotonic()
        if method == "post":
            response = post(session, self.base, path, data, timeout=60)
        else:
            response = session.get(f"{self.base}{path}", timeout=60, allow_redirects=False)
        with self.lock:
            self.statuses[response.status_code] += 1
            self.latencies.append(time.monotonic() - started)
        return response

    def facilitator(self, user):
        session = login(requests.Session(), self.base, user.username)
        while time.monotonic() < self.deadline:
            inbox = self.request("get", session, "/tasks/inbox/")
            tasks = TASK_LINK.findall(inbox.text)
            if not tasks:
                time.sleep(0.3)
                continue
            for pk in tasks:
                if time.monotonic() >= self.deadline:
                    return
                done = self.request("post", session, f"/tasks/{pk}/", draft_post())
                if done.status_code == 302 and "/processes/" in done.headers["Location"]:
                    with self.lock:
                        self.completed["draft"] += 1

    def coordinator(self, user):
        """Second rounds come back to whoever returned the first: those first, then the queue."""
        session = login(requests.Session(), self.base, user.username)
        while time.monotonic() < self.deadline:
            inbox = TASK_LINK.findall(self.request("get", session, "/tasks/inbox/").text)
            if inbox:
                pk = inbox[0]
            else:
                queue = self.request("get", session, "/tasks/queue/")
                tasks = TASK_LINK.findall(queue.text)
                if not tasks:
                    time.sleep(0.3)
                    continue
                pk = random.choice(tasks)
                claim = self.request("post", session, f"/tasks/{pk}/claim/")
                if claim.status_code != 302 or not claim.headers["Location"].endswith(f"/{pk}/"):
                    with self.lock:
                        self.lost_claims += 1  # someone was faster: told, and back to the queue
                    continue
            data = {"decision": "return", "comment": "Revisar compromisos"}
            done = self.request("post", session, f"/tasks/{pk}/", data)
            if done.status_code == 302 and "/processes/" in done.headers["Location"]:
                with self.lock:
                    self.completed["review"] += 1

    def guarded(self, work, user):
        try:
            work(user)
        except Exception as error:  # a refused connection or a timeout fails the run
            with self.lock:
                self.errors.append(f"{user.username}: {error!r}")


def test_fifty_users_claim_and_complete_without_errors(redis_server, tmp_path, settings):
    began = time.monotonic()
    settings.PASSWORD_HASHERS = FAST_HASHER  # the server under load checks them with it
    coordinator = make_user("load_coord", "coordinator")
    facilitators, coordinators = _people(coordinator)
    source = connection.settings_dict["NAME"]
    target = f"{source}_load"
    _clone(source, target)
    url = database_url(target)
    env = service_env(
        redis_server.url,
        DATABASE_URL=url,
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="tests.reliability.load_settings",
    )
    try:
        with gunicorn(env, workers=2, threads=4) as base:
            run = Run(base, time.monotonic() + DURATION)
            threads = [
                threading.Thread(target=run.guarded, args=(run.facilitator, u))
                for u in facilitators
            ] + [
                threading.Thread(target=run.guarded, args=(run.coordinator, u))
                for u in coordinators
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=DURATION + 60)
            elapsed = time.monotonic() - started
        assert not any(t.is_alive() for t in threads), "the load did not stop by itself"

        requests_made = sum(run.statuses.values())
        completions = sum(run.completed.values())
        latencies = sorted(run.latencies)
        print(
            f"\nload: {USERS} users, {elapsed:.0f} s, {requests_made} requests "
            f"({requests_made / elapsed:.1f}/s), {completions} tasks completed "
            f"({completions / elapsed:.1f}/s: {dict(run.completed)}), {run.lost_claims} claims "
            f"lost to someone faster, latency median {statistics.median(latencies) * 1000:.0f} ms "
            f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, statuses "
            f"{dict(run.statuses)}"
        )
        assert not run.errors, run.errors[:5]
        assert not [code for code in run.statuses if code >= 500], dict(run.statuses)
        assert run.completed["draft"] > 0 and run.completed["review"] > 0

        with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
            done = conn.execute(
                "SELECT count(*) FROM workflows_task WHERE flow_task_type = 'HUMAN'"
                " AND status = 'DONE'"
            ).fetchone()[0]
            wrong = conn.execute(
                "SELECT t.id, count(e.id) FROM workflows_task t LEFT JOIN workflows_auditevent e"
                " ON e.task_id = t.id AND e.action = 'task.completed'"
                " WHERE t.flow_task_type = 'HUMAN' GROUP BY t.id, t.status"
                " HAVING count(e.id) <> CASE WHEN t.status = 'DONE' THEN 1 ELSE 0 END"
            ).fetchall()
        assert done == completions  # every completion the server confirmed, and no other
        assert wrong == [], f"tasks without exactly one completion event: {wrong[:5]}"
        verified = manage(env, "verify_audit_chain")
        assert verified.returncode == 0, verified.stderr
        print(verified.stdout.strip(), f"(whole test {time.monotonic() - began:.0f} s)")
    finally:
        connections.close_all()
        admin = database_url("postgres").replace("postgres://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
