"""JRN-1..3 and the inbox in a real browser: the director sets up the year and edits a slot
of 5А's week, then cancels a lesson; the class teacher writes homework with the editor's
toolbar (mouse and keyboard); a parent sees the cancellation and the homework in the inbox.
axe-core on every page, screenshots at desktop width and on a 360 px phone."""

from __future__ import annotations

import datetime
import re
from importlib import import_module

import pytest
from playwright.sync_api import expect

from parta.conftest import PASSWORD
from parta.journal.models import Lesson, ScheduleChange, TimetableEntry
from parta.journal.services.lessons import lessons_generate
from parta.journal.tests.fixtures import make_journal
from parta.notifications.models import Notification
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

# serialized_rollback: the catalogue's grade types come from a data migration, which the
# flush after a transactional test would otherwise take away from the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _catalogue(transactional_db):
    """The catalogue's grade types, as the data migration makes them.

    serialized_rollback does not bring them back here: Playwright's sync API switches the
    context, and Django's connection in it has no serialized copy of the database, so a
    transactional test that ran before leaves the table empty.
    """
    from django.apps import apps

    import_module("parta.journal.migrations.0002_history_append_only").catalogue(apps, None)


def _both_widths(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    check_accessibility(page)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    check_accessibility(page)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def _next_weekday(today: datetime.date, isoweekday: int) -> datetime.date:
    day = today + datetime.timedelta(days=1)
    while day.isoweekday() != isoweekday:
        day += datetime.timedelta(days=1)
    return day


def test_director_edits_the_week_cancels_a_lesson_teacher_writes_homework_parent_is_told(
    browser_page, live_server, cast
):
    page = browser_page
    journal = make_journal(cast)
    lessons_generate(
        school_class=cast.school_class, date_from=journal.today, date_to=journal.term2.ends_on
    )

    # --- the director: the year's hub, the terms page, the week's template ---
    sign_in(page, live_server, cast.director.username, PASSWORD)
    page.get_by_role("link", name="Расписание классов").first.click()
    page.wait_for_url(f"**/timetable/school/{cast.school.pk}/")
    expect(page.get_by_role("heading", name="Учебный год и расписание")).to_be_visible()
    _both_widths(page, "jrn1-school-year")
    page.get_by_role("link", name="Учебные периоды").first.click()
    page.wait_for_url("**/terms/")
    _both_widths(page, "jrn1-terms")
    page.goto(f"{live_server.url}/timetable/school/{cast.school.pk}/bells/")
    _both_widths(page, "jrn1-bells")
    page.goto(f"{live_server.url}/timetable/school/{cast.school.pk}/grade-types/")
    _both_widths(page, "jrn1-grade-types")

    page.goto(f"{live_server.url}/timetable/school/{cast.school.pk}/")
    page.get_by_role("link", name="Шаблон 5А").click()
    page.wait_for_url(f"**/timetable/class/{cast.school_class.pk}/edit/")
    _both_widths(page, "jrn2-template-editor")

    # Tuesday's Russian gets another teacher from next Tuesday on.
    page.get_by_role("link", name=re.compile("Изменить — Русский язык, вторник, 2-й урок")).click()
    page.wait_for_url("**/change/")
    start = _next_weekday(journal.today, 2)
    page.fill("#id_from_date", start.isoformat())
    page.select_option("#id_teacher", str(cast.director.pk))
    page.fill("#id_room", "31")
    _both_widths(page, "jrn2-slot-change")
    page.get_by_role("button", name="Сохранить изменение").click()
    page.wait_for_url("**/edit/?date=*")
    expect(page.get_by_text(re.compile("Расписание изменено с"))).to_be_visible()
    new = TimetableEntry.objects.get(
        school_class=cast.school_class, weekday=2, number=2, valid_from=start
    )
    assert new.teacher == cast.director and new.room == "31"

    # A double booking is refused with the reason, and what was typed stays.
    page.goto(
        f"{live_server.url}/timetable/class/{cast.school_class.pk}/slots/add/?weekday=1&number=3"
    )
    page.select_option("#id_subject", str(journal.russian.pk))
    page.select_option("#id_teacher", str(journal.russian_teacher.pk))
    page.fill("#id_room", "14")
    page.get_by_role("button", name="Добавить в расписание").click()
    expect(page.get_by_text(re.compile("Учитель не может вести два урока сразу"))).to_be_visible()
    assert page.input_value("#id_room") == "14"
    _both_widths(page, "jrn2-slot-refused")

    # Friday's Mathematics is cancelled: a one-off change, announced to the class.
    friday = (
        Lesson.objects.filter(
            school_class=cast.school_class, subject=journal.math, date__gt=journal.today
        )
        .order_by("date")
        .first()
    )
    page.goto(
        f"{live_server.url}/timetable/class/{cast.school_class.pk}/?date={friday.date.isoformat()}"
    )
    _both_widths(page, "jrn2-class-week-director")
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/lessons/{friday.pk}/")
    page.get_by_role("link", name="Отменить, заменить, перенести").click()
    page.wait_for_url("**/reschedule/")
    _both_widths(page, "jrn2-reschedule")
    page.fill("#id_cancel-reason", "Учитель на курсах повышения квалификации")
    page.get_by_role("button", name="Отменить урок", exact=True).click()
    expect(page.get_by_text(re.compile("Урок отменён. Ученики, родители"))).to_be_visible()
    assert ScheduleChange.objects.filter(lesson=friday, kind="cancelled").exists()
    page.goto(f"{live_server.url}/timetable/school/{cast.school.pk}/changes/")
    expect(page.get_by_text("Учитель на курсах повышения квалификации")).to_be_visible()
    _both_widths(page, "jrn2-changes")
    page.context.clear_cookies()

    # --- the class teacher: what to fill in, the lesson page, the toolbar ---
    lesson = journal.past_math_lessons()[-1]
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/lessons/")
    expect(page.get_by_role("heading", name="Мои уроки: что заполнить")).to_be_visible()
    _both_widths(page, "jrn3-lessons-to-fill")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    page.fill("#id_topic", "Сложение дробей с разными знаменателями")
    editor = page.locator("#id_homework_editor")
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.type("Учебник, № 125")
    page.keyboard.press("Control+A")
    toolbar = page.get_by_role("toolbar", name="Оформление: Текст задания")
    toolbar.get_by_role("button", name="Жирный").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("повторить правило")
    page.keyboard.press("Shift+Home")
    toolbar.get_by_role("button", name="Жирный").click()  # the second line is not bold
    # Keyboard only: the toolbar is one Tab stop; arrows move between its buttons.
    toolbar.get_by_role("button", name="Жирный").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Список", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.fill("#id_link-0-title", "Видеоурок")
    page.fill("#id_link-0-url", "https://resh.edu.ru/subject/lesson/7")
    _both_widths(page, "jrn3-lesson-editor")
    page.get_by_role("button", name="Сохранить урок").click()
    expect(page.get_by_text("Урок сохранён.")).to_be_visible()
    lesson.refresh_from_db()
    assert "<strong>Учебник, № 125</strong>" in lesson.homework
    assert re.search(r"<ul><li>повторить правило</li></ul>", lesson.homework), lesson.homework
    assert lesson.homework_due is not None
    page.context.clear_cookies()

    # --- the parent: the badge, the inbox, the cancelled lesson and the homework ---
    # The template's change, the cancellation, the homework.
    assert Notification.objects.filter(recipient=cast.parent).count() == 3
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    badge = page.locator("a.btn-inbox")
    expect(badge).to_contain_text("3 непрочитанных")
    badge.click()
    page.wait_for_url("**/inbox/")
    expect(
        page.get_by_role("link", name=re.compile(r"Урок отменён: Математика, 5А"))
    ).to_be_visible()
    expect(page.get_by_text("Причина: Учитель на курсах повышения квалификации")).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(r"Домашнее задание: Математика, сдать к"))
    ).to_be_visible()
    expect(
        page.get_by_role(
            "link",
            name=re.compile(
                r"Расписание 5А меняется с \d\d\.\d\d\.\d{4}: 2-й урок — Русский язык, ведёт Волков А\. И\."
            ),
        )
    ).to_be_visible()
    _both_widths(page, "ntf-inbox-parent")
    page.get_by_role("link", name=re.compile("Урок отменён")).click()
    page.wait_for_url(f"**/timetable/class/{cast.school_class.pk}/?date=*")
    expect(page.locator(".tt-cancelled").first).to_be_visible()
    _both_widths(page, "jrn2-class-week-parent")
    page.goto(
        f"{live_server.url}/timetable/class/{cast.school_class.pk}/?view=day&date={friday.date.isoformat()}"
    )
    _both_widths(page, "jrn2-class-day-parent")
    page.goto(f"{live_server.url}/lessons/{lesson.pk}/")
    expect(page.locator(".rt-content strong")).to_have_text("Учебник, № 125")
    _both_widths(page, "jrn3-lesson-parent")
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("a.btn-inbox")).to_contain_text("2 непрочитанных")
    page.get_by_role("button", name="Отметить все прочитанными").click()
    expect(page.locator(".inbox-count")).to_have_count(0)
