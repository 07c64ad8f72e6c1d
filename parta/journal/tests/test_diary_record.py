"""JRN-4, JRN-6, JRN-7, JRN-8: the year's marks, averages and final grades in the diary, the
changes of marks as the family sees them, and the archive of past years (read-only)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.directory.models import AcademicYear
from parta.journal.models import FinalGrade, Lesson, Mark, Term
from parta.journal.services import marks
from parta.journal.tests.fixtures import add_lessons, grade_type


def _record_url(child, year=None) -> str:
    url = reverse("diary_record") + f"?child={child.pk}"
    return url + (f"&year={year.pk}" if year else "")


def test_record_shows_term_marks_averages_and_final_grades(journal, client) -> None:
    c = journal.cast
    lessons = journal.past_math_lessons()
    test = grade_type("test")
    for lesson, value in zip(lessons[:3], (5, 4, 2), strict=True):
        marks.mark_set(
            actor=c.director,
            lesson=marks.lesson_for_marking(c.director, lesson.pk),
            student_id=c.student.pk,
            value=value,
            grade_type=test if value == 2 else None,
        )
    marks.final_grade_set(
        actor=c.director,
        student_id=c.student.pk,
        school_class=c.school_class,
        subject=journal.math,
        term=None,
        value=4,
    )
    client.force_login(c.parent)
    response = client.get(_record_url(c.student))
    assert response.status_code == 200
    record = response.context["record"]
    math = next(s for s in record.subjects if s.name == "Математика")
    term2 = next(t for t in math.terms if t.term == journal.term2)
    assert [m["value"] for m in term2.marks] == [5, 4, 2]
    assert term2.average.plain == Decimal("3.67")
    weighted = (Decimal(9) + 2 * test.weight) / (2 + test.weight)
    assert term2.average.weighted == weighted.quantize(Decimal("0.01"))
    assert math.year.value == 4
    body = response.content.decode()
    assert "Итоговые оценки" in body
    assert journal.term1.name in body and journal.term2.name in body


def test_parent_sees_a_changed_mark_as_changed_on_date_from_to(journal, client) -> None:
    """JRN-7: "изменена 12.11.2026: 3 → 4"; the first mark is not a change."""
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=3)
    marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4)
    marks.mark_set(
        actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4, comment="ок"
    )
    client.force_login(c.parent)
    body = client.get(_record_url(c.student)).content.decode()
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert f"изменена {today}: 3 → 4" in body
    assert body.count("изменена ") == 1  # the comment alone changed no mark
    assert f"урок {lesson.date.strftime('%d.%m.%Y')}" in body
    # The student reads the same history of their own marks.
    client.force_login(c.student)
    assert f"изменена {today}: 3 → 4" in client.get(reverse("diary_record")).content.decode()


def _past_year(journal):
    """Last year's 4А at the same school with one term, a lesson, a mark and a year grade."""
    c = journal.cast
    year = AcademicYear.objects.create(
        organization=c.school,
        name="2025/2026",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2026, 5, 26),
        is_current=False,
    )
    klass = f.SchoolClassFactory(organization=c.school, academic_year=year, grade=4, letter="А")
    f.EnrollmentFactory(student=c.student, school_class=klass)
    term = Term.objects.create(
        academic_year=year,
        number=1,
        name="Прошлогодняя четверть",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2026, 5, 26),
        closed_at=timezone.now(),
    )
    lesson = Lesson.objects.create(
        school_class=klass,
        subject=journal.math,
        teacher=c.class_teacher,
        term=term,
        date=datetime.date(2025, 10, 6),
        number=1,
    )
    Mark.objects.create(
        lesson=lesson, student=c.student, value=5, updated_at=timezone.now(), weight=1
    )
    FinalGrade.objects.create(
        student=c.student,
        school_class=klass,
        subject=journal.math,
        academic_year=year,
        term=None,
        value=5,
        updated_at=timezone.now(),
    )
    return year, klass


def test_past_years_stay_readable_in_the_archive(journal, client) -> None:
    """JRN-6: a year selector when there are earlier places; the past year reads, read-only."""
    c = journal.cast
    year, klass = _past_year(journal)
    client.force_login(c.parent)
    current = client.get(_record_url(c.student))
    assert not current.context["is_archive"]
    body = current.content.decode()
    assert 'id="diary-year" name="year"' in body and "2025/2026 · 4А" in body
    response = client.get(_record_url(c.student, year))
    assert response.status_code == 200
    assert response.context["is_archive"]
    record = response.context["record"]
    assert record.enrollment.school_class == klass
    math = record.subjects[0]
    assert math.year.value == 5
    assert [m["value"] for m in math.terms[0].marks] == [5]
    body = response.content.decode()
    assert "Архив: 2025/2026 учебный год завершён" in body
    main = body[body.index("<main") : body.index("</main>")]
    assert 'method="post"' not in main  # nothing to change here
    # A year the child never studied in is a 404.
    other_year = AcademicYear.objects.create(
        organization=c.other_school,
        name="2024/2025",
        starts_on=datetime.date(2024, 9, 1),
        ends_on=datetime.date(2025, 5, 26),
    )
    assert client.get(_record_url(c.student, other_year)).status_code == 404


def test_other_family_never_sees_the_record(journal, client) -> None:
    c = journal.cast
    client.force_login(c.other_parent)
    assert client.get(_record_url(c.student)).status_code == 404


def test_record_costs_the_same_with_more_marks_and_changes(journal, client) -> None:
    c = journal.cast
    client.force_login(c.parent)
    url = _record_url(c.student)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    entries = [e for e in journal.entries if e.school_class_id == c.school_class.pk]
    add_lessons(
        entries,
        [journal.term1, journal.term2],
        [monday - datetime.timedelta(days=d) for d in range(35, 60)],
    )
    for lesson in journal.past_math_lessons()[:5]:
        cell = marks.lesson_for_marking(c.director, lesson.pk)
        for value in (2, 3, 4):
            marks.mark_set(actor=c.director, lesson=cell, student_id=c.student.pk, value=value)
    answer = grade_type("answer")
    Mark.objects.bulk_create(
        [
            Mark(lesson=x, student=c.student, value=4, grade_type=answer, updated_at=timezone.now())
            for x in Lesson.objects.filter(school_class=c.school_class)
        ],
        ignore_conflicts=True,
    )
    _past_year(journal)
    large = count()
    assert large == small


def test_a_week_of_a_past_year_opens_in_that_years_class(journal, client) -> None:
    c = journal.cast
    year, klass = _past_year(journal)
    client.force_login(c.parent)
    response = client.get(reverse("diary_week") + f"?child={c.student.pk}&week=2025-10-08")
    assert response.context["school_class"] == klass
    assert response.context["is_archive"]
    monday = response.context["week"].days[0]
    assert [line.mark.value for line in monday.lessons] == [5]
    body = response.content.decode()
    assert "2025/2026 учебного года: он завершён" in body
    assert f"year={year.pk}" in body
