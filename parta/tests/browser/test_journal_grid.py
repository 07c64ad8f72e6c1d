"""JRN-4..7 in a real browser: the teacher fills the journal from the keyboard.

The class teacher of 5А opens her Mathematics journal, types marks and attendance letters
(Enter moves down, arrows move, Esc puts back what was there; Playwright presses only keys
of the US layout, so the letter typed is the Latin "n", one of marks.ATTENDANCE_KEYS), sees each cell saved and the
row's average follow; adds a comment with F2 and reads the cell's history; the director
closes the term meanwhile and the next save is refused with the reason. On a 360 px phone
the grid scrolls sideways under a sticky column of names. axe-core on every state.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.urls import reverse

from parta import factories as f
from parta.conftest import PASSWORD
from parta.journal.models import Attendance, Mark
from parta.journal.services import marks
from parta.journal.tests.fixtures import make_journal
from parta.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    check_accessibility,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _grade_type_catalogue(transactional_db: None) -> None:
    """The catalogue of grade types comes from a data migration; a transactional test's
    flush empties it for the tests after it. (``serialized_rollback`` did not bring it back
    once other tests had run first in the session.)"""
    from django.apps import apps

    migration = importlib.import_module("parta.journal.migrations.0002_history_append_only")
    migration.catalogue(apps, None)


ACTIVE = "document.activeElement"


def _position(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(row, column) of the focused cell; row 0 is the header row."""
    return tuple(
        page.evaluate(
            f"() => [{ACTIVE}.closest('tr').rowIndex, {ACTIVE}.closest('td, th').cellIndex]"
        )
    )


