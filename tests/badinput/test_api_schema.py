"""The OpenAPI schema fuzzed by schemathesis against a running server.

The test seeds its own data in the test database (committed: the server is another
process), starts gunicorn on a free local port against that database, and runs
schemathesis' command line on ``/api/schema/`` with every check it has, three ways: as an
anonymous caller, as a municipal officer with an API token, and as the same officer
signed in through the login page (session cookie, CSRF token header). Every check must
pass: no server error; status codes, content types, headers and bodies as the schema
says; wrong data refused and right data accepted; credentials enforced where the schema
asks for them. The run is bounded by a fixed number of examples, a fixed seed and a time
budget; the report lands in the test's tmp folder.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests
from django.db import connection

from finance import services as finance

from .conftest import api_token

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


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
        # The rates have their own test (test_api_conformance); here they would turn the
        # fuzzing into a test of the throttle, every answer past the rate a 429.
        "API_THROTTLE_ANON": "none",
        "API_THROTTLE_USER": "none",
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


# One check widened for one operation: an upload whose lines are well-formed but whose
# content the finance checks refuse (an unknown classifier code, an unbalanced budget)
# answers 422 with the findings, as the schema documents. No JSON Schema can say which
# codes the classifier holds, so schema-valid data may rightly be refused there.
CONFIG = """
[[operations]]
include-path = "/api/finance/submissions/{id}/upload/"
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx",
]
"""


def schemathesis(base, tmp_path, name, *extra):
    report = tmp_path / name
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(BIN / "st"), "--config-file", str(config), "run", f"{base}/api/schema/",
        "--checks", "all",
        "--max-examples", str(MAX_EXAMPLES),
        "--seed", "20261125",
        "--max-time", "35",
        "--request-timeout", "20",
        "--workers", "1",  # CPython 3.11 ast.parse is not thread-safe (hypothesis calls it)
        "--no-color",
        "--report", "junit", "--report-dir", str(report),
        *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def session_headers(base, username, password="pw"):
    """Sign in through the login page, as a browser does; the cookie and CSRF header."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    response = session.post(
        f"{base}/accounts/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
        },
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    return ["-H", f"Cookie: {cookies}", "-H", f"X-CSRFToken: {session.cookies['csrftoken']}"]


@pytest.mark.parametrize("way", ["anonymous", "token", "session"])
def test_the_api_answers_as_its_schema_says(
    server, tmp_path, way, officer_a, officer_b, period, member_a, member_b, facilitator_b
):
    from tests.conftest import make_user
    from tests.finance.test_public import publish
    from workflows.roles import Role

    finance.current_submission(member_a, period)  # open, for uploads
    specialist = make_user("esp", Role.SPECIALIST)
    publish(member_b, period, officer_b, facilitator_b, specialist)  # lines and indicators
    if way == "token":
        keyword, key = api_token(officer_a)
        extra = ["-H", f"Authorization: {keyword} {key}"]
    elif way == "session":
        extra = session_headers(server, officer_a.username)
    else:
        extra = []
    started = time.monotonic()
    outcome = schemathesis(server, tmp_path, way, *extra)
    assert outcome.returncode == 0, outcome.stdout[-8000:] + outcome.stderr[-2000:]
    assert "passed" in outcome.stdout
    assert time.monotonic() - started < 80
    log = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in log, log[-4000:]
