"""Browser fixtures: Debian's Chromium driven by Playwright, and a screenshot of every open
page when a test fails (written to ``test-artifacts/``, git-ignored, path printed)."""

import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node):
    return any(
        getattr(getattr(node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture
def browser(request, monkeypatch):
    import os

    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"The browser tests need Debian's chromium at {CHROMIUM} (make browser).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test
    # makes between page actions are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield instance
        finally:
            if _failed(request.node):
                _screenshots(request.node, instance)
            instance.close()
            # While Playwright's sync API is active, the test's ORM calls run in another
            # context (its greenlet) and so open a connection of their own, which
            # pytest-django never closes: dropping the test database then fails with
            # "being accessed by other users". Close it here, in that same context.
            from django.db import connections

            connections.close_all()


def _screenshots(node, instance):
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", node.nodeid)
    pages = [page for context in instance.contexts for page in context.pages]
    for number, page in enumerate(pages, 1):
        path = ARTIFACTS / f"{stem}-{number}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            print(f"\nCould not take a screenshot of {page.url}: {error}")
            continue
        print(f"\nScreenshot of the failed test ({page.url}): {path}")


def login(page, base, username, password="pw"):
    from django.urls import reverse

    page.goto(f"{base}{reverse('login')}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
