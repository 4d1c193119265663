"""Real processes for the fault tests: a Redis server of our own, gunicorn, Celery workers.

Each is started on a spare local port by the test that needs it and stopped by it;
none is mocked. A missing binary makes the test fail, not skip.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def spare_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def database_url(name=None):
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{name or settings['NAME']}"
    )


class RedisServer:
    """A ``redis-server`` of the test's own, which it can stop and start again."""

    def __init__(self, workdir):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("These tests need the redis-server binary (apt-get install redis-server)")
        self.binary, self.workdir = binary, workdir
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self.ping, 10):
            pytest.fail(f"redis-server did not start on port {self.port}")

    def ping(self):
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def service_env(redis_url, **extra):
    """The environment of a process serving the test database with our own Redis."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "DB_CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "pagg.settings",
        **extra,
    }


def manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_worker(env):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pagg",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process, sig=signal.SIGTERM, timeout=20):
    """Signal a process group we started, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(env, workers=2, threads=1, log=None):
    """gunicorn on a spare local port; yields its base URL once it answers."""
    port = spare_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pagg.wsgi",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{base}/accounts/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return process.poll() is not None  # died: stop waiting

    try:
        if not wait_for(answers, 60) or process.poll() is not None:
            pytest.fail("gunicorn did not start")
        yield base
    finally:
        stop(process)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(session, base, username, password="pw"):
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = CSRF.search(page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login of {username} failed: {response.status_code}"
    return session


def post(session, base, path, data=None, **kwargs):
    """A form post with the session's CSRF token, as the browser sends it."""
    data = dict(data or {})
    data["csrfmiddlewaretoken"] = session.cookies.get("csrftoken")
    kwargs.setdefault("timeout", 30)
    kwargs.setdefault("allow_redirects", False)
    return session.post(f"{base}{path}", data, **kwargs)


@contextlib.contextmanager
def broker(url):
    """This process publishes to ``url`` (not eagerly) inside the block."""
    from pagg.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._after_fork()  # drop pooled connections to the previous broker
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        app._after_fork()
