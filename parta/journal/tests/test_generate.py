"""``manage.py generate``: a generated region gets one school year of journal, as planned,
consistent, repeatable, and it goes away with the region (JRN-1..7 at data-set scale)."""

from __future__ import annotations

import datetime
import io
import itertools
import zoneinfo
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from parta.directory import generate
from parta.directory.datasets import KeysCheckedOnce
from parta.directory.models import Region, SchoolClass
from parta.journal import curriculum as cur
from parta.journal.datasets import BulkTable, IndexesRebuilt
from parta.journal.generate import journal_counts
from parta.journal.models import (
    Achievement,
    Bell,
    CalendarFeed,
    FinalGrade,
    JournalSettings,
    Lesson,
    Mark,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)
from parta.journal.services.marks import _snapshot, averages, suggest_final
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db

TINY = generate.SCALES["tiny"]
MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
# A Tuesday in the second quarter: the first is closed, the year half ahead.
NOW = datetime.datetime(2026, 12, 1, 15, 30, tzinfo=MOSCOW)
JOURNAL_TABLES = (
    JournalSettings, Term, Bell, TimetableEntry, Lesson, Mark, MarkChange, FinalGrade,
    ScheduleChange, Achievement,
)  # fmt: skip


def make(**kw) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return generate.generate(TINY, now=kw.pop("now", NOW), **kw)


def region() -> Region:
    return Region.objects.get(code=TINY.region_code)


def in_region(model):  # type: ignore[no-untyped-def]
    paths = {
        Lesson: "school_class__organization__municipality__region",
        Mark: "lesson__school_class__organization__municipality__region",
        MarkChange: "school_class__organization__municipality__region",
        FinalGrade: "school_class__organization__municipality__region",
        TimetableEntry: "school_class__organization__municipality__region",
        ScheduleChange: "lesson__school_class__organization__municipality__region",
        Term: "academic_year__organization__municipality__region",
        Bell: "organization__municipality__region",
        JournalSettings: "organization__municipality__region",
        Achievement: "organization__municipality__region",
    }
    return model.objects.filter(**{f"{paths[model]}__code": TINY.region_code})


def fingerprint() -> list[tuple]:
    """The journal's content without database ids: what two runs must agree on."""
    lessons = in_region(Lesson).values_list(
        "school_class__organization__inn", "school_class__grade", "school_class__letter",
        "date", "number", "subject__name", "teacher__username", "substitute__username",
        "status", "topic", "homework", "homework_due", "grade_type__code",
    )  # fmt: skip
    marks = in_region(Mark).values_list(
        "lesson__school_class__organization__inn", "lesson__date", "lesson__number",
        "student__username", "value", "attendance", "reason", "comment", "version",
        "grade_type__code", "updated_at",
    )  # fmt: skip
    finals = in_region(FinalGrade).values_list(
        "student__username", "subject__name", "term__number", "value", "passed"
    )
    return sorted(map(tuple, lessons)) + sorted(map(tuple, marks)) + sorted(map(tuple, finals))


def planned_lessons() -> int:
    """Lessons the plan asks for: each class's day lengths over the year's school days."""
    total = 0
    for school_class in SchoolClass.objects.filter(
        organization__municipality__region__code=TINY.region_code
    ).select_related("academic_year"):
        year = school_class.academic_year
        lengths = cur.day_lengths(cur.weekly_hours(school_class.grade))
        for term in cur.school_terms(year.starts_on, year.ends_on):
            total += sum(lengths[day.isoweekday()] for day in term.days)
    return total


def test_tiny_journal_follows_the_plan():
    """JRN-1, JRN-2, JRN-3: four quarters, bells, the federal plan's hours, a lesson for
    every slot of every school day of the year; the counts returned are the rows written."""
    counts = make()
    classes = SchoolClass.objects.filter(organization__municipality__region__code=TINY.region_code)
    assert counts["journal_terms"] == 4 * TINY.schools
    assert counts["journal_bells"] == 8 * TINY.schools
    assert counts["timetable_entries"] == sum(cur.weekly_hours(c.grade) for c in classes)
    assert counts["lessons"] == planned_lessons()
    stored = journal_counts(region())
    assert {k: counts[k] for k in stored} == stored
    assert counts["grades"] > 1000
    assert counts["mark_history"] > counts["marks"]
    # Every class's week has exactly the plan's hours of each subject.
    for school_class in classes:
        week = Counter(
            TimetableEntry.objects.filter(school_class=school_class).values_list(
                "subject__name", flat=True
            )
        )
        assert week == Counter(dict(cur.plan_of(school_class.grade)))


