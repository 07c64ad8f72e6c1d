"""Objects of the timetable, lessons and inbox for the access matrix
(parta/core/tests/test_access_matrix.py): a few rows on the cast, made once per cast."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from parta import factories as f
from parta.core.uploads import PrivatePath, private_storage
from parta.journal.models import GradeType, Lesson, LessonFile, Term, TimetableEntry
from parta.journal.services.homework import lesson_files_sync
from parta.notifications.models import Notification


def _cached(cast: Any, name: str, make: Any) -> Any:
    found = getattr(cast, f"_matrix_{name}", None)
    if found is None:
        found = make()
        setattr(cast, f"_matrix_{name}", found)
    return found


def entry(cast: Any) -> TimetableEntry:
    """5А's Mathematics on Mondays, first lesson, taught by the class teacher."""

    def make() -> TimetableEntry:
        today = timezone.localdate()
        Term.objects.create(
            academic_year=cast.school_class.academic_year,
            number=1,
            name="2 четверть",
            starts_on=today - datetime.timedelta(days=30),
            ends_on=today + datetime.timedelta(days=30),
        )
        math = f.SubjectFactory(name="Математика", organization=None)
        return TimetableEntry.objects.create(
            school_class=cast.school_class,
            weekday=1,
            number=1,
            subject=math,
            teacher=cast.class_teacher,
            room="21",
            valid_from=today - datetime.timedelta(days=30),
        )

    return _cached(cast, "entry", make)


def lesson(cast: Any) -> Lesson:
    def make() -> Lesson:
        slot = entry(cast)
        return Lesson.objects.create(
            school_class=cast.school_class,
            subject=slot.subject,
            teacher=cast.class_teacher,
            term=Term.objects.get(academic_year=cast.school_class.academic_year),
            date=timezone.localdate(),
            number=1,
            room="21",
            timetable_entry=slot,
        )

    return _cached(cast, "lesson", make)


def lesson_file(cast: Any) -> LessonFile:
    def make() -> LessonFile:
        the_lesson = lesson(cast)
        path = private_storage().save(
            PrivatePath("lessons")(None, "x.pdf"),
            ContentFile(b"%PDF-1.4\n%%EOF\n"),
        )
        attached = LessonFile.objects.create(
            lesson=the_lesson,
            file=path,
            name="Задание.pdf",
            size=15,
            content_type="application/pdf",
            uploaded_by=cast.class_teacher,
        )
        lesson_files_sync(the_lesson)
        return attached

    return _cached(cast, "file", make)


def grade_type(cast: Any) -> GradeType:
    return _cached(
        cast,
        "grade_type",
        lambda: GradeType.objects.create(
            organization=cast.school,
            code="own-matrix",
            name="Зачёт по нормативам",
            short_name="Зач.",
        ),
    )


def parent_notification(cast: Any) -> Notification:
    return _cached(
        cast,
        "notification",
        lambda: Notification.objects.create(
            recipient=cast.parent, kind="homework", title="Домашнее задание", url="/inbox/"
        ),
    )
