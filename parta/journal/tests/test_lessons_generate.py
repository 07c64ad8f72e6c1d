"""JRN-2, JRN-3: lessons come from the weekly template — on school days inside the terms,
idempotent, and a changed template regenerates only the future lessons nobody touched."""

from __future__ import annotations

import datetime

from parta.journal.models import Lesson, ScheduleChange, Term, TimetableEntry
from parta.journal.services import lessons as service
from parta.journal.services import timetable as timetable_service

DAY = datetime.timedelta(days=1)


def _whole_year(journal):
    year = journal.cast.school_class.academic_year
    return service.lessons_generate(
        school_class=journal.cast.school_class, date_from=year.starts_on, date_to=year.ends_on
    )


def test_generation_is_idempotent(journal):
    """Running twice creates nothing new, and the fixture's own lessons are not doubled."""
    first = _whole_year(journal)
    assert first.created > 0
    count = Lesson.objects.count()
    again = _whole_year(journal)
    assert (again.created, again.removed) == (0, 0)
    assert Lesson.objects.count() == count
    # One lesson per slot and day.
    klass = journal.cast.school_class
    seen = list(Lesson.objects.filter(school_class=klass).values_list("date", "number"))
    assert len(seen) == len(set(seen))


def test_lessons_fall_on_school_days_inside_terms_only(journal):
    _whole_year(journal)
    lessons = Lesson.objects.filter(school_class=journal.cast.school_class)
    terms = list(Term.objects.filter(academic_year=journal.cast.school_class.academic_year))
    for lesson in lessons:
        assert any(t.starts_on <= lesson.date <= t.ends_on for t in terms)
        assert lesson.date.isoweekday() <= 5  # the template has Monday to Friday
        assert lesson.term.starts_on <= lesson.date <= lesson.term.ends_on
    # The holidays between the two terms have no lessons.
    gap = (journal.term1.ends_on + DAY, journal.term2.starts_on - DAY)
    assert not lessons.filter(date__range=gap).exists()


def test_generated_lesson_takes_bell_times_room_and_teacher(journal):
    _whole_year(journal)
    lesson = Lesson.objects.filter(
        school_class=journal.cast.school_class, number=2, date__gt=journal.today + 7 * DAY
    ).first()
    assert (lesson.starts_at, lesson.ends_at) == (datetime.time(9, 25), datetime.time(10, 10))
    assert (lesson.room, lesson.teacher, lesson.subject) == (
        "14",
        journal.russian_teacher,
        journal.russian,
    )
    assert lesson.grade_type.code == "answer"


def test_changed_template_regenerates_only_untouched_future_lessons(journal):
    """A slot closed from today: past lessons stay; future empty ones go; written,
    cancelled or substituted ones stay."""
    c = journal.cast
    _whole_year(journal)
    entry = TimetableEntry.objects.get(school_class=c.school_class, weekday=5, number=1)
    future = list(
        Lesson.objects.filter(timetable_entry=entry, date__gte=journal.today).order_by("date")
    )
    written, cancelled, substituted = future[0], future[1], future[2]
    Lesson.objects.filter(pk=written.pk).update(topic="Дроби")
    service.lesson_cancel(actor=c.director, lesson=cancelled)
    service.lesson_substitute(
        actor=c.director, lesson=substituted, substitute=journal.russian_teacher
    )
    past = set(
        Lesson.objects.filter(timetable_entry=entry, date__lt=journal.today).values_list(
            "pk", flat=True
        )
    )
    # The template's slot ends yesterday (written directly: the service refuses the past).
    TimetableEntry.objects.filter(pk=entry.pk).update(valid_to=journal.today - DAY)
    result = _whole_year(journal)
    left = set(Lesson.objects.filter(timetable_entry=entry).values_list("pk", flat=True))
    assert left == past | {written.pk, cancelled.pk, substituted.pk}
    assert {x.pk for x in result.kept} == {written.pk, cancelled.pk, substituted.pk}
    assert result.removed == len(future) - 3


def test_moved_lesson_is_not_made_again_at_its_old_place(journal):
    c = journal.cast
    _whole_year(journal)
    lesson = (
        Lesson.objects.filter(school_class=c.school_class, number=1, date__gt=journal.today + DAY)
        .order_by("date")
        .first()
    )
    old_date = lesson.date
    service.lesson_move(actor=c.director, lesson=lesson, date=old_date, number=5)
    assert ScheduleChange.objects.filter(lesson=lesson, kind="moved").exists()
    again = _whole_year(journal)
    assert again.created == 0
    assert not Lesson.objects.filter(school_class=c.school_class, date=old_date, number=1).exists()


def test_new_terms_bring_their_lessons(cast):
    """JRN-1 and JRN-2 together: a timetable entered before the terms gets its lessons when
    the terms are set."""
    from parta import factories as f

    year = cast.school_class.academic_year
    math = f.SubjectFactory(name="Математика", organization=None)
    timetable_service.timetable_entry_add(
        actor=cast.director,
        school_class=cast.school_class,
        weekday=1,
        number=1,
        slot=timetable_service.SlotInput(math, cast.class_teacher, "21"),
        valid_from=year.starts_on,
    )
    assert not Lesson.objects.exists()
    timetable_service.term_set(
        actor=cast.director,
        academic_year=year,
        system="quarters",
        terms=timetable_service.terms_suggest(year=year, system="quarters"),
    )
    mondays = Lesson.objects.filter(school_class=cast.school_class)
    assert mondays.count() >= 30
    assert {x.date.isoweekday() for x in mondays} == {1}
    assert not mondays.filter(
        date__range=(datetime.date(2026, 10, 25), datetime.date(2026, 11, 4))
    ).exists()
