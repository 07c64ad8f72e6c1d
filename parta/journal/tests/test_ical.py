"""JRN-2, JRN-3, JRN-8: a person's secret iCalendar address — lessons as events in the
school's time zone, homework as to-dos, parsed back with the ``icalendar`` library; a revoked
or unknown address is a 404; the feed costs a fixed number of queries."""

from __future__ import annotations

import datetime
import hashlib
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from parta import factories as f
from parta.journal.models import CalendarFeed, Lesson
from parta.journal.services import calendar as feeds
from parta.journal.tests.fixtures import add_lessons


def _subscribe(client, person) -> str:
    """Create the address through the page, as a person does; return its path."""
    client.force_login(person)
    response = client.post(reverse("calendar_settings"), {"action": "create"})
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    url = response.context["feed_url"]
    client.logout()
    return re.sub(r"^https?://[^/]+", "", url)


def _feed(client, path: str) -> Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def _todos(calendar: Calendar) -> list:
    return list(calendar.walk("VTODO"))


def _window(journal) -> tuple[datetime.date, datetime.date]:
    from parta.journal import ical

    return (
        journal.today - datetime.timedelta(days=ical.DAYS_BACK),
        journal.today + datetime.timedelta(days=ical.DAYS_AHEAD),
    )


def test_only_the_hash_of_the_token_is_kept_and_shown_once(journal, client) -> None:
    c = journal.cast
    client.force_login(c.student)
    response = client.post(reverse("calendar_settings"), {"action": "create"})
    token = response.context["token"]
    assert len(token) >= 43
    feed = CalendarFeed.objects.get(person=c.student)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(CalendarFeed.objects.values().get())
    body = response.content.decode()
    assert token in body and "webcal://" in body
    # Opening the page again does not show it: it is not kept anywhere.
    assert token not in client.get(reverse("calendar_settings")).content.decode()


def test_student_feed_has_the_class_lessons_in_the_school_time_zone(journal, client) -> None:
    c = journal.cast
    region = c.school.municipality.region
    region.timezone = "Asia/Almaty"
    region.save()
    path = _subscribe(client, c.student)
    calendar = _feed(client, path)
    start, end = _window(journal)
    expected = Lesson.objects.filter(school_class=c.school_class, date__range=(start, end))
    events = _events(calendar)
    assert len(events) == expected.count() > 0
    assert len({str(e["UID"]) for e in events}) == len(events)
    lesson = expected.filter(subject=journal.math).order_by("date").first()
    event = next(e for e in events if str(e["UID"]) == f"lesson-{lesson.pk}@parta")
    assert str(event["SUMMARY"]) == "Математика"
    begins = event.decoded("DTSTART")
    assert begins.tzinfo is not None
    assert begins == datetime.datetime.combine(
        lesson.date, datetime.time(8, 30), zoneinfo.ZoneInfo("Asia/Almaty")
    )
    assert event.decoded("DTEND").time() == datetime.time(9, 15)
    assert "кабинет 21" in str(event["LOCATION"])
    assert [str(z["TZID"]) for z in calendar.walk("VTIMEZONE")] == ["Asia/Almaty"]
    # Another class's lessons are not in it.
    assert not any("6Б" in str(e["SUMMARY"]) for e in events)


def test_cancelled_lesson_substitution_and_homework(journal, client) -> None:
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    cancelled = Lesson.objects.get(school_class=c.school_class, date=monday, subject=journal.math)
    cancelled.status = Lesson.Status.CANCELLED
    cancelled.save()
    substituted = Lesson.objects.get(
        school_class=c.school_class, date=monday, subject=journal.russian
    )
    substituted.substitute = c.class_teacher
    substituted.homework = "<p>Упр. <strong>12</strong>, выучить правило</p>"
    substituted.homework_due = monday + datetime.timedelta(days=2)
    substituted.save()
    calendar = _feed(client, _subscribe(client, c.student))
    events = {str(e["UID"]): e for e in _events(calendar)}
    assert str(events[f"lesson-{cancelled.pk}@parta"]["STATUS"]) == "CANCELLED"
    description = str(events[f"lesson-{substituted.pk}@parta"]["DESCRIPTION"])
    assert "Замена: ведёт Смирнова О. П. вместо Белова Н." in description
    todos = _todos(calendar)
    assert len(todos) == 1
    todo = todos[0]
    assert str(todo["UID"]) == f"homework-{substituted.pk}@parta"
    assert todo.decoded("DUE") == monday + datetime.timedelta(days=2)
    assert "Упр. 12, выучить правило" in str(todo["DESCRIPTION"])
    assert "Русский язык" in str(todo["SUMMARY"])


