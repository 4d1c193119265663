"""The OpenAPI schema fuzzed by schemathesis against a running server.

The test seeds its own data in the test database (committed: the server is another
process), starts gunicorn on a free local port against that database, and runs
schemathesis' command line on ``/api/schema/`` as an anonymous caller and as a
municipal officer with an API token: no server error, every response as the
schema says (body and status code). The run is bounded by a fixed number of
examples, a fixed seed and a time budget; the report lands in the test's tmp folder.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from finance import services as finance
from tests.conftest import api_key

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url():
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail("The API fuzzing runs a server on PostgreSQL: set DATABASE_URL=postgres://...")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": "",  # background work runs in the request: no worker here
        "DJANGO_SETTINGS_MODULE": "pagg.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DB_CONN_MAX_AGE": "0",
    }
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "pagg.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/schema/", timeout=30).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def schemathesis(base, tmp_path, name, *extra):
    report = tmp_path / name
    command = [
        str(BIN / "st"), "run", f"{base}/api/schema/",
        "--checks", CHECKS,
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", "20261125",
        "--max-time", "35",
        "--request-timeout", "20",
        "--workers", "1",  # CPython 3.11 ast.parse is not thread-safe (hypothesis calls it)
        "--no-color",
        "--report", "junit", "--report-dir", str(report),
        *extra,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=80)
    return result


def test_the_api_answers_as_its_schema_says(
    server, tmp_path, officer_a, officer_b, period, member_a, member_b, facilitator_b
):
    from tests.conftest import make_user
    from tests.finance.test_public import publish
    from workflows.roles import Role

    token = api_key(officer_a)
    finance.current_submission(member_a, period)  # open, for uploads
    specialist = make_user("esp", Role.SPECIALIST)
    publish(member_b, period, officer_b, facilitator_b, specialist)  # lines and indicators
    started = time.monotonic()
    outcome = schemathesis(server, tmp_path, "officer", "-H", f"Authorization: Token {token}")
    assert outcome.returncode == 0, outcome.stdout[-6000:] + outcome.stderr[-2000:]
    assert "passed" in outcome.stdout
    assert time.monotonic() - started < 90
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-4000:]
