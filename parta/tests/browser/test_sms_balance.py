"""NTF-2 in a real browser: a parent on a 360 px phone follows the inbox's "no SMS balance"
message to the SMS balance, types a wrong amount (refused, kept), tops up by keyboard (the
demo payment provider) and sees the balance and the ledger; then the page on a desktop.
axe-core on every page; screenshots at PHONE and DESKTOP sizes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from parta.conftest import PASSWORD
from parta.notifications import balance
from parta.notifications.models import Notification
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parent_tops_up_the_sms_balance_on_a_phone(browser_page, live_server, cast) -> None:
    Notification.objects.create(
        recipient=cast.parent,
        kind="sms_no_balance",
        title="SMS не отправлено: на SMS-балансе не хватает денег",
        url=balance.SMS_BALANCE_URL,
        key="sms_no_balance:test",
    )
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/inbox/")
    page.get_by_role("link", name="SMS не отправлено: на SMS-балансе не хватает денег").click()
    page.wait_for_url("**/inbox/sms/")
    assert page.get_by_role("heading", name="SMS-баланс", exact=True).is_visible()
    assert page.get_by_text("Движений пока нет").is_visible()
    check_accessibility(page)
    screenshot(page, "ntf2-sms-balance-empty-phone")

    amount = page.get_by_label("Сумма пополнения")
    amount.fill("10")
    amount.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_text("Сумма пополнения — от 50 до 5").is_visible()
    assert page.get_by_label("Сумма пополнения").input_value() == "10"
    check_accessibility(page)
    screenshot(page, "ntf2-sms-balance-refused-phone")

    page.get_by_label("Сумма пополнения").fill("300")
    page.get_by_role("button", name="Перейти к оплате").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/sms/")
    assert page.get_by_text("SMS-баланс пополнен на 300,00").is_visible()
    assert page.locator(".sms-balance").inner_text().startswith("300,00")
    assert page.get_by_role("cell", name="+300,00 ₽").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)
    screenshot(page, "ntf2-sms-balance-topped-up-phone")
    assert balance.balance_of(cast.parent) == Decimal("300.00")

    balance.sms_debit(person=cast.parent, amount=Decimal("3"), reference="n:1")
    page.set_viewport_size(DESKTOP)
    page.reload()
    assert re.search(r"297,00", page.locator(".sms-balance").inner_text())
    assert page.get_by_text("Хватит примерно на 99 SMS").is_visible()
    check_accessibility(page)
    screenshot(page, "ntf2-sms-balance-desktop")


def test_parent_chooses_notifications_by_keyboard(browser_page, live_server, cast) -> None:
    """NTF-1: the settings page on a phone, ticks set by keyboard, saved and shown again."""
    parent = cast.parent
    parent.email = "mama@example.ru"
    parent.save()
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, parent.username, PASSWORD)
    page.goto(f"{live_server.url}/inbox/")
    page.get_by_role("link", name="Настройки уведомлений").click()
    page.wait_for_url("**/inbox/settings/")
    check_accessibility(page)
    screenshot(page, "ntf1-settings-phone")
    box = page.get_by_label(re.compile(r"^Новая оценка — SMS \("))
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    page.get_by_label("Тихие часы с").fill("21:00")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    assert page.get_by_text("Настройки уведомлений сохранены.").is_visible()
    assert page.get_by_label(re.compile(r"^Новая оценка — SMS \(")).is_checked()
    assert page.get_by_label("Тихие часы с").input_value() == "21:00"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    check_accessibility(page)
    screenshot(page, "ntf1-settings-desktop")
