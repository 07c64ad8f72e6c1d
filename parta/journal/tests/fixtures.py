"""A small journal over the project's cast, relative to today so it never goes stale.

5А of Школа № 1 (``cast.school_class``) learns Mathematics from its class teacher
(``cast.class_teacher``) and Russian from ``russian_teacher``; 6Б has Mathematics from
``russian_teacher`` too. The year has two terms: the first ended and is closed, the second
runs from a month ago to a month ahead. Lessons exist for the last three weeks and the next
one, Monday to Friday: Mathematics first, Russian second.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from parta import factories as f
from parta.conftest import Cast
from parta.directory.models import Subject
from parta.journal.dates import school_today
from parta.journal.models import Bell, GradeType, Lesson, Term, TimetableEntry

BELLS = [
    (1, datetime.time(8, 30), datetime.time(9, 15)),
    (2, datetime.time(9, 25), datetime.time(10, 10)),
    (3, datetime.time(10, 30), datetime.time(11, 15)),
    (4, datetime.time(11, 35), datetime.time(12, 20)),
    (5, datetime.time(12, 30), datetime.time(13, 15)),
    (6, datetime.time(13, 25), datetime.time(14, 10)),
]


@dataclass
class JournalCast:
    cast: Cast
    math: Subject
    russian: Subject
    russian_teacher: object
    term1: Term
    term2: Term
    today: datetime.date
    entries: list[TimetableEntry] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)

    def math_lessons(self, school_class=None) -> list[Lesson]:  # type: ignore[no-untyped-def]
        klass = school_class or self.cast.school_class
        return [
            x
            for x in self.lessons
            if x.subject_id == self.math.pk and x.school_class_id == klass.pk
        ]

    def past_math_lessons(self) -> list[Lesson]:
        """Mathematics lessons of 5А in the open term up to today, oldest first."""
        return sorted(
            (x for x in self.math_lessons() if x.date <= self.today and x.term_id == self.term2.pk),
            key=lambda x: x.date,
        )


def grade_type(code: str) -> GradeType:
    return GradeType.objects.get(organization=None, code=code)


def add_lessons(
    entries: list[TimetableEntry], terms: list[Term], dates: list[datetime.date]
) -> list[Lesson]:
    bells = {
        b.number: b for b in Bell.objects.filter(organization=entries[0].school_class.organization)
    }
    answer = grade_type("answer")
    lessons = []
    for day in dates:
        term = next(t for t in terms if t.starts_on <= day <= t.ends_on)
        for entry in entries:
            if entry.weekday != day.isoweekday():
                continue
            bell = bells.get(entry.number)
            lessons.append(
                Lesson(
                    school_class=entry.school_class,
                    subject=entry.subject,
                    teacher=entry.teacher,
                    term=term,
                    date=day,
                    number=entry.number,
                    starts_at=bell.starts_at if bell else None,
                    ends_at=bell.ends_at if bell else None,
                    room=entry.room,
                    timetable_entry=entry,
                    grade_type=answer,
                )
            )
    return Lesson.objects.bulk_create(lessons)


def catalogue_ensure() -> None:
    """The grade types' catalogue (migration 0002): a transactional test's flush empties it."""
    from importlib import import_module

    from django.apps import apps

    if not GradeType.objects.filter(organization=None).exists():
        import_module("parta.journal.migrations.0002_history_append_only").catalogue(apps, None)


def make_journal(cast: Cast) -> JournalCast:
    catalogue_ensure()
    school = cast.school
    # The school's today (its region's time zone), as the pages count it: around midnight
    # the server's date may already be another day.
    today = school_today(school)
    year = cast.school_class.academic_year
    for number, start, end in BELLS:
        Bell.objects.create(organization=school, number=number, starts_at=start, ends_at=end)
    term1 = Term.objects.create(
        academic_year=year,
        number=1,
        name="1 четверть",
        starts_on=today - datetime.timedelta(days=90),
        ends_on=today - datetime.timedelta(days=31),
        closed_at=timezone.now() - datetime.timedelta(days=20),
    )
    term2 = Term.objects.create(
        academic_year=year,
        number=2,
        name="2 четверть",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=30),
    )
    math = f.SubjectFactory(name="Математика", organization=None)
    russian = f.SubjectFactory(name="Русский язык", organization=None)
    russian_teacher = f.UserFactory(username="rusist", last_name="Белова", first_name="Нина")
    f.StaffPositionFactory(person=russian_teacher, organization=school)
    since = today - datetime.timedelta(days=90)
    entries = []
    for weekday in range(1, 6):
        entries.append(
            TimetableEntry.objects.create(
                school_class=cast.school_class,
                weekday=weekday,
                number=1,
                subject=math,
                teacher=cast.class_teacher,
                room="21",
                valid_from=since,
            )
        )
        entries.append(
            TimetableEntry.objects.create(
                school_class=cast.school_class,
                weekday=weekday,
                number=2,
                subject=russian,
                teacher=russian_teacher,
                room="14",
                valid_from=since,
            )
        )
    other_entries = [
        TimetableEntry.objects.create(
            school_class=cast.other_class,
            weekday=weekday,
            number=3,
            subject=math,
            teacher=russian_teacher,
            valid_from=since,
        )
        for weekday in range(1, 6)
    ]
    monday = today - datetime.timedelta(days=today.weekday())
    dates = [monday + datetime.timedelta(days=d) for d in range(-21, 14)]
    lessons = add_lessons(entries, [term1, term2], dates)
    lessons += add_lessons(other_entries, [term1, term2], dates)
    # One lesson in the closed first term, to refuse marks on it.
    lessons += add_lessons(entries[:1], [term1, term2], [_weekday_in(term1, 1)])
    return JournalCast(
        cast=cast,
        math=math,
        russian=russian,
        russian_teacher=russian_teacher,
        term1=term1,
        term2=term2,
        today=today,
        entries=entries + other_entries,
        lessons=lessons,
    )


def _weekday_in(term: Term, isoweekday: int) -> datetime.date:
    day = term.starts_on
    while day.isoweekday() != isoweekday:
        day += datetime.timedelta(days=1)
    return day
