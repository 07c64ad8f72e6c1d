"""JRN-2: the weekly template of a class — slots added, changed from a date, removed; a teacher
never booked twice; the past never rewritten; the editor's pages and who may open them."""

from __future__ import annotations

import datetime

import pytest
from django.http import Http404
from django.urls import reverse

from parta import factories as f
from parta.core.errors import DomainError
from parta.journal.models import Lesson, TimetableEntry
from parta.journal.services import timetable as services
from parta.journal.services.lessons import lessons_generate
from parta.journal.tests.fixtures import add_lessons
from parta.notifications.models import Notification

DAY = datetime.timedelta(days=1)


def _entry(journal, weekday: int, number: int) -> TimetableEntry:
    return TimetableEntry.objects.get(
        school_class=journal.cast.school_class, weekday=weekday, number=number
    )


def _next_weekday(today: datetime.date, isoweekday: int) -> datetime.date:
    day = today + DAY
    while day.isoweekday() != isoweekday:
        day += DAY
    return day


def test_slot_is_added_and_its_lessons_are_made(journal):
    """JRN-2: a new slot makes its lessons on the school days inside the terms."""
    c = journal.cast
    slot = services.SlotInput(journal.russian, journal.russian_teacher, "14")
    entry, result = services.timetable_entry_add(
        actor=c.director,
        school_class=c.school_class,
        weekday=3,
        number=4,
        slot=slot,
        valid_from=journal.term2.starts_on,
    )
    lessons = Lesson.objects.filter(timetable_entry=entry)
    # The run also fills the other slots' days the fixture left without lessons.
    assert result.created >= lessons.count() > 0
    assert {x.date.isoweekday() for x in lessons} == {3}
    assert all(journal.term2.starts_on <= x.date <= journal.term2.ends_on for x in lessons)
    assert set(lessons.values_list("starts_at", flat=True)) == {datetime.time(11, 35)}


def test_teacher_cannot_be_booked_twice_at_the_same_hour(journal):
    """JRN-2: Belova teaches 6Б's 3rd lesson on Mondays; she cannot also teach 5А then."""
    c = journal.cast
    with pytest.raises(
        DomainError,
        match=r"Белова Н\. И\. в это время \(понедельник, 3-й урок\) уже ведёт урок «Математика» в 6Б",
    ) as error:
        services.timetable_entry_add(
            actor=c.director,
            school_class=c.school_class,
            weekday=1,
            number=3,
            slot=services.SlotInput(journal.russian, journal.russian_teacher),
            valid_from=journal.today,
        )
    assert error.value.field == "teacher"
    # Once 6Б's slot ends, the same hour is free from the next day.
    services.timetable_entry_remove(
        actor=c.director,
        entry=TimetableEntry.objects.get(school_class=c.other_class, weekday=1),
        from_date=journal.today + DAY,
    )
    entry, _ = services.timetable_entry_add(
        actor=c.director,
        school_class=c.school_class,
        weekday=1,
        number=3,
        slot=services.SlotInput(journal.russian, journal.russian_teacher),
        valid_from=journal.today + DAY,
    )
    assert entry.pk


def test_a_class_hour_holds_one_slot(journal):
    c = journal.cast
    with pytest.raises(DomainError, match="уже стоит Математика"):
        services.timetable_entry_add(
            actor=c.director,
            school_class=c.school_class,
            weekday=2,
            number=1,
            slot=services.SlotInput(journal.russian, c.director),
            valid_from=journal.today,
        )


def test_teacher_must_be_confirmed_staff_of_the_school(journal):
    c = journal.cast
    for person in (c.pending_teacher, c.other_teacher, c.parent):
        with pytest.raises(DomainError, match="подтверждённый сотрудник"):
            services.timetable_entry_add(
                actor=c.director,
                school_class=c.school_class,
                weekday=3,
                number=5,
                slot=services.SlotInput(journal.math, person),
                valid_from=journal.today,
            )


