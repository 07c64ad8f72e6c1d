"""Login settings (ACC-8) and two-factor sign-in (MFA) in a real browser, on a 360 px phone
and a desktop: a new phone confirmed by the SMS code, the name, the sessions, turning on the
authenticator app and signing in with its code; a director requiring it of staff. Every page
on the way passes axe-core.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache

from parta.conftest import PASSWORD
from parta.security.tests.sms_server import smsru_server  # noqa: F401  (fixture)
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def visit(page, name: str, *, wide: bool = True) -> None:
    """axe on the page, and screenshots at phone width (and desktop)."""
    check_accessibility(page)
    page.set_viewport_size(PHONE)
    screenshot(page, f"security-{name}-360")
    if wide:
        page.set_viewport_size(DESKTOP)
        screenshot(page, f"security-{name}-desktop")
    page.set_viewport_size(PHONE)


def test_parent_confirms_phone_changes_name_and_turns_on_two_factor(
    browser_page,
    live_server,
    cast,
    smsru_server,  # noqa: F811  (the fixture imported above)
):
    cache.clear()
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)

    page.goto(f"{live_server.url}/settings/")
    assert page.get_by_role("heading", name="Настройки входа").is_visible()
    assert page.get_by_text("Это устройство").is_visible()
    visit(page, "settings")

    # A new phone: a badly typed number first, then the right one and the code from the SMS.
    page.get_by_role("link", name="Сменить номер").click()
    page.get_by_label("Новый номер телефона").fill("12345")
    page.get_by_role("button", name="Получить код").click()
    assert page.get_by_text("10 цифр после +7").is_visible()
    assert page.get_by_label("Новый номер телефона").input_value() == "12345"
    visit(page, "phone-error", wide=False)
    page.get_by_label("Новый номер телефона").fill("+7 900 111-22-33")
    page.get_by_role("button", name="Получить код").click()
    page.wait_for_url(re.compile(r"/settings/phone/confirm/$"))
    visit(page, "phone-confirm")
    code = re.search(r"\b(\d{6})\b", smsru_server.last_text).group(1)
    page.get_by_label("Код из SMS").fill(code)
    page.get_by_role("button", name="Подтвердить номер").click()
    page.wait_for_url(re.compile(r"/settings/$"))
    assert page.get_by_text("+7 900 111-22-33 подтверждён").is_visible()

    # The name.
    page.get_by_role("link", name="Изменить имя").click()
    page.get_by_label("Фамилия").fill("Иванова")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(re.compile(r"/settings/$"))
    page.goto(f"{live_server.url}/settings/name/")
    assert page.get_by_text("Петрова Анна Сергеевна").is_visible()
    visit(page, "name", wide=False)

    # The authenticator app: the password again, the QR code, a code from the app.
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Включить").click()
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    check_accessibility(page)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url(re.compile(r"/totp/activate/"))
    visit(page, "totp-activate")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "").strip()
    page.get_by_label("Код из приложения").fill(
        "000000" if totp_code(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Включить").click()
    assert page.get_by_text("Код не подошёл").is_visible()
    check_accessibility(page)
    page.get_by_label("Код из приложения").fill(totp_code(secret))
    page.get_by_role("button", name="Включить").click()
    page.wait_for_url(re.compile(r"/recovery-codes/"))
    visit(page, "recovery-codes")
    page.get_by_role("link", name="Готово, коды сохранены").click()
    assert page.get_by_text("Включён").is_visible()

    # Signing in again asks for the code.
    page.goto(f"{live_server.url}/accounts/logout/")
    page.get_by_role("button", name="Выйти").last.click()
    cache.clear()  # the code just used may be typed again in this half-minute
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name='login']", cast.parent.username)
    page.fill("input[name='password']", PASSWORD)
    page.locator("input[name='password']").press("Enter")
    page.wait_for_url(re.compile(r"/2fa/authenticate/"))
    visit(page, "mfa-authenticate")
    page.get_by_label("Код").fill(totp_code(secret))
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"/parent/$"))


def test_director_requires_two_factor_and_a_teacher_is_sent_to_set_it_up(
    browser_page, live_server, cast
):
    cache.clear()
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.director.username, PASSWORD)
    page.goto(f"{live_server.url}/settings/organizations/")
    visit(page, "policies")
    page.get_by_role("link", name=re.compile(r"^Изменить\s*:\s*Школа № 1")).first.click()
    page.get_by_label("Сотрудники входят с кодом из приложения-аутентификатора").check()
    visit(page, "policy-edit", wide=False)
    page.get_by_role("button", name="Сохранить").click()
    # The rule binds the director too: the authenticator app first.
    page.wait_for_url(re.compile(r"/settings/two-factor/required/$"))
    assert page.get_by_role("listitem").filter(has_text="Школа № 1").is_visible()

    page.context.clear_cookies()
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/class/")
    page.wait_for_url(re.compile(r"/settings/two-factor/required/$"))
    visit(page, "mfa-required")