def _cell(page, row: int, column: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#jg tbody tr:nth-child({row}) > :nth-child({column + 1})").first


def test_teacher_fills_the_journal_from_the_keyboard(browser_page, live_server, cast):
    journal = make_journal(cast)
    for last, first in (("Абрамов", "Гоша"), ("Яковлева", "Юля")):
        f.EnrollmentFactory(
            school_class=cast.school_class,
            student=f.UserFactory(last_name=last, first_name=first),
        )
    page = browser_page
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    # The teacher's home links the journal.
    page.goto(live_server.url + reverse("teacher_home"))
    page.get_by_role("link", name=re.compile("5А · Математика")).click()
    url = reverse("journal_grid", args=[cast.school_class.pk, journal.math.pk])
    page.wait_for_url(f"**{url}")
    assert page.locator("h1").inner_text().startswith("Математика, 5А")
    check_accessibility(page)

    # One tab stop: the cell of the latest lesson held, first student (Абрамов).
    start = page.locator("#jg td[tabindex='0']")
    assert start.count() == 1
    start.focus()
    row, column = _position(page)
    assert row == 1
    latest = journal.past_math_lessons()[-1]
    header = page.locator("#jg thead th").nth(column)
    assert header.get_attribute("data-l") == str(latest.pk)

    # A digit and Enter: saved, and the focus is on the next student.
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    assert _position(page) == (2, column)
    # An attendance letter: "n" on a Latin layout is "Н" (absent), like "н" and Kazakh "ж".
    page.keyboard.press("n")
    page.keyboard.press("Enter")
    assert _position(page) == (3, column)
    page.wait_for_function("() => document.querySelectorAll('#jg td.is-saving').length === 0")
    # Esc while typing puts the cell back as it was: nothing is sent.
    page.keyboard.type("4")
    page.keyboard.press("Escape")
    assert _position(page) == (3, column)
    assert _cell(page, 3, column).inner_text().strip() == ""
    assert "Вернули прежнее" in page.locator("#jg-status").inner_text()

    assert "5" in _cell(page, 1, column).inner_text()
    assert "Н" in _cell(page, 2, column).inner_text()
    saved = {
        m.student.last_name: (m.value, m.attendance)
        for m in Mark.objects.filter(lesson=latest).select_related("student")
    }
    assert saved == {"Абрамов": (5, ""), "Петров": (None, Attendance.ABSENT)}

    # Arrows: up to Абрамов, left to the lesson before; a 3 there brings his average to 4.
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    assert _position(page) == (1, column - 1)
    average = page.locator("#jg tbody tr:first-child [data-sum='plain']")
    assert average.inner_text() == "5,00"
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector(\"#jg tbody tr:first-child [data-sum='plain']\")"
        ".textContent === '4,00'"
    )
    assert page.locator("#jg tbody tr:first-child [data-sum='suggested']").inner_text() == "4"
    # The saved state is shown by an icon and a text, not by colour alone.
    saved_cell = _cell(page, 1, column - 1)
    assert "сохранено" in saved_cell.locator(".jg-st").inner_text()
    assert "Сохранено" in page.locator("#jg-status").inner_text()
    screenshot(page, "jrn4-grid-typed-desktop")

    # Ctrl+Z takes the last save back.
    page.keyboard.press("Control+z")
    page.wait_for_function(
        "() => document.querySelector(\"#jg tbody tr:first-child [data-sum='plain']\")"
        ".textContent === '5,00'"
    )

    # F2: a comment on Абрамов's 5, and the cell's history.
    _cell(page, 1, column).focus()
    page.keyboard.press("F2")
    dialog = page.locator("#jg-cell-dialog")
    assert dialog.is_visible()
    assert page.evaluate(f"{ACTIVE}.id") == "jg-cell-value"
    page.fill("#jg-cell-comment", "Отличный ответ у доски")
    page.get_by_role("button", name="Показать историю изменений").click()
    page.wait_for_selector("#jg-cell-history li")
    assert "— → 5" in page.locator("#jg-cell-history").inner_text()
    check_accessibility(page)
    screenshot(page, "jrn4-grid-cell-dialog-desktop")
    page.get_by_role("button", name="Сохранить").first.click()
    dialog.wait_for(state="hidden")
    page.wait_for_selector("#jg tbody tr:first-child .jg-note", state="attached")
    assert _position(page) == (1, column)
    abramov = Mark.objects.get(lesson=latest, student__last_name="Абрамов")
    assert abramov.comment == "Отличный ответ у доски" and abramov.value == 5

    # The director closes the term while the page is open: the next save is refused, the
    # cell shows it failed and the reason is read out.
    marks.term_close(actor=cast.director, term=journal.term2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    failed = _cell(page, 3, column)
    page.wait_for_function(
        "(i) => document.querySelector(`#jg tbody tr:nth-child(3) > :nth-child(${i + 1})`)"
        ".classList.contains('is-failed')",
        arg=column,
    )
    assert "не сохранено" in failed.locator(".jg-st").inner_text()
    assert failed.get_attribute("aria-invalid") == "true"
    error = page.locator("#jg-error")
    assert "2 четверть закрыта" in error.inner_text()
    assert error.get_attribute("role") == "alert"
    assert "4" in failed.inner_text()  # what was typed stays on screen
    assert not Mark.objects.filter(lesson=latest, student__last_name="Яковлева").exists()
    check_accessibility(page)
    screenshot(page, "jrn6-grid-refused-desktop")
    # Esc on the failed cell puts back what is saved.
    _cell(page, 3, column).focus()
    page.keyboard.press("Escape")
    assert _cell(page, 3, column).inner_text().strip() == ""


def test_the_grid_scrolls_under_sticky_names_on_a_phone(browser_page, live_server, cast):
    journal = make_journal(cast)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(
        live_server.url + reverse("journal_grid", args=[cast.school_class.pk, journal.math.pk])
    )
    check_accessibility(page)
    wrap = page.locator("#jg-wrap")
    sizes = wrap.evaluate("w => [w.scrollWidth, w.clientWidth, document.body.scrollWidth]")
    assert sizes[0] > sizes[1]  # the grid scrolls inside its frame…
    assert sizes[2] <= PHONE["width"]  # …and the page itself does not
    # It opens on the latest lesson held, where the teacher starts.
    assert wrap.evaluate("w => w.scrollLeft") > 0
    screenshot(page, "jrn4-grid-phone-start")
    name = page.locator("#jg tbody tr:first-child th")
    wrap.evaluate("w => { w.scrollLeft = 0; }")
    before = name.bounding_box()
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    after = name.bounding_box()
    assert before is not None and after is not None
    assert abs(after["x"] - before["x"]) < 1  # the names column stays
    screenshot(page, "jrn4-grid-phone-scrolled")
    # The teacher's journals on a phone.
    page.goto(live_server.url + reverse("journal_list"))
    check_accessibility(page)
    screenshot(page, "jrn4-journals-phone")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("teacher_home"))
    check_accessibility(page)
    screenshot(page, "jrn4-teacher-home-desktop")


def test_director_reads_the_journal_and_its_changes(browser_page, live_server, cast):
    journal = make_journal(cast)
    lesson = marks.lesson_for_marking(cast.class_teacher, journal.past_math_lessons()[-1].pk)
    marks.mark_set(actor=cast.class_teacher, lesson=lesson, student_id=cast.student.pk, value=3)
    marks.mark_set(
        actor=cast.director, lesson=lesson, student_id=cast.student.pk, value=4, seen_version=0
    )
    page = browser_page
    sign_in(page, live_server, cast.director.username, PASSWORD)
    page.goto(live_server.url + reverse("journal_list"))
    check_accessibility(page)
    screenshot(page, "jrn4-journals-director")
    page.get_by_role("link", name="Математика").first.click()
    page.wait_for_selector("#jg")
    assert page.get_by_role("button", name=re.compile("Закрыть «2 четверть»")).is_visible()
    check_accessibility(page)
    screenshot(page, "jrn4-grid-director")
    page.get_by_role("link", name="История изменений журнала").click()
    page.wait_for_url("**/changes/")
    body = page.locator("main").inner_text()
    assert "3 → 4" in body and "сохранено поверх чужого изменения" in body
    check_accessibility(page)
    screenshot(page, "jrn7-changes-director")
