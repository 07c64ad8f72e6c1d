"""ACC-4 end to end in a real browser against a real OpenID Connect provider: the sign-in
page's "Войти через Госуслуги" → the provider's sign-in page → Parta asks for the account's
password once → the parent's home; the next portal sign-in opens the account directly. The
school's queue of link requests and the person's list of linked sign-ins. Every Parta page on
the way passes axe-core (the provider's page is not Parta's and is not checked).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from parta.conftest import PASSWORD
from parta.esia import services
from parta.esia.models import EsiaLink
from parta.esia.oidc import Identity
from parta.esia.tests.conftest import esia, provider  # noqa: F401  (fixtures)
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _let_the_provider_in(page: Any, provider_url: str) -> None:
    """The provider is another host: let the browser reach it (its page asks a stylesheet from
    a CDN, answered here with an empty one so that nothing leaves this machine)."""
    context = page.context
    context.route(f"{provider_url}/**", lambda route: route.continue_())
    context.route(
        "https://cdn.jsdelivr.net/**",
        lambda route: route.fulfill(status=200, body="", content_type="text/css"),
    )


def _portal_sign_in(page: Any, sub: str) -> None:
    """At the provider's page: type the subject and authorize."""
    page.wait_for_url(lambda url: "/oauth2/authorize" in url)
    page.fill("input[name='sub']", sub)
    page.get_by_role("button", name="Authorize").click()


def test_parent_links_gosuslugi_by_password_then_signs_in_directly(
    browser_page,
    live_server,
    cast,
    esia,  # noqa: F811
):
    """ACC-4: first portal sign-in links by the Parta password, the next one is direct."""
    page = browser_page
    _let_the_provider_in(page, esia.url)
    esia.set_user("esia-anna", family_name="Петрова", given_name="Анна", middle_name="Сергеевна")

    page.goto(f"{live_server.url}/accounts/login/")
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    screenshot(page, "esia-login-button-phone")
    page.get_by_role("link", name="Войти через Госуслуги").click()
    _portal_sign_in(page, "esia-anna")

    page.wait_for_url(lambda url: urlsplit(url).path == "/esia/link/")
    assert page.get_by_text("Петрова Анна Сергеевна").count() == 1
    check_accessibility(page)
    screenshot(page, "esia-link-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "esia-link-desktop")

    # A wrong password first: the error is said, the login stays typed.
    page.fill("#id_password-login", cast.parent.username)
    page.fill("#id_password-password", "not-my-password")
    page.get_by_role("button", name="Войти и связать").click()
    assert page.get_by_text("Неверный логин или пароль").count() == 1
    assert page.input_value("#id_password-login") == cast.parent.username
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    screenshot(page, "esia-link-error-phone")

    page.fill("#id_password-password", PASSWORD)
    page.get_by_role("button", name="Войти и связать").click()
    page.wait_for_url(lambda url: "/esia/" not in url)
    assert EsiaLink.objects.filter(user=cast.parent, subject="esia-anna").exists()
    check_accessibility(page)

    page.goto(f"{live_server.url}/esia/links/")
    assert page.get_by_text("Госуслуги: Петрова Анна").count() == 1
    check_accessibility(page)
    screenshot(page, "esia-links-phone")

    # Signed out, the portal opens the account straight away.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Войти через Госуслуги").click()
    _portal_sign_in(page, "esia-anna")
    page.wait_for_url(lambda url: "/esia/" not in url and "/oauth2/" not in url)
    page.goto(f"{live_server.url}/esia/links/")
    assert page.get_by_text("Госуслуги: Петрова Анна").count() == 1


def test_school_queue_and_request_page(browser_page, live_server, cast, esia):  # noqa: F811
    """ACC-4: a request the director sees, confirms, and the person's page before that."""
    cast.parent.snils = "11223344595"
    cast.parent.save(update_fields=["snils"])
    identity = Identity(
        issuer=esia.issuer,
        subject="esia-anna",
        last_name="Петрова",
        first_name="Анна",
        middle_name="Сергеевна",
        snils="11223344595",
    )
    services.link_request_create(identity=identity, message="Мама Миши Петрова из 5А")
    page = browser_page
    sign_in(page, live_server, cast.director.username, PASSWORD)
    page.goto(f"{live_server.url}/esia/requests/")
    assert page.get_by_text("Мама Миши Петрова из 5А").count() == 1
    check_accessibility(page)
    screenshot(page, "esia-queue-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "esia-queue-phone")
    # Rejecting without a reason keeps the page and says what is missing.
    page.get_by_role("button", name="Отклонить").click()
    assert page.get_by_text("Напишите причину отказа").count() >= 1
    check_accessibility(page)
    page.get_by_role("button", name="Подтвердить связь").click()
    page.wait_for_url(lambda url: url.endswith("/esia/requests/"))
    assert page.get_by_text("Связь подтверждена").count() == 1
    check_accessibility(page)
    assert EsiaLink.objects.get(subject="esia-anna").user == cast.parent