def test_parent_feed_has_every_child_named(journal, client) -> None:
    c = journal.cast
    f.GuardianshipFactory(guardian=c.parent, child=c.other_student)
    calendar = _feed(client, _subscribe(client, c.parent))
    summaries = [str(e["SUMMARY"]) for e in _events(calendar)]
    assert any(s == "Миша: Математика" for s in summaries)
    assert any(s == "Коля: Математика" for s in summaries)  # 6Б's lessons
    assert all(s.startswith(("Миша: ", "Коля: ")) for s in summaries)
    uids = [str(e["UID"]) for e in _events(calendar)]
    assert len(set(uids)) == len(uids)


def test_teacher_feed_has_their_lessons_and_substitutions(journal, client) -> None:
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    theirs = Lesson.objects.get(school_class=c.school_class, date=monday, subject=journal.math)
    theirs.substitute = journal.russian_teacher
    theirs.save()
    covering = Lesson.objects.get(school_class=c.school_class, date=monday, subject=journal.russian)
    covering.substitute = c.class_teacher
    covering.save()
    calendar = _feed(client, _subscribe(client, c.class_teacher))
    events = {str(e["UID"]): e for e in _events(calendar)}
    start, end = _window(journal)
    own = Lesson.objects.filter(teacher=c.class_teacher, date__range=(start, end)).count()
    assert len(events) == own + 1  # their lessons and the one they cover
    assert str(events[f"lesson-{covering.pk}-t@parta"]["SUMMARY"]) == "Замена: Русский язык, 5А"
    replaced = events[f"lesson-{theirs.pk}-t@parta"]
    assert str(replaced["STATUS"]) == "CANCELLED"
    assert "Вас заменяет Белова Н." in str(replaced["DESCRIPTION"])
    assert not _todos(calendar)


def test_revoked_and_replaced_addresses_are_404(journal, client) -> None:
    c = journal.cast
    first = _subscribe(client, c.student)
    assert client.get(first).status_code == 200
    second = _subscribe(client, c.student)  # a new address revokes the old one
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.force_login(c.student)
    response = client.post(reverse("calendar_settings"), {"action": "revoke"})
    assert response.status_code == 302
    client.logout()
    assert client.get(second).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_unknown_or_malformed_tokens_are_404(journal, client) -> None:
    assert client.get("/calendar/" + "a" * 43 + ".ics").status_code == 404
    assert client.get("/calendar/short.ics").status_code == 404
    assert feeds.feed_person("../../etc") is None


def test_uids_are_stable_between_fetches(journal, client) -> None:
    path = _subscribe(client, journal.cast.parent)
    first = [str(e["UID"]) for e in _events(_feed(client, path))]
    second = [str(e["UID"]) for e in _events(_feed(client, path))]
    assert first == second and first


@pytest.mark.parametrize("member", ["official", "operator"])
def test_people_without_a_timetable_have_no_calendar_page(journal, client, member) -> None:
    client.force_login(journal.cast.members[member])
    assert client.get(reverse("calendar_settings")).status_code == 404


def test_calendar_page_needs_signing_in(journal, client) -> None:
    assert client.get(reverse("calendar_settings")).status_code == 302


def test_feed_costs_the_same_with_more_lessons_and_children(journal, client) -> None:
    c = journal.cast
    path = _subscribe(client, c.parent)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    small = count()
    f.GuardianshipFactory(guardian=c.parent, child=c.other_student)
    for _ in range(3):
        child = f.EnrollmentFactory(school_class=c.school_class).student
        f.GuardianshipFactory(guardian=c.parent, child=child)
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    entries = [e for e in journal.entries if e.school_class_id == c.school_class.pk]
    add_lessons(
        entries, [journal.term2], [monday + datetime.timedelta(days=d) for d in range(7, 28)]
    )
    Lesson.objects.filter(school_class=c.school_class).update(homework="<p>Читать</p>")
    assert count() <= small
    assert len(_events(_feed(client, path))) > 60
