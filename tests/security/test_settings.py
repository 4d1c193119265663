"""Production settings pass Django's deploy checks; every HTML page carries a CSP."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "pagg.production",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "pagg.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://pagg.example.org",
            "DATABASE_URL": "postgres://pagg@db.example.org:5432/pagg",
            "REDIS_URL": "redis://redis.example.org:6379/0",
        }
    )
    env.update(extra)
    return env


def run(code, env):
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_deploy_checks_are_clean():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_hardening_values():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.X_FRAME_OPTIONS, "
        "s.SECURE_REFERRER_POLICY, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY)"
    )
    result = run(["-c", script], production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "31536000",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "DENY",
        "same-origin",
        "True",
        "True",
    ]


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def csp(response):
    header = response["Content-Security-Policy"]
    return dict((part.split()[0], part.split()[1:]) for part in header.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "login",
        "knowledge:library",
        "finance:public_index",
        "finance:compare",
        "networks:network_list",
    ],
)
def test_public_html_pages_carry_the_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    script = policy["script-src"]
    assert script == ["'self'"]  # a nonce is added only to a page that uses one


def inline_code(html):
    """Inline scripts (other than JSON data blocks) and event-handler attributes."""
    found = []
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        if "src=" not in attrs and body.strip() and "application/json" not in attrs:
            if "nonce=" not in attrs:
                found.append(body.strip()[:80])
    found += re.findall(r"<[^>]+\son[a-z]+\s*=", html)
    found += re.findall(r"""(?:href|src)\s*=\s*["']\s*javascript:""", html, re.I)
    return found


@pytest.mark.django_db
def test_signed_in_pages_carry_the_policy_and_no_inline_script(client, coordinator):
    client.force_login(coordinator)
    for name in (
        "workflows:home",
        "workflows:inbox",
        "workflows:process_list",
        "finance:period_list",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert "data-autosubmit" in html  # the language switcher works without inline code
        assert inline_code(html) == [], name


def test_no_template_has_inline_script_or_handlers():
    """Templates are checked at the source, so a page no test opens cannot slip through."""
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "/email/" in str(path):
            continue  # e-mails are not served pages
        for found in inline_code(text):
            offenders.append(f"{path.relative_to(ROOT)}: {found}")
    assert offenders == []
