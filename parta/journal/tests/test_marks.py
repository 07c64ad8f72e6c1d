"""JRN-4..7: writing a journal cell, its history, closed terms, averages, two writers at once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404
from django.utils import translation

from parta.core.errors import DomainError
from parta.journal.models import Attendance, FinalGrade, Mark, MarkChange
from parta.journal.services import marks
from parta.notifications.models import Notification


@translation.override("ru")
def test_cell_parse_reads_marks_and_attendance_letters() -> None:
    assert marks.cell_parse("5") == marks.CellInput(5, "")
    assert marks.cell_parse(" н ") == marks.CellInput(None, Attendance.ABSENT)
    assert marks.cell_parse("4О") == marks.CellInput(4, Attendance.LATE)
    assert marks.cell_parse("Б") == marks.CellInput(None, Attendance.SICK)
    assert marks.cell_parse("") == marks.CellInput(None, "")
    with pytest.raises(DomainError, match="от 1 до 5"):
        marks.cell_parse("6")
    with pytest.raises(DomainError, match="Н — отсутствовал"):
        marks.cell_parse("x")
    assert marks.cell_parse("10", scale=10).value == 10


def test_mark_set_writes_the_cell_and_its_history(
    journal, django_capture_on_commit_callbacks
) -> None:
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = marks.mark_set(
            actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=3
        )
    second = marks.mark_set(
        actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4, comment="Молодец"
    )
    assert second.mark.value == 4 and second.mark.version == 2
    history = list(MarkChange.objects.filter(mark=first.mark).order_by("version"))
    assert [(h.old.get("value"), h.new.get("value")) for h in history] == [(None, 3), (3, 4)]
    assert history[1].changed_by == c.class_teacher
    # The student and the parent were told of the new grade (inbox; channels come later).
    assert set(
        Notification.objects.filter(kind="new_grade").values_list("recipient", flat=True)
    ) == {
        c.student.pk,
        c.parent.pk,
    }
    # Saving the same again changes nothing and writes no history.
    again = marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4)
    assert again.change is None
    assert MarkChange.objects.filter(mark=first.mark).count() == 2


def test_a_new_mark_reaches_every_parent_and_a_student_without_parents_alone(journal) -> None:
    """The enrolment check reads the student's parents in the same statement: one row per
    parent, and a student without any is still enrolled (and told alone)."""
    from parta import factories as f

    c = journal.cast
    second = f.GuardianshipFactory(child=c.student, kind="father").guardian
    orphan = f.EnrollmentFactory(school_class=c.school_class).student
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    for student in (c.student, orphan):
        marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=student.pk, value=4)

    def told(student) -> set[int]:  # type: ignore[no-untyped-def]
        mark = Mark.objects.get(lesson=lesson, student=student)
        return set(
            Notification.objects.filter(key=f"mark:{mark.pk}:1").values_list("recipient", flat=True)
        )

    assert told(c.student) == {c.student.pk, c.parent.pk, second.pk}
    assert told(orphan) == {orphan.pk}


def test_history_rows_cannot_be_updated_or_deleted(journal) -> None:
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    result = marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=5)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        MarkChange.objects.filter(pk=result.change.pk).update(new={"value": 2})
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        MarkChange.objects.filter(pk=result.change.pk).delete()
    assert MarkChange.objects.get(pk=result.change.pk).new == {
        "value": 5,
        "grade_type": result.mark.grade_type_id,
    }


def test_teacher_of_another_subject_cannot_mark(journal) -> None:
    c = journal.cast
    lesson_id = journal.past_math_lessons()[-1].pk
    with pytest.raises(Http404):
        marks.lesson_for_marking(journal.russian_teacher, lesson_id)
    with pytest.raises(Http404):
        marks.lesson_for_marking(c.other_teacher, lesson_id)
    with pytest.raises(Http404):
        marks.lesson_for_marking(c.parent, lesson_id)
    # The director may.
    assert marks.lesson_for_marking(c.director, lesson_id).pk == lesson_id


def test_closed_term_refuses_marks_with_a_reason(journal) -> None:
    c = journal.cast
    old = next(x for x in journal.math_lessons() if x.term_id == journal.term1.pk)
    lesson = marks.lesson_for_marking(c.director, old.pk)
    with pytest.raises(DomainError, match="1 четверть закрыта"):
        marks.mark_set(actor=c.director, lesson=lesson, student_id=c.student.pk, value=5)
    assert not Mark.objects.filter(lesson=old).exists()


def test_future_lesson_and_other_class_student_are_refused(journal) -> None:
    c = journal.cast
    future = next(x for x in journal.math_lessons() if x.date > journal.today)
    lesson = marks.lesson_for_marking(c.class_teacher, future.pk)
    with pytest.raises(DomainError, match="ещё не прошёл"):
        marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=5)
    past = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    with pytest.raises(DomainError, match="не учится"):
        marks.mark_set(actor=c.class_teacher, lesson=past, student_id=c.other_student.pk, value=5)


def test_edit_window_leaves_old_lessons_to_the_administration(journal) -> None:
    c = journal.cast
    from parta.journal.models import JournalSettings

    JournalSettings.objects.create(organization=c.school, edit_window_days=3)
    old = [x for x in journal.past_math_lessons() if (journal.today - x.date).days > 3][-1]
    lesson = marks.lesson_for_marking(c.class_teacher, old.pk)
    with pytest.raises(DomainError, match="администрация"):
        marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=5)
    marks.mark_set(actor=c.director, lesson=lesson, student_id=c.student.pk, value=5)


def test_attendance_and_a_mark_share_one_cell(journal) -> None:
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    marks.mark_set(
        actor=c.class_teacher,
        lesson=lesson,
        student_id=c.student.pk,
        attendance=Attendance.EXCUSED,
        reason="Олимпиада",
    )
    result = marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4)
    assert (result.mark.value, result.mark.attendance, result.mark.reason) == (
        4,
        "excused",
        "Олимпиада",
    )


def test_averages_plain_and_weighted() -> None:
    plain, weighted = marks.averages([(5, Decimal(1)), (3, Decimal(2))])
    assert plain == Decimal("4.00")
    assert weighted == Decimal("3.67")
    assert marks.averages([]) == (None, None)


def test_suggested_final_grade_follows_the_school_thresholds() -> None:
    from parta.journal.models import JournalSettings

    js = JournalSettings()
    assert marks.suggest_final(Decimal("4.50"), js) == 5
    assert marks.suggest_final(Decimal("4.49"), js) == 4
    assert marks.suggest_final(Decimal("2.49"), js) == 2
    js.threshold_5 = Decimal("4.65")
    assert marks.suggest_final(Decimal("4.60"), js) == 4


def test_final_grade_history_and_closed_term(journal) -> None:
    c = journal.cast
    grade = marks.final_grade_set(
        actor=c.class_teacher,
        student_id=c.student.pk,
        school_class=c.school_class,
        subject=journal.math,
        term=journal.term2,
        value=4,
    )
    marks.final_grade_set(
        actor=c.class_teacher,
        student_id=c.student.pk,
        school_class=c.school_class,
        subject=journal.math,
        term=journal.term2,
        value=5,
    )
    assert FinalGrade.objects.get(pk=grade.pk).value == 5
    assert MarkChange.objects.filter(final_grade=grade).count() == 2
    with pytest.raises(DomainError, match="закрыта"):
        marks.final_grade_set(
            actor=c.class_teacher,
            student_id=c.student.pk,
            school_class=c.school_class,
            subject=journal.math,
            term=journal.term1,
            value=5,
        )


def test_stale_screen_is_told_whose_change_it_wrote_over(journal) -> None:
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    marks.mark_set(actor=c.director, lesson=lesson, student_id=c.student.pk, value=3)
    # The teacher's screen still showed the empty cell (version 0).
    result = marks.mark_set(
        actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=5, seen_version=0
    )
    assert result.overwrote is not None and result.overwrote.changed_by == c.director
    assert result.mark.value == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_teachers_saving_one_cell_at_once_lose_nothing(journal) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    c = journal.cast
    lesson_id = journal.past_math_lessons()[-1].pk
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(actor, value) -> None:  # type: ignore[no-untyped-def]
        try:
            lesson = marks.lesson_for_marking(actor, lesson_id)
            barrier.wait()
            marks.mark_set(
                actor=actor, lesson=lesson, student_id=c.student.pk, value=value, seen_version=0
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(c.class_teacher, 4)),
        threading.Thread(target=save, args=(c.director, 2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    mark = Mark.objects.get(lesson_id=lesson_id, student=c.student)
    history = list(MarkChange.objects.filter(mark=mark).order_by("version"))
    assert [h.version for h in history] == [1, 2]
    assert {h.new["value"] for h in history} == {4, 2}
    assert history[1].old["value"] == history[0].new["value"]
    assert mark.value == history[1].new["value"]
