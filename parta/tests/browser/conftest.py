"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Fixtures and helpers for tests marked ``browser``:

- ``browser_page``: a fresh Playwright page (sync API) in its own context, Russian locale,
  1280×800; every request to a host other than the live server is blocked and fails the test
  (schools run on closed networks; pages load nothing from elsewhere).
- ``check_accessibility(page)``: axe-core (WCAG 2.1 A/AA) on the page; fails on any
  "serious" or "critical" violation with a readable list.
- ``sign_in(page, live_server, username, password)``: through the real sign-in form.
- ``screenshot(page, name)``: a PNG in ``var/screenshots/`` for a person to look at.

Chromium is ``PARTA_CHROMIUM`` (environment, else settings; Debian's ``/usr/bin/chromium``),
never a browser downloaded by Playwright. Without Chromium or axe-core the tests skip with the
reason, except under ``CI``, where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; the ORM calls the fixtures and
# the live server's setup make from the same thread would otherwise be refused.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str:
    return os.environ.get("PARTA_CHROMIUM") or settings.PARTA_CHROMIUM


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    problems = []
    if not Path(chromium_path()).is_file():
        problems.append(
            f"Chromium not found at {chromium_path()} (install Debian's 'chromium' or set "
            "PARTA_CHROMIUM)"
        )
    if not AXE_PATH.is_file():
        problems.append(f"axe-core not found at {AXE_PATH} (run 'npm ci')")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the 'playwright' Python package is not installed")
    return "; ".join(problems) or None


def _require_tools() -> None:
    reason = missing_tools()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs the browser test tools: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    _require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any, live_server: Any) -> Iterator[Any]:
    own_host = urlsplit(live_server.url).netloc
    context = chromium.new_context(viewport=DESKTOP, locale="ru-RU")
    foreign: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own_host or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not foreign, f"Pages tried to load from other hosts: {sorted(set(foreign))}"


def check_accessibility(page: Any) -> None:
    """Run axe-core (WCAG 2.1 A and AA) on the page; fail on serious or critical findings."""
    page.add_script_tag(path=str(AXE_PATH))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if not blocking:
        return
    lines = [f"Accessibility violations on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node.get('failureSummary', '').splitlines()[-1:]}")
    pytest.fail("\n".join(lines), pytrace=False)


def sign_in(page: Any, live_server: Any, username: str, password: str) -> None:
    """Sign in through the real form; returns on the page the site sends the person to."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name='login']", username)
    password_field = page.locator("input[name='password']")
    password_field.fill(password)
    password_field.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG under var/screenshots/ and return its path."""
    directory = Path(settings.VAR_DIR) / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