def test_no_teacher_is_in_two_places_at_once():
    """JRN-2: neither the weekly template nor the lessons (substitutes included) put one
    teacher into two classes in the same slot; substitutes and cancellations have their
    schedule change."""
    make()
    slots = Counter(in_region(TimetableEntry).values_list("teacher_id", "weekday", "number"))
    assert max(slots.values()) == 1
    taught = Counter(
        (substitute or teacher, day, number)
        for teacher, substitute, day, number in in_region(Lesson)
        .filter(status=Lesson.Status.PLANNED)
        .values_list("teacher_id", "substitute_id", "date", "number")
    )
    assert max(taught.values()) == 1
    substituted = in_region(Lesson).filter(substitute__isnull=False)
    cancelled = in_region(Lesson).filter(status=Lesson.Status.CANCELLED)
    assert substituted.exists() and cancelled.exists()
    assert not substituted.exclude(changes__kind=ScheduleChange.Kind.SUBSTITUTION).exists()
    assert not cancelled.exclude(changes__kind=ScheduleChange.Kind.CANCELLED).exists()
    assert not substituted.filter(substitute=F("teacher")).exists()


def test_marks_only_on_lessons_that_took_place():
    """JRN-4, JRN-5: marks and attendance only on past lessons that were not cancelled; no
    marks in grade 1 nor in pass/fail subjects; topics and homework on past lessons only."""
    make()
    now = NOW.astimezone(MOSCOW)
    for day, ends_at, status in (
        in_region(Mark).values_list("lesson__date", "lesson__ends_at", "lesson__status").distinct()
    ):
        assert datetime.datetime.combine(day, ends_at, tzinfo=MOSCOW) <= now
        assert status == Lesson.Status.PLANNED
    marks = in_region(Mark)
    assert marks.filter(updated_at__gt=NOW).count() == 0
    assert not marks.filter(lesson__school_class__grade=1, value__isnull=False).exists()
    assert marks.filter(lesson__school_class__grade=1).exclude(attendance="").exists()
    assert not marks.filter(lesson__subject__name__in=cur.PASS_FAIL, value__isnull=False).exists()
    future = in_region(Lesson).filter(date__gt=now.date())
    assert future.count() > in_region(Lesson).count() / 2
    assert not future.exclude(topic="", homework="").exists()
    past = in_region(Lesson).filter(date__lt=now.date(), status=Lesson.Status.PLANNED)
    assert past.exclude(homework="").count() > past.count() / 2
    with_homework = past.exclude(homework="")
    assert not with_homework.filter(school_class__grade=1).exists()
    assert all(due > day for day, due in with_homework.values_list("date", "homework_due"))


def test_closed_terms_have_term_grades_from_the_weighted_average():
    """JRN-6: the quarter that ended is closed and has term grades from the weighted
    average (``suggest_final``); the current one has none yet."""
    make()
    terms = in_region(Term)
    closed = terms.filter(closed_at__isnull=False)
    assert set(closed.values_list("number", flat=True)) == {1}
    assert not terms.filter(number=2, closed_at__isnull=False).exists()
    finals = in_region(FinalGrade)
    assert finals.exists()
    assert set(finals.values_list("term__number", flat=True)) == {1}
    journal = JournalSettings()
    checked = 0
    for grade in finals.filter(value__isnull=False).select_related("term")[:60]:
        cells = Mark.objects.filter(
            student_id=grade.student_id,
            lesson__subject_id=grade.subject_id,
            lesson__term=grade.term,
            value__isnull=False,
        )
        _plain, weighted = averages([(m.value, m.weight) for m in cells])
        assert grade.value == suggest_final(weighted, journal)
        checked += 1
    assert checked == 60
    # Pass/fail subjects are passed, without a mark.
    assert finals.filter(subject__name__in=cur.PASS_FAIL, passed=True, value=None).exists()


def test_every_cell_has_its_whole_history():
    """JRN-7: each cell's versions are all in the history, the first from nothing, the last
    equal to the cell as it stands; corrections (certificates, retakes) are second versions."""
    make()
    history: dict[int, list[MarkChange]] = {}
    for change in in_region(MarkChange).filter(kind=MarkChange.Kind.CELL).order_by("version"):
        history.setdefault(change.mark_id, []).append(change)
    marks = list(in_region(Mark))
    assert len(history) == len(marks)
    for mark in marks:
        versions = history[mark.pk]
        assert [c.version for c in versions] == list(range(1, mark.version + 1))
        assert versions[0].old == {}
        assert versions[-1].new == _snapshot(mark)
        assert versions[-1].changed_at == mark.updated_at
        for before, after in itertools.pairwise(versions):
            assert after.old == before.new
            assert after.changed_at >= before.changed_at
    corrected = [m for m in marks if m.version == 2]
    assert any(m.attendance == "sick" for m in corrected)
    assert any(m.comment == "Пересдача" for m in corrected)
    finals = in_region(FinalGrade)
    assert in_region(MarkChange).filter(kind=MarkChange.Kind.FINAL).count() == finals.count()


