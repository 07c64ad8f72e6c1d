"""NTF-3 in a real browser: the installable web app and push on the settings page.

A parent on a 360 px phone opens the notification settings: the page links the manifest
(served as ``application/manifest+json``, name «Парта», standalone), the service worker
registers for the whole site (``navigator.serviceWorker.ready`` on the live server, which is
a secure context as localhost), and the page says whether this browser receives push
notifications, with the button to switch them on; the push column is there. With the network
gone, a page opens as the offline page. Without JavaScript the page says plainly that push
is not available in this browser. axe-core on every page; screenshots at PHONE and DESKTOP.

A real subscription needs the browser vendor's push service on the internet, which tests do
not reach: the wire format is checked against a local push service instead
(``parta/core/tests/test_webpush.py``, ``parta/notifications/tests/test_push.py``).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from parta.conftest import PASSWORD
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.PARTA_VAPID_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.PARTA_VAPID_PUBLIC_KEY = ""
    settings.PARTA_VAPID_SUBJECT = "mailto:operator@parta.test"


def test_parent_finds_push_and_an_installable_app_on_a_phone(
    browser_page, live_server, cast, vapid
) -> None:
    page = browser_page
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/inbox/settings/")

    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    assert page.locator('meta[name="theme-color"]').get_attribute("content") == "#0b5cad"
    content_type, manifest = page.evaluate(
        "async (url) => { const r = await fetch(url);"
        " return [r.headers.get('content-type'), await r.json()]; }",
        href,
    )
    assert content_type.startswith("application/manifest+json")
    assert manifest["name"] == "Парта" and manifest["display"] == "standalone"

    scope, script = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready;"
        " return [r.scope, r.active && r.active.scriptURL]; }"
    )
    assert scope == f"{live_server.url}/"
    assert script == f"{live_server.url}/sw.js"

    state = page.locator("#push-state")
    page.wait_for_function(
        "() => document.getElementById('push-state').textContent.includes('получает')"
    )
    assert state.inner_text() == "Этот браузер получает push-уведомления: нет."
    assert page.get_by_role("button", name="Включить в этом браузере").is_visible()
    assert not page.get_by_role("button", name="Отключить в этом браузере").is_visible()
    assert page.get_by_role("columnheader", name="Push-уведомления").first.is_visible()
    assert page.get_by_label("Новая оценка — push-уведомления (", exact=False).first.is_checked()
    screenshot(page, "ntf3-push-settings-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)

    page.set_viewport_size(DESKTOP)
    check_accessibility(page)
    screenshot(page, "ntf3-push-settings-desktop")

    # No network: a page opens as the offline page the service worker keeps.
    page.context.set_offline(True)
    try:
        page.goto(f"{live_server.url}/diary/")
        assert page.get_by_role("heading", name="Нет связи").is_visible()
        check_accessibility(page)
        screenshot(page, "ntf3-offline-desktop")
    finally:
        page.context.set_offline(False)


def test_without_javascript_the_page_says_push_is_not_available(
    chromium, live_server, cast, vapid
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="ru-RU", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, cast.parent.username, PASSWORD)
        page.goto(f"{live_server.url}/inbox/settings/")
        assert (
            page.locator("#push-state")
            .inner_text()
            .startswith("Push-уведомления в этом браузере недоступны")
        )
        assert not page.get_by_role("button", name="Включить в этом браузере").is_visible()
        screenshot(page, "ntf3-push-settings-no-javascript-phone")
    finally:
        context.close()