def test_change_from_a_date_closes_the_old_slot_and_opens_a_new_one(
    journal, django_capture_on_commit_callbacks
):
    """JRN-2: the past stays; future untouched lessons follow the new slot; people are told."""
    c = journal.cast
    old = _entry(journal, 2, 2)  # Russian, Tuesdays, Belova
    new_teacher = f.UserFactory(username="novaya", last_name="Орлова", first_name="Вера")
    f.StaffPositionFactory(person=new_teacher, organization=c.school)
    start = _next_weekday(journal.today, 2)
    past_ids = set(
        Lesson.objects.filter(timetable_entry=old, date__lt=start).values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        new, _result = services.timetable_entry_change(
            actor=c.director,
            entry=old,
            from_date=start,
            slot=services.SlotInput(journal.russian, new_teacher, "31"),
        )
    old.refresh_from_db()
    assert old.valid_to == start - DAY
    assert (new.valid_from, new.teacher, new.room) == (start, new_teacher, "31")
    # The past lessons are exactly as they were, still Belova's.
    past = Lesson.objects.filter(pk__in=past_ids)
    assert past.count() == len(past_ids) and set(past.values_list("teacher", flat=True)) == {
        journal.russian_teacher.pk
    }
    future = Lesson.objects.filter(
        school_class=c.school_class, number=2, date__gte=start, date__week_day=3
    )
    assert future.exists() and set(future.values_list("teacher", flat=True)) == {new_teacher.pk}
    assert set(future.values_list("room", flat=True)) == {"31"}
    assert Lesson.objects.filter(school_class=c.school_class, number=2, date=start).count() == 1
    # The class, its parents and both teachers hear about it.
    told = set(
        Notification.objects.filter(kind="schedule_change").values_list("recipient", flat=True)
    )
    assert {c.student.pk, c.parent.pk, journal.russian_teacher.pk, new_teacher.pk} <= told
    assert c.other_parent.pk not in told


def test_change_keeps_written_future_lessons_and_moves_them_to_the_new_teacher(journal):
    c = journal.cast
    lessons_generate(
        school_class=c.school_class, date_from=journal.today, date_to=journal.term2.ends_on
    )
    old = _entry(journal, 2, 2)
    start = _next_weekday(journal.today, 2)
    prepared = Lesson.objects.get(timetable_entry=old, date=start)
    Lesson.objects.filter(pk=prepared.pk).update(topic="Причастный оборот")
    services.timetable_entry_change(
        actor=c.director,
        entry=old,
        from_date=start,
        slot=services.SlotInput(journal.russian, c.director, "14"),
    )
    prepared.refresh_from_db()
    assert prepared.topic == "Причастный оборот"
    assert prepared.teacher == c.director


def test_changes_start_today_or_later(journal):
    c = journal.cast
    old = _entry(journal, 2, 2)
    with pytest.raises(DomainError, match="Прошедшие уроки не переписываются") as error:
        services.timetable_entry_change(
            actor=c.director,
            entry=old,
            from_date=journal.today - DAY,
            slot=services.SlotInput(journal.russian, c.director, ""),
        )
    assert error.value.field == "from_date"
    with pytest.raises(DomainError, match="Ничего не изменилось"):
        services.timetable_entry_change(
            actor=c.director,
            entry=old,
            from_date=journal.today,
            slot=services.SlotInput(journal.russian, journal.russian_teacher, "14"),
        )


def test_change_to_a_busy_teacher_is_refused(journal):
    c = journal.cast
    services.timetable_entry_add(
        actor=c.director,
        school_class=c.school_class,
        weekday=1,
        number=3,
        slot=services.SlotInput(journal.math, c.class_teacher, "21"),
        valid_from=journal.today,
    )
    other_class_monday = TimetableEntry.objects.get(school_class=c.other_class, weekday=1)
    with pytest.raises(
        DomainError,
        match=r"Смирнова О\. П\. в это время \(понедельник, 3-й урок\) уже ведёт урок «Математика» в 5А",
    ):
        services.timetable_entry_change(
            actor=c.director,
            entry=other_class_monday,
            from_date=journal.today,
            slot=services.SlotInput(journal.math, c.class_teacher, ""),
        )


def test_slot_not_yet_in_force_is_changed_in_place(journal):
    c = journal.cast
    start = journal.today + 7 * DAY
    entry, _ = services.timetable_entry_add(
        actor=c.director,
        school_class=c.school_class,
        weekday=5,
        number=5,
        slot=services.SlotInput(journal.math, c.class_teacher, "21"),
        valid_from=start,
    )
    same, _ = services.timetable_entry_change(
        actor=c.director,
        entry=entry,
        from_date=start,
        slot=services.SlotInput(journal.russian, c.director, ""),
    )
    assert same.pk == entry.pk and same.subject == journal.russian
    lessons = Lesson.objects.filter(timetable_entry=entry)
    assert lessons.exists() and set(lessons.values_list("subject", flat=True)) == {
        journal.russian.pk
    }
    assert (
        TimetableEntry.objects.filter(school_class=c.school_class, weekday=5, number=5).count() == 1
    )


def test_removing_a_slot_ends_it_and_removes_only_empty_future_lessons(journal):
    c = journal.cast
    old = _entry(journal, 4, 1)  # Mathematics on Thursdays
    start = _next_weekday(journal.today, 4)
    # The journal holds this week's lessons; on a Thursday the next one is a week away.
    have = set(Lesson.objects.filter(timetable_entry=old).values_list("date", flat=True))
    missing = [d for d in (start, start + 7 * DAY) if d not in have]
    add_lessons([old], [journal.term1, journal.term2], missing)
    written = Lesson.objects.filter(timetable_entry=old, date__gte=start).order_by("date").first()
    Lesson.objects.filter(pk=written.pk).update(homework="<p>№ 12</p>")
    past = Lesson.objects.filter(timetable_entry=old, date__lt=start).count()
    result = services.timetable_entry_remove(actor=c.director, entry=old, from_date=start)
    old.refresh_from_db()
    assert old.valid_to == start - DAY
    assert [x.pk for x in result.kept] == [written.pk]
    assert Lesson.objects.filter(timetable_entry=old, date__lt=start).count() == past
    assert list(Lesson.objects.filter(timetable_entry=old, date__gte=start)) == [written]


def test_only_the_administration_edits_the_template(journal):
    c = journal.cast
    for person in (c.class_teacher, c.student, c.operator):
        with pytest.raises(Http404):
            services.timetable_entry_add(
                actor=person,
                school_class=c.school_class,
                weekday=6,
                number=1,
                slot=services.SlotInput(journal.math, c.class_teacher),
                valid_from=journal.today,
            )


# --- the editor's pages -------------------------------------------------------------------------
def test_editor_shows_the_week_grid(journal, client):
    c = journal.cast
    client.force_login(c.director)
    page = client.get(reverse("timetable_edit", args=[c.school_class.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Математика" in body and "Белова Н." in body and "08:30–09:15" in body
    assert reverse("timetable_slot_change", args=[_entry(journal, 1, 1).pk]) in body


def test_editor_pages_are_404_outside_the_schools_administration(journal, client):
    c = journal.cast
    entry = _entry(journal, 1, 1)
    urls = [
        reverse("timetable_edit", args=[c.school_class.pk]),
        reverse("timetable_slot_add", args=[c.school_class.pk]),
        reverse("timetable_slot_change", args=[entry.pk]),
        reverse("timetable_slot_remove", args=[entry.pk]),
        reverse("lesson_add", args=[c.school_class.pk]),
    ]
    other_director = f.UserFactory(username="direktor2")
    f.StaffPositionFactory(person=other_director, organization=c.other_school, position="director")
    for person in (c.class_teacher, c.parent, other_director, c.official):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
        assert (
            client.post(reverse("timetable_generate", args=[c.school_class.pk])).status_code == 404
        )


def test_slot_form_keeps_what_was_typed_when_refused(journal, client):
    c = journal.cast
    client.force_login(c.director)
    url = reverse("timetable_slot_add", args=[c.school_class.pk])
    data = {
        "weekday": "1",
        "number": "3",
        "subject": journal.russian.pk,
        "teacher": journal.russian_teacher.pk,
        "room": "205-Б",
        "valid_from": journal.today.isoformat(),
        "valid_to": "",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "два урока сразу" in body and 'value="205-Б"' in body
    data["teacher"] = c.director.pk
    done = client.post(url, data)
    assert done.status_code == 302
    assert TimetableEntry.objects.filter(
        school_class=c.school_class, weekday=1, number=3, room="205-Б"
    ).exists()


def test_change_page_changes_a_slot_from_a_date(journal, client):
    c = journal.cast
    entry = _entry(journal, 2, 2)
    client.force_login(c.director)
    start = _next_weekday(journal.today, 2)
    response = client.post(
        reverse("timetable_slot_change", args=[entry.pk]),
        {
            "from_date": start.isoformat(),
            "subject": journal.russian.pk,
            "teacher": c.director.pk,
            "room": "1",
        },
    )
    assert response.status_code == 302
    assert TimetableEntry.objects.filter(
        school_class=c.school_class, weekday=2, number=2, valid_from=start, teacher=c.director
    ).exists()


def test_editor_costs_the_same_with_a_full_week(journal, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = journal.cast
    client.force_login(c.director)
    url = reverse("timetable_edit", args=[c.school_class.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for weekday in range(1, 7):
        for number in range(3, 7):
            teacher = f.UserFactory()
            f.StaffPositionFactory(person=teacher, organization=c.school)
            TimetableEntry.objects.create(
                school_class=c.school_class,
                weekday=weekday,
                number=number,
                subject=journal.math,
                teacher=teacher,
                valid_from=journal.term2.starts_on,
            )
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200