def test_attendance_and_marks_are_realistic():
    """shared/domain/journal.md: 3–7 % of lessons missed, marks around 4, 8–15 marks a
    quarter in a 5-hour subject."""
    make()
    cells = in_region(Mark).filter(lesson__term__number=1)
    pupil_lessons = sum(
        c.lessons.filter(term__number=1, status=Lesson.Status.PLANNED).count()
        * c.enrollments.count()
        for c in SchoolClass.objects.filter(
            organization__municipality__region__code=TINY.region_code
        )
    )
    missed = cells.filter(attendance__in=["absent", "sick", "excused"]).count()
    assert 0.03 <= missed / pupil_lessons <= 0.07
    values = list(cells.filter(value__isnull=False).values_list("value", flat=True))
    assert 3.6 <= sum(values) / len(values) <= 4.3
    assert set(values) == {2, 3, 4, 5}
    per_pupil = Counter(
        cells.filter(
            value__isnull=False, lesson__subject__name="Математика", lesson__school_class__grade=6
        ).values_list("student_id", flat=True)
    )
    typical = sorted(per_pupil.values())[len(per_pupil) // 2]
    assert 8 <= typical <= 15


def test_generation_is_deterministic_and_replace_regenerates():
    """The same seed and moment make the same journal; ``--replace`` deletes the old one
    first (nothing doubles); another seed makes another journal."""
    first = make()
    content = fingerprint()
    second = make(replace=True)
    assert second == first
    assert fingerprint() == content
    assert journal_counts(region()) == {k: first[k] for k in journal_counts(region())}
    make(replace=True, seed=2)
    assert fingerprint() != content


@pytest.mark.postgres
def test_copy_and_bulk_insert_write_the_same_journal():
    """COPY (binary, PostgreSQL) and multi-row INSERT make the same rows."""
    make(use_copy=True)
    copied = fingerprint()
    make(replace=True, use_copy=False)
    assert fingerprint() == copied


def test_deleting_the_dataset_leaves_no_journal_rows(journal):
    """Deleting a generated region removes its whole journal, the history included (the
    append-only table is purged through its one sanctioned path) and its people's inbox
    and calendar feeds; another region's journal stays."""
    before = {model: model.objects.count() for model in JOURNAL_TABLES}
    make()
    person = get_user_model().objects.filter(username__startswith=TINY.username_prefix).first()
    Notification.objects.create(recipient=person, kind="test", title="x")
    CalendarFeed.objects.create(person=person, token_hash="h" * 64)
    assert in_region(MarkChange).exists()
    with transaction.atomic():
        generate.generate_delete(TINY)
    assert {model: model.objects.count() for model in JOURNAL_TABLES} == before
    assert not Notification.objects.filter(recipient__username__startswith="gen-").exists()
    assert not CalendarFeed.objects.filter(person__username__startswith="gen-").exists()
    # The other region's journal (the cast's) is whole.
    assert Lesson.objects.filter(pk__in=[x.pk for x in journal.lessons]).count() == len(
        journal.lessons
    )
    make()  # and the scale can be generated again
    assert in_region(Lesson).count() == planned_lessons()


def test_generate_command_writes_the_journal_unless_told_not_to():
    out = io.StringIO()
    call_command("generate", "--scale", "tiny", "--quiet", "--no-journal", stdout=out)
    assert "lessons" not in out.getvalue()
    assert not in_region(Lesson).exists()
    call_command("generate", "--scale", "tiny", "--quiet", "--replace", stdout=out)
    assert "lessons:" in out.getvalue()
    assert in_region(Lesson).exists()
    assert in_region(JournalSettings).count() == TINY.schools


@pytest.mark.postgres
def test_bulk_load_checks_every_new_reference(journal):
    """With the row-by-row checks skipped, a dangling reference among the new rows is still
    refused, when the block ends."""
    lesson = journal.lessons[0]
    with (
        pytest.raises(IntegrityError, match="journal_mark"),
        transaction.atomic(),
        KeysCheckedOnce(inserted=[Mark]) as checks,
    ):
        if not checks.active:
            pytest.skip("the database role may not set session_replication_role")
        table = BulkTable(Mark, ("lesson_id", "student_id", "version", "updated_at"), use_copy=True)
        table.add((lesson.pk, 987_654_321, 1, NOW))
        table.flush()


@pytest.mark.postgres
def test_bulk_delete_checks_nothing_is_left_pointing_at_deleted_rows(journal):
    lesson = journal.lessons[0]
    Mark.objects.create(
        lesson=lesson, student=journal.cast.student, value=5, updated_at=NOW, version=1
    )
    with (
        pytest.raises(IntegrityError, match="journal_mark"),
        transaction.atomic(),
        KeysCheckedOnce(deleted=[Lesson]) as checks,
        connection.cursor() as cursor,
    ):
        if not checks.active:
            pytest.skip("the database role may not set session_replication_role")
        cursor.execute("DELETE FROM journal_lesson WHERE id = %s", [lesson.pk])


@pytest.mark.postgres
def test_indexes_dropped_for_a_load_come_back_the_same():
    def definitions() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'journal_mark' ORDER BY 1"
            )
            return [row[0] for row in cursor.fetchall()]

    before = definitions()
    with transaction.atomic():
        with IndexesRebuilt([Mark]):
            inside = definitions()
        after = definitions()
    assert len(inside) < len(before)
    assert any("UNIQUE" in d for d in inside)  # the unique constraint stays through the load
    assert after == before
