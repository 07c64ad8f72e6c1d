"""A small journal with known numbers for the statistics tests (JRN-9).

Marks are written as ``Mark`` rows directly: the services would refuse some of them on
purpose (a cancelled lesson, a closed term, a lesson that has not happened yet), and the
statistics must leave exactly those out.

In 5А's Mathematics of the open term (``journal.term2``), counted up to today; "recent" is the
last 14 days, "earlier" the days before:

- ``cast.student`` (Петров): earlier 5 (w 1), 5 (w 1); recent 4 (w 2), 3 (w 1) →
  plain 4.25, weighted 4.20; earlier 5.00, recent weighted 3.67: the average is falling.
  Russian: 4, 4. Noise that must not count: a 1 on a cancelled lesson, a 1 in the closed
  first term, a 1 on next week's lesson.
- ``weak`` (Алексеев): 2, 2, 3 → 2.33, below 3; absent without a reason three times.
- ``ill`` (Яковлева): no marks; sick on a fifth of the lessons held (rounded up).
- ``quiet`` (Борисов): nothing at all; has no parent in Parta.
- ``gone`` (Гуляев): left the class (enrolment inactive), marks 1, 1: not counted.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from parta import factories as f
from parta.journal.models import Attendance, Lesson, Mark
from parta.journal.tests.fixtures import JournalCast, add_lessons


def put(
    lesson: Lesson,
    student: Any,
    value: int | None = None,
    attendance: str = "",
    weight: str | Decimal = "1",
) -> Mark:
    return Mark.objects.create(
        lesson=lesson,
        student=student,
        value=value,
        attendance=attendance,
        weight=Decimal(weight),
        updated_at=timezone.now(),
    )


@dataclass
class StatsData:
    journal: JournalCast
    weak: Any
    ill: Any
    quiet: Any
    gone: Any
    held: list[Lesson]  # 5А Mathematics lessons of term 2 up to today, oldest first
    russian_held: list[Lesson]

    @property
    def cast(self) -> Any:
        return self.journal.cast


def held_lessons(journal: JournalCast, subject: Any) -> list[Lesson]:
    return sorted(
        (
            x
            for x in journal.lessons
            if x.subject_id == subject.pk
            and x.school_class_id == journal.cast.school_class.pk
            and x.term_id == journal.term2.pk
            and x.date <= journal.today
        ),
        key=lambda x: (x.date, x.number),
    )


def make_stats_data(journal: JournalCast) -> StatsData:
    cast = journal.cast
    klass = cast.school_class
    weak = f.EnrollmentFactory(
        school_class=klass, student=f.UserFactory(last_name="Алексеев", first_name="Егор")
    ).student
    ill = f.EnrollmentFactory(
        school_class=klass, student=f.UserFactory(last_name="Яковлева", first_name="Вера")
    ).student
    quiet = f.EnrollmentFactory(
        school_class=klass, student=f.UserFactory(last_name="Борисов", first_name="Глеб")
    ).student
    gone = f.EnrollmentFactory(
        school_class=klass,
        student=f.UserFactory(last_name="Гуляев", first_name="Олег"),
        is_active=False,
    ).student
    f.GuardianshipFactory(child=weak)
    f.GuardianshipFactory(child=ill)
    f.GuardianshipFactory(child=gone)

    held = held_lessons(journal, journal.math)
    # Алексеев's three absences must stay below MISSED_SHARE (20 %) of the lessons counted
    # (held, the cancelled one aside) on any day of the week: on a Monday the fixture has
    # only 15 of them, so later periods on the first day make it 16.
    short = 16 - (len(held) - 1)
    for period in range(6, 6 + short):
        extra = Lesson.objects.get(pk=held[0].pk)
        extra.pk = None
        extra.number = period
        extra.timetable_entry = None
        extra.save()
        journal.lessons.append(extra)
    held = held_lessons(journal, journal.math)
    cut = journal.today - datetime.timedelta(days=14)
    earlier = [x for x in held if x.date <= cut]
    recent = [x for x in held if x.date > cut]
    assert len(earlier) >= 4 and len(recent) >= 4, "the fixture's lessons moved"

    student = cast.student
    put(earlier[0], student, 5)
    put(earlier[1], student, 5)
    put(recent[0], student, 4, weight="2")
    put(recent[1], student, 3)
    # Not counted: a cancelled lesson, the closed term, a lesson still to come.
    Lesson.objects.filter(pk=earlier[2].pk).update(status=Lesson.Status.CANCELLED)
    put(earlier[2], student, 1)
    first_term = next(x for x in journal.lessons if x.term_id == journal.term1.pk)
    put(first_term, student, 1)
    future = next(
        x
        for x in journal.math_lessons()
        if x.date > journal.today and x.term_id == journal.term2.pk
    )
    put(future, student, 1)

    put(earlier[3], weak, 2, Attendance.LATE)
    put(recent[2], weak, 2)
    put(recent[3], weak, 3)
    put(earlier[0], weak, None, Attendance.ABSENT)
    put(earlier[1], weak, None, Attendance.ABSENT)
    put(recent[1], weak, None, Attendance.ABSENT)

    counted = [x for x in held if x.pk != earlier[2].pk]
    for lesson in counted[: math.ceil(len(counted) / 5)]:
        put(lesson, ill, None, Attendance.SICK)

    put(recent[0], gone, 1)
    put(recent[1], gone, 1)

    russian = held_lessons(journal, journal.russian)
    put(russian[0], student, 4)
    put(russian[-1], student, 4)
    Lesson.objects.filter(pk__in=[counted[0].pk, counted[1].pk]).update(
        topic="Дроби", homework="<p>№ 12</p>"
    )
    Lesson.objects.filter(pk=counted[2].pk).update(topic="Проценты")
    return StatsData(journal, weak, ill, quiet, gone, counted, russian)


def add_lessons_after(journal: JournalCast, weeks: int) -> list[Lesson]:
    """More past lessons of 5А's Mathematics in term 2 (for growing data)."""
    entries = [e for e in journal.entries if e.school_class_id == journal.cast.school_class.pk]
    start = journal.term2.starts_on
    dates = [start + datetime.timedelta(days=d) for d in range(weeks * 7)]
    return add_lessons(entries, [journal.term1, journal.term2], dates)
