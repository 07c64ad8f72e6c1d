"""JRN-2: the day and week of a class for everyone who may see it, and a teacher's own week
with substitutions — with bells and rooms, 404 for everyone else, a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.journal.models import Lesson, TimetableEntry
from parta.journal.services import lessons as service

DAY = datetime.timedelta(days=1)


def _url(journal, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('timetable_class', args=[journal.cast.school_class.pk])}?{query}"


@pytest.mark.parametrize(
    ("member", "status"),
    [
        ("student", 200),
        ("parent", 200),
        ("class_teacher", 200),
        ("director", 200),
        ("official", 200),
        ("other_parent", 404),
        ("other_teacher", 404),
        ("pending_teacher", 404),
    ],
)
def test_class_week_is_seen_by_those_who_may_see_the_class(journal, client, member, status):
    client.force_login(journal.cast.members[member])
    assert client.get(_url(journal)).status_code == status


def test_class_week_shows_lessons_bells_rooms_and_changes(journal, client):
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    lesson = Lesson.objects.get(school_class=c.school_class, date=monday + 2 * DAY, number=1)
    service.lesson_cancel(actor=c.director, lesson=lesson)
    substituted = Lesson.objects.get(school_class=c.school_class, date=monday + 3 * DAY, number=2)
    service.lesson_substitute(actor=c.director, lesson=substituted, substitute=c.director)
    client.force_login(c.parent)
    body = client.get(_url(journal, date=monday.isoformat())).content.decode()
    assert "08:30–09:15" in body and "каб. 21" in body and "Белова Н. И." in body
    assert "отменён" in body and "замена" in body and "Волков А. И." in body
    assert reverse("lesson_detail", args=[lesson.pk]) in body


def test_day_view_lists_one_day(journal, client):
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    client.force_login(c.student)
    response = client.get(_url(journal, view="day", date=(monday + DAY).isoformat()))
    lessons = response.context["the_day"].lessons
    assert [x.number for x in lessons] == [1, 2]
    assert all(x.date == monday + DAY for x in lessons)
    # A Sunday without lessons is a day without lessons, not an error.
    sunday = monday + 6 * DAY
    response = client.get(_url(journal, view="day", date=sunday.isoformat()))
    assert response.status_code == 200 and response.context["the_day"].lessons == []
    assert client.get(_url(journal, date="not-a-date")).status_code == 200


def test_teacher_sees_their_own_week_with_substitutions(journal, client):
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    # Belova substitutes 5А's Mathematics on Thursday; the class teacher sees who replaces her.
    math = Lesson.objects.get(school_class=c.school_class, date=monday + 3 * DAY, number=1)
    service.lesson_substitute(actor=c.director, lesson=math, substitute=journal.russian_teacher)
    client.force_login(journal.russian_teacher)
    response = client.get(f"{reverse('timetable_teacher')}?date={monday.isoformat()}")
    assert response.status_code == 200
    week = response.context["week"]
    mine = [x for day in week.days for x in day.lessons]
    assert math in mine
    assert {x.school_class_id for x in mine} == {c.school_class.pk, c.other_class.pk}
    assert "замена за Смирнова О. П." in response.content.decode()
    client.force_login(c.class_teacher)
    body = client.get(f"{reverse('timetable_teacher')}?date={monday.isoformat()}").content.decode()
    assert "вас заменяет Белова Н. И." in body


def test_teacher_timetable_is_for_staff_and_admin_view_for_the_school_only(journal, client):
    c = journal.cast
    for member, status in (
        ("student", 404),
        ("parent", 404),
        ("class_teacher", 200),
        ("other_teacher", 200),
    ):
        client.force_login(c.members[member])
        assert client.get(reverse("timetable_teacher")).status_code == status
    url = reverse("timetable_teacher_of", args=[journal.russian_teacher.pk])
    client.force_login(c.director)
    assert client.get(url).status_code == 200
    assert client.get(reverse("timetable_teacher_of", args=[c.other_teacher.pk])).status_code == 404
    client.force_login(c.class_teacher)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("member", "target"),
    [
        ("student", lambda c: reverse("timetable_class", args=[c.school_class.pk])),
        ("parent", lambda c: reverse("timetable_class", args=[c.school_class.pk])),
        ("other_parent", lambda c: reverse("timetable_class", args=[c.other_class.pk])),
        ("class_teacher", lambda c: reverse("timetable_teacher")),
        ("director", lambda c: reverse("timetable_school", args=[c.school.pk])),
    ],
)
def test_my_timetable_goes_to_the_right_page(journal, client, member, target):
    client.force_login(journal.cast.members[member])
    response = client.get(reverse("timetable_mine"))
    assert response.status_code == 302
    assert response["Location"] == target(journal.cast)


def test_my_timetable_is_404_for_people_without_a_timetable(journal, client):
    for member in ("official", "operator", "pending_teacher"):
        client.force_login(journal.cast.members[member])
        assert client.get(reverse("timetable_mine")).status_code == 404


def test_class_week_costs_the_same_with_a_full_week(journal, client, django_assert_max_num_queries):
    c = journal.cast
    client.force_login(c.parent)
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    url = _url(journal, date=monday.isoformat())
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for number in range(3, 8):
        for weekday in range(1, 7):
            teacher = f.UserFactory()
            f.StaffPositionFactory(person=teacher, organization=c.school)
            TimetableEntry.objects.create(
                school_class=c.school_class,
                weekday=weekday,
                number=number,
                subject=journal.russian,
                teacher=teacher,
                room=str(number),
                valid_from=monday,
            )
    service.lessons_generate(
        school_class=c.school_class, date_from=monday, date_to=monday + 6 * DAY
    )
    assert (
        Lesson.objects.filter(
            school_class=c.school_class, date__gte=monday, date__lte=monday + 6 * DAY
        ).count()
        > 35
    )
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert sum(len(d.lessons) for d in response.context["week"].days) > 35


def test_teacher_week_costs_the_same_with_more_lessons(
    journal, client, django_assert_max_num_queries
):
    c = journal.cast
    client.force_login(journal.russian_teacher)
    url = reverse("timetable_teacher")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    for klass in [f.SchoolClassFactory(organization=c.school, grade=7 + n) for n in range(4)]:
        for weekday in range(1, 6):
            TimetableEntry.objects.create(
                school_class=klass,
                weekday=weekday,
                number=4 + klass.grade - 7,
                subject=journal.russian,
                teacher=journal.russian_teacher,
                valid_from=monday,
            )
        service.lessons_generate(school_class=klass, date_from=monday, date_to=monday + 6 * DAY)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert sum(len(d.lessons) for d in response.context["week"].days) >= 30
