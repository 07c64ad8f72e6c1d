"""JRN-9 in a real browser: the class teacher opens the class's statistics from their home,
then the need-attention list, ticks two students and writes to their parents; a second
click the same day sends nothing again; the teacher opens a conversation with one student's
parents, the message written; the parent reads the message in the inbox. The teacher's own
journal statistics too. Every page
passes axe-core at desktop width and on a 360 px phone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from parta.conftest import PASSWORD
from parta.journal.tests.fixtures import make_journal
from parta.journal.tests.statistics_data import make_stats_data
from parta.notifications.models import Notification
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

# The grade types' catalogue comes from a data migration: keep it across the flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _both_widths(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(DESKTOP)
    check_accessibility(page)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    check_accessibility(page)
    # Wide tables scroll inside their box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_jrn9_class_teacher_reads_the_statistics_and_writes_to_parents(
    browser_page, live_server, cast
) -> None:
    page = browser_page
    data = make_stats_data(make_journal(cast))
    weak_parent = data.weak.guardians.get().guardian

    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/class/")
    page.get_by_role("link", name="Статистика класса 5А").click()
    page.wait_for_url("**/journal/stats/class/*/")
    expect(page.get_by_role("heading", name="Статистика класса 5А")).to_be_visible()
    matrix = page.get_by_role("region", name="Средние баллы учеников по предметам")
    expect(matrix.get_by_role("rowheader", name="Петров М. И.")).to_be_visible()
    expect(matrix).to_contain_text("4,10")
    _both_widths(page, "stats-class")

    # Another term: the numbers are those of term 1 (the closed one).
    page.get_by_label("Учебный период").select_option(str(data.journal.term1.pk))
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url(f"**?term={data.journal.term1.pk}")
    expect(page.get_by_text("завершён")).to_be_visible()
    page.go_back()

    page.get_by_role("link", name="Нужно внимание:").click()
    page.wait_for_url("**/attention/**")
    expect(page.get_by_role("heading", name="Нужно внимание: класс 5А")).to_be_visible()
    expect(page.get_by_text("Математика: средний балл 2,33 — ниже 3")).to_be_visible()
    _both_widths(page, "stats-class-attention")

    # Tick both students: the bar counts them; write to their parents.
    page.get_by_label("Отметить: Петров Миша").check()
    page.get_by_label("Отметить: Алексеев Егор").check()
    bar = page.locator("[data-selection-for=students]")
    expect(bar).to_contain_text("2")
    bar.get_by_role("button", name="Написать родителям отмеченных").click()
    expect(
        page.get_by_text("Сообщение отправлено в Парте 2 родителям (учеников: 2).")
    ).to_be_visible()
    assert set(
        Notification.objects.filter(kind="attention").values_list("recipient_id", flat=True)
    ) == {cast.parent.pk, weak_parent.pk}
    expect(page.get_by_text("сегодня уже написали").first).to_be_visible()
    _both_widths(page, "stats-class-attention-sent")

    # The row's own button again, on a phone: nothing is sent twice.
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Написать родителям: Петров Миша").click()
    expect(page.get_by_text("сегодня уже написали: повторно")).to_be_visible()
    assert Notification.objects.filter(kind="attention").count() == 2
    page.set_viewport_size(DESKTOP)

    # The teacher's own journal: 5А Mathematics, per student.
    page.goto(f"{live_server.url}/journal/stats/")
    _both_widths(page, "stats-index")
    page.get_by_role("link", name="5А · Математика").click()
    page.wait_for_url("**/journal/stats/*/*/")
    table = page.get_by_role("region", name="Статистика по ученикам")
    expect(table.get_by_role("row").filter(has_text="Петров")).to_contain_text("−1,33")
    _both_widths(page, "stats-journal")
    page.get_by_role("link", name="Нужно внимание:").click()
    expect(page.get_by_role("heading", name="Нужно внимание: 5А, Математика")).to_be_visible()
    page.get_by_text("Кто попадает в этот список").click()
    page.get_by_text("Что получат родители").click()
    expect(page.get_by_text("Нужно внимание: Алексеев Егор, Математика")).to_be_visible()
    _both_widths(page, "stats-journal-attention")

    message = Notification.objects.get(kind="attention", recipient=cast.parent)
    assert message.child_id == cast.student.pk

    # A conversation with one student's parents: the message is written, the teacher sends it.
    page.get_by_role("link", name="Переписка с родителями: Петров Миша").click()
    page.wait_for_url("**/messages/new/**")
    chosen = page.get_by_role("list", name="Выбранные получатели")
    expect(chosen).to_contain_text(cast.parent.last_name)
    expect(page.get_by_label("Тема")).to_have_value("Нужно внимание: Петров Миша, Математика")
    expect(page.get_by_label("Сообщение")).to_have_value(
        re.compile("просит обратить внимание на учёбу по предмету «Математика»")
    )
    _both_widths(page, "stats-attention-conversation")
    page.get_by_role("button", name="Отправить", exact=True).click()
    expect(page.get_by_text("Сообщение отправлено.")).to_be_visible()

    # The parent finds it in their inbox, in words, with the numbers.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.get_by_text("Нужно внимание: Петров Миша").first).to_be_visible()
    expect(page.get_by_text("Предметы, где нужна помощь: Математика").first).to_be_visible()
    # And the teacher's conversation, to answer.
    page.goto(f"{live_server.url}/messages/")
    expect(page.get_by_text("Нужно внимание: Петров Миша, Математика")).to_be_visible()
    page.get_by_role("link", name=cast.class_teacher.short_name).click()
    expect(page.get_by_text("просит обратить внимание на учёбу").first).to_be_visible()
    page.get_by_role("textbox", name="Ответ").fill("Спасибо, позанимаемся.")
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_text("Спасибо, позанимаемся.")).to_be_visible()
