"""MSG-1, MSG-2 in a real browser. A parent on a 360 px phone writes to the class teacher:
the recipient is found by typing a name and chosen with the keyboard (the combobox), a PDF is
attached, the message is sent; the class teacher sees the badge, reads and answers on a
desktop, and the parent sees the answer and that her message was read. The class teacher
announces a meeting to the parents of the class. axe-core on every page; screenshots at
PHONE and DESKTOP sizes."""

from __future__ import annotations

import pytest

from parta.conftest import PASSWORD
from parta.messaging.models import Announcement, Attachment, Message
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sign_out(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()


def test_a_parent_writes_to_the_class_teacher_by_keyboard(
    browser_page, live_server, cast, tmp_path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/messages/")
    assert page.get_by_text("Переписок пока нет").is_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Новое сообщение").click()
    page.wait_for_url("**/messages/new/")

    search = page.get_by_role("combobox", name="Найти по ФИО")
    search.press_sequentially("смирн", delay=30)
    option = page.get_by_role("option", name="Смирнова Ольга Петровна")
    option.wait_for()
    check_accessibility(page)
    screenshot(page, "msg1-recipient-suggestions-phone")
    search.press("ArrowDown")
    search.press("Enter")
    chip = page.locator(".recipient-chip")
    assert chip.inner_text().startswith("Смирнова Ольга Петровна")
    assert "классный руководитель 5А" in chip.inner_text()
    assert search.input_value() == ""

    page.get_by_label("Тема").fill("Справка")
    page.get_by_label("Сообщение").fill("Миша болел в среду, справка во вложении.")
    scan = tmp_path / "spravka.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("Файлы").set_input_files(str(scan))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)
    screenshot(page, "msg1-new-message-phone")
    page.get_by_role("button", name="Отправить", exact=True).click()
    page.wait_for_url("**/messages/*/")
    assert page.get_by_text("Сообщение отправлено.").is_visible()
    assert page.get_by_role("link", name="spravka.pdf").is_visible()
    assert page.get_by_text("Ещё не прочитано").is_visible()
    check_accessibility(page)
    screenshot(page, "msg1-conversation-phone")
    assert Attachment.objects.get().name == "spravka.pdf"

    _sign_out(page, live_server)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    badge = page.get_by_role("link", name="Сообщения: 1 непрочитанная переписка")
    assert badge.is_visible()
    badge.click()
    page.wait_for_url("**/messages/")
    check_accessibility(page)
    screenshot(page, "msg1-conversations-desktop")
    page.get_by_role("link", name="Петрова А. С.").click()
    page.wait_for_url("**/messages/*/")
    page.get_by_role("textbox", name="Ответ").fill("Спасибо, поправляйтесь!")
    page.get_by_role("button", name="Отправить").click()
    page.wait_for_url("**/messages/*/#last")
    assert page.get_by_text("Спасибо, поправляйтесь!").is_visible()
    check_accessibility(page)
    screenshot(page, "msg1-conversation-desktop")
    assert Message.objects.count() == 2

    _sign_out(page, live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/messages/")
    page.locator(".conversation-link").first.click()
    page.wait_for_url("**/messages/*/")
    page.wait_for_load_state()
    assert page.get_by_text("Спасибо, поправляйтесь!").is_visible()
    assert page.get_by_text("Прочитано: Смирнова О. П.").is_visible()


def test_a_class_teacher_announces_a_meeting(browser_page, live_server, cast) -> None:
    """MSG-2: the form keeps what was typed when the class is missing, then sends."""
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/messages/announcements/new/")
    check_accessibility(page)
    page.get_by_label("родители класса").check()
    page.get_by_label("Заголовок").fill("Родительское собрание")
    page.get_by_label("Текст объявления").fill("В четверг в 18:30, кабинет 12.")
    page.get_by_role("button", name="Отправить объявление").click()
    page.wait_for_url("**/messages/announcements/*/")
    assert page.get_by_text("Объявление отправлено: 1 получатель.").is_visible()
    check_accessibility(page)
    screenshot(page, "msg2-announcement-desktop")
    assert Announcement.objects.get().recipients == 1

    _sign_out(page, live_server)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/messages/announcements/")
    assert page.get_by_role("link", name="Родительское собрание").is_visible()
    check_accessibility(page)
    screenshot(page, "msg2-announcements-phone")
