"""``manage.py demo``: the demo logins find a full journal and diary (JRN-1..8)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from parta.directory import demo
from parta.journal.models import (
    Achievement,
    FinalGrade,
    Lesson,
    Mark,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)
from parta.journal.services.marks import school_today
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> None:
    call_command("demo", *args, stdout=io.StringIO())


def person(username: str):  # type: ignore[no-untyped-def]
    return get_user_model().objects.get(username=username)


def demo_rows() -> dict[str, int]:
    in_demo = {"school_class__organization__municipality__region__code": demo.REGION_CODE}
    return {
        "terms": Term.objects.filter(
            academic_year__organization__municipality__region__code=demo.REGION_CODE
        ).count(),
        "timetable": TimetableEntry.objects.filter(**in_demo).count(),
        "lessons": Lesson.objects.filter(**in_demo).count(),
        "history": MarkChange.objects.filter(**in_demo).count(),
        "finals": FinalGrade.objects.filter(**in_demo).count(),
    }


def test_demo_logins_find_a_full_journal_and_diary(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_demo()
    teacher, student, parent = (
        person("demo-teacher"),
        person("demo-student"),
        person("demo-parent"),
    )
    school_class = student.enrollments.get().school_class
    today = school_today(school_class)
    # Every class of the three schools has its week.
    classes = school_class.organization.classes.all()
    assert all(TimetableEntry.objects.filter(school_class=c).exists() for c in classes)
    # demo-teacher teaches Mathematics in demo-student's class and has marked its lessons.
    taught = Lesson.objects.visible_to(teacher).filter(
        school_class=school_class, teacher=teacher, date__lt=today
    )
    assert taught.exists()
    assert set(taught.values_list("subject__name", flat=True)) == {"Математика"}
    marks = Mark.objects.visible_to(teacher).filter(lesson__in=taught, value__isnull=False)
    assert marks.count() > 5 * school_class.enrollments.count()
    # Lessons run from 1 September to four weeks ahead; the past ones have topics and homework.
    lessons = Lesson.objects.filter(school_class=school_class)
    first, last = lessons.order_by("date").first(), lessons.order_by("date").last()
    assert first.date == school_class.academic_year.starts_on
    assert (last.date - today).days >= 21
    week = Lesson.objects.visible_to(student).filter(
        school_class=school_class, date__lt=today, date__gte=today - timezone.timedelta(days=7)
    )
    assert week.exclude(topic="").exists() and week.exclude(homework="").exists()
    # The student and the parent see the child's marks, attendance and first-term grades.
    own = Mark.objects.visible_to(student).filter(student=student)
    assert own.filter(value__isnull=False).count() > 50
    assert Mark.objects.visible_to(parent).filter(student=student).count() == own.count()
    first_term = Term.objects.get(academic_year=school_class.academic_year, number=1)
    if first_term.ends_on < today:
        assert first_term.is_closed
        grades = FinalGrade.objects.visible_to(parent).filter(student=student, term=first_term)
        assert grades.count() >= 10
    # The corrected mark is in the history and the parent was told.
    correction = MarkChange.objects.filter(
        student=student, changed_by=teacher, old__value=3, new__value=4
    )
    assert correction.exists()
    assert Notification.objects.filter(recipient=parent, child=student, kind="new_grade").exists()
    # A substitution by demo-teacher and a cancelled lesson ahead, both announced.
    ahead = Lesson.objects.filter(school_class=school_class, date__gt=today)
    assert ahead.filter(substitute=teacher, changes__kind=ScheduleChange.Kind.SUBSTITUTION)
    assert ahead.filter(
        status=Lesson.Status.CANCELLED, changes__kind=ScheduleChange.Kind.CANCELLED
    ).exists()
    assert Notification.objects.filter(recipient=parent, kind="schedule_change").count() >= 2
    assert Achievement.objects.visible_to(parent).filter(student=student).count() >= 2
    # The class teacher teaches their own class Russian and Literature.
    class_teacher = person("demo-classteacher")
    own_class = TimetableEntry.objects.filter(school_class=school_class, teacher=class_teacher)
    assert {"Русский язык", "Литература"} <= set(own_class.values_list("subject__name", flat=True))


def test_demo_runs_again_without_doubling_and_resets_the_journal():
    run_demo()
    rows = demo_rows()
    assert rows["lessons"] > 10_000 and rows["history"] > 10_000
    run_demo()
    assert demo_rows() == rows
    run_demo("--reset")
    again = demo_rows()
    assert again["terms"] == rows["terms"] and again["timetable"] == rows["timetable"]
    assert again["lessons"] == rows["lessons"]
    # Nothing of the old journal is left: every history row belongs to a lesson or final
    # grade of the new region.
    assert MarkChange.objects.count() == again["history"]
    assert not MarkChange.objects.filter(
        Q(kind="cell", lesson__isnull=True) | Q(kind="final", final_grade__isnull=True)
    ).exists()
