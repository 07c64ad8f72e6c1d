"""JRN-8 in a real browser: a parent on a 360 px phone opens the diary from their home page,
switches to the other child, goes to the next week, jumps to a date by keyboard and opens the
printable week; then the same on a desktop with the year's marks and the calendar page.
axe-core on every page; screenshots at PHONE and DESKTOP sizes.
"""

from __future__ import annotations

import datetime
import re
from importlib import import_module

import pytest
from django.utils import timezone

from parta import factories as f
from parta.conftest import PASSWORD
from parta.journal.models import Attendance, Lesson, Mark
from parta.journal.tests.fixtures import grade_type, make_journal
from parta.notifications.models import Notification
from parta.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    check_accessibility,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _grade_type_catalogue(transactional_db) -> None:
    """The catalogue of grade types comes from a data migration, and a transactional test
    empties every table when it ends: put the catalogue back the way the migration does."""
    from django.apps import apps

    import_module("parta.journal.migrations.0002_history_append_only").catalogue(apps, None)


def _fill_week(journal) -> datetime.date:
    """This week of 5А: homework with a link and a file, marks with a comment, a sick day, a
    cancelled and a substituted lesson, and a schedule change in the parent's inbox."""
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    lessons = {
        (x.date, x.subject_id): x
        for x in Lesson.objects.filter(school_class=c.school_class, date__gte=monday)
    }
    math = lessons[(monday, journal.math.pk)]
    math.topic = "Сложение дробей с разными знаменателями"
    math.homework = (
        "<p>Учебник, с. 45, <strong>№ 125, 126</strong>.</p><ul><li>Повторить правило</li></ul>"
    )
    math.homework_due = monday + datetime.timedelta(days=2)
    math.homework_links = [{"title": "Видеоурок о дробях", "url": "https://example.org/fractions"}]
    math.files = [
        {"id": 1, "name": "Карточка с задачами.pdf", "size": 48_000, "purpose": "homework"}
    ]
    math.save()
    russian = lessons[(monday, journal.russian.pk)]
    russian.substitute = c.class_teacher
    russian.topic = "Безударные гласные в корне"
    russian.save()
    tuesday_math = lessons[(monday + datetime.timedelta(days=1), journal.math.pk)]
    tuesday_math.status = Lesson.Status.CANCELLED
    tuesday_math.save()
    now = timezone.now()
    test = grade_type("test")
    Mark.objects.create(
        lesson=math,
        student=c.student,
        value=5,
        comment="Отличное решение у доски",
        grade_type=grade_type("answer"),
        updated_at=now,
    )
    Mark.objects.create(
        lesson=russian,
        student=c.student,
        value=3,
        grade_type=test,
        weight=test.weight,
        comment="Повторить словарные слова",
        updated_at=now,
    )
    Mark.objects.create(
        lesson=lessons[(monday + datetime.timedelta(days=1), journal.russian.pk)],
        student=c.student,
        attendance=Attendance.SICK,
        updated_at=now,
    )
    Notification.objects.create(
        recipient=c.parent,
        child=c.student,
        kind="schedule_change",
        organization_id=c.school.pk,
        title="Урок отменён: %(subject)s, %(date)s",
        params={"subject": "Математика", "date": tuesday_math.date.strftime("%d.%m.%Y")},
    )
    return monday


def test_parent_reads_the_diary_on_a_phone_and_prints_the_week(
    browser_page, live_server, cast
) -> None:
    journal = make_journal(cast)
    monday = _fill_week(journal)
    sister = f.UserFactory(
        username="sestra",
        first_name="Оля",
        last_name="Петрова",
        birth_date=datetime.date(2013, 4, 2),
    )
    f.EnrollmentFactory(student=sister, school_class=cast.other_class)
    f.GuardianshipFactory(guardian=cast.parent, child=sister)

    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.get_by_role("link", name=re.compile("Миша")).first.click()
    page.wait_for_url(re.compile(r"child="))
    check_accessibility(page)
    screenshot(page, "jrn8-parent-home-phone")

    page.get_by_role("link", name="Открыть дневник").click()
    page.wait_for_url("**/diary/**")
    assert page.get_by_role("heading", name=re.compile("Дневник: Миша Петров")).is_visible()
    assert page.get_by_text("Сложение дробей с разными знаменателями").is_visible()
    assert page.get_by_text("Урок отменён", exact=True).first.is_visible()
    assert page.get_by_text("Отличное решение у доски").is_visible()
    assert page.get_by_text("Урок отменён: Математика").is_visible()
    # Nothing sticks out sideways on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_accessibility(page)
    screenshot(page, "jrn8-diary-week-phone")

    # The other child, by the switcher.
    page.get_by_role("navigation", name="Чей дневник открыть").get_by_role(
        "link", name="Оля Петрова"
    ).click()
    page.wait_for_url(re.compile(rf"child={sister.pk}"))
    assert page.get_by_role("heading", name=re.compile("Дневник: Оля Петрова")).is_visible()
    check_accessibility(page)

    # Back to Миша, the next week, then a date typed by keyboard.
    page.get_by_role("link", name="Миша Петров").click()
    page.wait_for_url(re.compile(rf"child={cast.student.pk}"))
    page.get_by_role("link", name=re.compile("Следующая")).click()
    next_monday = monday + datetime.timedelta(days=7)
    page.wait_for_url(re.compile(rf"week={next_monday.isoformat()}"))
    check_accessibility(page)
    screenshot(page, "jrn8-diary-next-week-phone")
    date_field = page.get_by_label("Неделя, в которую входит день")
    wednesday = monday + datetime.timedelta(days=2)
    date_field.fill(wednesday.isoformat())
    date_field.press("Enter")
    page.wait_for_url(re.compile(rf"week={wednesday.isoformat()}"))
    assert page.get_by_text("Отличное решение у доски").is_visible()

    page.get_by_role("link", name="Версия для печати").click()
    page.wait_for_url("**/diary/print/**")
    assert page.get_by_text(cast.student.full_name).is_visible()
    assert page.get_by_text(re.compile("Распечатано")).is_visible()
    assert page.locator("header.site-header").count() == 0
    check_accessibility(page)
    screenshot(page, "jrn8-diary-print-phone")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Напечатать").is_visible()
    page.emulate_media(media="screen")

    page.set_viewport_size(DESKTOP)
    screenshot(page, "jrn8-diary-print-desktop")
    page.get_by_role("link", name="Вернуться в дневник").click()
    page.wait_for_url("**/diary/?**")
    check_accessibility(page)
    screenshot(page, "jrn8-diary-week-desktop")

    page.get_by_role("navigation", name="Разделы дневника").get_by_role(
        "link", name="Успеваемость"
    ).click()
    page.wait_for_url("**/diary/grades/**")
    check_accessibility(page)
    screenshot(page, "jrn8-diary-record-desktop")
    page.set_viewport_size(PHONE)
    check_accessibility(page)
    screenshot(page, "jrn8-diary-record-phone")


def test_student_subscribes_to_the_calendar_by_keyboard(browser_page, live_server, cast) -> None:
    make_journal(cast)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.student.username, PASSWORD)
    page.goto(f"{live_server.url}/calendar/")
    check_accessibility(page)
    page.get_by_role("button", name="Создать ссылку").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    url = page.input_value("#feed-url")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/calendar/[A-Za-z0-9_-]{{43}}\.ics", url)
    check_accessibility(page)
    screenshot(page, "jrn8-calendar-phone")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "jrn8-calendar-desktop")
    response = page.request.get(url)
    assert response.status == 200
    assert b"BEGIN:VEVENT" in response.body()
