"""Helpers of the grid tests: a class of any size with a term of lessons and marks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.directory.models import SchoolClass
from parta.journal.models import FinalGrade, Lesson, Mark, TimetableEntry
from parta.journal.tests.fixtures import JournalCast, grade_type


@dataclass
class BigClass:
    school_class: SchoolClass
    students: list[Any]
    lessons: list[Lesson]

    def grid_url(self, journal: JournalCast) -> str:
        return reverse("journal_grid", args=[self.school_class.pk, journal.math.pk])


def big_class(journal: JournalCast, *, students: int, lessons: int, letter: str) -> BigClass:
    """A class of Школа № 1 with ``students`` students and ``lessons`` Mathematics lessons of
    the class teacher in the open term (two a day up to today; at most 60), every cell holding
    a mark, every student a term grade."""
    c = journal.cast
    klass = f.SchoolClassFactory(organization=c.school, grade=9, letter=letter)
    people = [
        f.EnrollmentFactory(
            school_class=klass,
            student=f.UserFactory(last_name=f"Ученик{letter}{n:02d}", first_name="Аня"),
        ).student
        for n in range(students)
    ]
    entry = TimetableEntry.objects.create(
        school_class=klass,
        weekday=1,
        number=1,
        subject=journal.math,
        teacher=c.class_teacher,
        valid_from=journal.term2.starts_on,
    )
    kinds = [grade_type("answer"), grade_type("test")]
    # Two lessons a day up to today, so the latest ones are within the editing window.
    made = Lesson.objects.bulk_create(
        Lesson(
            school_class=klass,
            subject=journal.math,
            teacher=c.class_teacher,
            term=journal.term2,
            date=journal.today - datetime.timedelta(days=(lessons - 1 - n) // 2),
            number=1 + n % 2,
            grade_type=kinds[n % 2],
            timetable_entry=entry,
        )
        for n in range(lessons)
    )
    now = timezone.now()
    Mark.objects.bulk_create(
        Mark(
            lesson=lesson,
            student=person,
            value=2 + (i + j) % 4,
            grade_type=lesson.grade_type,
            weight=lesson.grade_type.weight,
            comment="Хорошо" if (i + j) % 7 == 0 else "",
            attendance="late" if (i + j) % 11 == 0 else "",
            version=1,
            updated_at=now,
        )
        for i, lesson in enumerate(made)
        for j, person in enumerate(people)
    )
    FinalGrade.objects.bulk_create(
        FinalGrade(
            student=person,
            school_class=klass,
            subject=journal.math,
            academic_year=klass.academic_year,
            term=journal.term2,
            value=4,
            updated_at=now,
        )
        for person in people
    )
    return BigClass(klass, people, made)


def cell_url(lesson: Lesson | int, student: Any) -> str:
    lesson_id = lesson if isinstance(lesson, int) else lesson.pk
    return reverse("journal_cell_save", args=[lesson_id, student.pk])
