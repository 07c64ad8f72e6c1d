"""JRN-4..7 through the teacher's journal pages: who opens which journal, cell saves and their
refusals, conflicts, averages, term and year grades, history, grade types, closing terms."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.journal.models import (
    Attendance,
    FinalGrade,
    GradeType,
    Lesson,
    Mark,
    MarkChange,
    TimetableEntry,
)
from parta.journal.selectors import grid as selectors
from parta.journal.services import marks
from parta.journal.tests.fixtures import grade_type
from parta.journal.tests.grid_helpers import cell_url


def grid_url(journal, school_class=None, subject=None, **query) -> str:  # type: ignore[no-untyped-def]
    klass = school_class or journal.cast.school_class
    url = reverse("journal_grid", args=[klass.pk, (subject or journal.math).pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def latest(journal) -> Lesson:  # type: ignore[no-untyped-def]
    return journal.past_math_lessons()[-1]


# --- who opens which journal -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("member", "status"),
    [
        ("class_teacher", 200),  # teaches Mathematics in 5А
        ("director", 200),
        ("russian_teacher", 404),  # teaches 5А, but Russian
        ("other_teacher", 404),  # another school
        ("parent", 404),
        ("student", 404),
        ("official", 404),  # the authorities read reports, not the teacher's page
    ],
)
def test_math_journal_of_5a_opens_only_for_its_teacher_and_the_director(
    journal, client, member, status
) -> None:
    """JRN-4: another teacher's journal, a parent or a student: 404, as if it did not exist."""
    people = {**journal.cast.members, "russian_teacher": journal.russian_teacher}
    client.force_login(people[member])
    assert client.get(grid_url(journal)).status_code == status


def test_class_teacher_reads_another_subjects_journal_of_their_class(journal, client) -> None:
    """The class teacher sees the Russian journal of 5А but cannot change it."""
    c = journal.cast
    lesson = max(
        (
            x
            for x in journal.lessons
            if x.subject_id == journal.russian.pk
            and x.date <= journal.today
            and x.term_id == journal.term2.pk
        ),
        key=lambda x: x.date,
    )
    marks.mark_set(
        actor=journal.russian_teacher,
        lesson=marks.lesson_for_marking(journal.russian_teacher, lesson.pk),
        student_id=c.student.pk,
        value=4,
    )
    client.force_login(c.class_teacher)
    response = client.get(grid_url(journal, subject=journal.russian))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert not grid.journal.can_change
    assert all("Только просмотр" in col.lock for col in grid.columns)
    response = client.post(cell_url(lesson, c.student), {"value": "2"})
    assert response.status_code == 404
    assert Mark.objects.get(lesson=lesson, student=c.student).value == 4


def test_grid_shows_students_by_surname_and_the_terms_lessons(journal, client) -> None:
    c = journal.cast
    f.EnrollmentFactory(
        school_class=c.school_class, student=f.UserFactory(last_name="Абрамов", first_name="Гоша")
    )
    client.force_login(c.class_teacher)
    response = client.get(grid_url(journal))
    grid = response.context["grid"]
    # Confirmed students only (the pending one waits), by surname.
    assert [r.name for r in grid.rows] == ["Абрамов Гоша", "Петров Миша"]
    assert grid.term == journal.term2
    expected = sorted(
        (x for x in journal.math_lessons() if x.term_id == journal.term2.pk),
        key=lambda x: (x.date, x.number),
    )
    assert [col.lesson.pk for col in grid.columns] == [x.pk for x in expected]
    future = [col for col in grid.columns if col.lesson.date > journal.today]
    assert future and all("ещё не прошёл" in col.lock for col in future)
    recent = [col for col in grid.columns if 0 <= (journal.today - col.lesson.date).days <= 14]
    assert recent and all(col.lock == "" for col in recent)
    # Past the school's editing window (14 days by default) only the administration may.
    old = [col for col in grid.columns if (journal.today - col.lesson.date).days > 14]
    assert old and all("администрация" in col.lock for col in old)
    body = response.content.decode()
    assert "Петров Миша" in body and 'data-final="' in body
    # The closed first term is one click away and its cells are locked with the reason.
    response = client.get(grid_url(journal, term=journal.term1.pk))
    old = response.context["grid"]
    assert old.term == journal.term1
    assert all("1 четверть закрыта" in col.lock for col in old.columns)


def test_grid_marks_cancelled_and_substituted_lessons(journal, client) -> None:
    c = journal.cast
    lessons = journal.past_math_lessons()[-2:]
    Lesson.objects.filter(pk=lessons[0].pk).update(status=Lesson.Status.CANCELLED)
    Lesson.objects.filter(pk=lessons[1].pk).update(substitute=journal.russian_teacher)
    client.force_login(c.class_teacher)
    response = client.get(grid_url(journal))
    columns = {col.lesson.pk: col for col in response.context["grid"].columns}
    assert columns[lessons[0].pk].lock == "Урок отменён: отметки на нём не ставятся."
    assert not columns[lessons[0].pk].can_retype
    body = response.content.decode()
    assert "отменён" in body and "Замена: Белова Н. И." in body
    # The substitute may mark that lesson and sees the journal.
    client.force_login(journal.russian_teacher)
    assert client.get(grid_url(journal)).status_code == 200
    saved = client.post(cell_url(lessons[1], c.student), {"value": "5"})
    assert saved.json()["ok"] is True


def test_a_term_of_another_year_or_unknown_is_404(journal, client) -> None:
    from parta.journal.models import Term

    other_year = f.SchoolClassFactory(organization=journal.cast.other_school).academic_year
    foreign = Term.objects.create(
        academic_year=other_year,
        number=1,
        name="1 четверть",
        starts_on=journal.today,
        ends_on=journal.today + datetime.timedelta(days=10),
    )
    client.force_login(journal.cast.class_teacher)
    assert client.get(grid_url(journal, term=foreign.pk)).status_code == 404
    assert client.get(grid_url(journal, term=999999)).status_code == 404
    # Not a number: the default term.
    assert client.get(grid_url(journal, term="x")).context["grid"].term == journal.term2


# --- my journals -----------------------------------------------------------------------------
def test_my_journals_lists_what_the_teacher_teaches(journal, client) -> None:
    client.force_login(journal.russian_teacher)
    response = client.get(reverse("journal_list"))
    assert response.status_code == 200
    mine = response.context["mine"]
    assert [(x.school_class.name, x.subject.name) for x in mine.taught] == [
        ("5А", "Русский язык"),
        ("6Б", "Математика"),
    ]
    assert not mine.school
    body = response.content.decode()
    assert grid_url(journal, subject=journal.russian) in body


def test_a_substitution_alone_brings_the_journal_marked_as_such(journal, client) -> None:
    c = journal.cast
    Lesson.objects.filter(pk=latest(journal).pk).update(substitute=journal.russian_teacher)
    client.force_login(journal.russian_teacher)
    mine = client.get(reverse("journal_list")).context["mine"]
    found = {(x.school_class.name, x.subject.name): x.substitute_only for x in mine.taught}
    assert found[("5А", "Математика")] is True
    assert found[("6Б", "Математика")] is False
    assert c.school_class.name == "5А"


def test_director_sees_every_journal_of_the_school_by_class(journal, client) -> None:
    client.force_login(journal.cast.director)
    mine = client.get(reverse("journal_list")).context["mine"]
    assert not mine.taught
    assert [
        (g.school_class.name, [(x.subject.name, x.teachers) for x in g.journals])
        for g in mine.school
    ] == [
        ("5А", [("Математика", ["Смирнова О. П."]), ("Русский язык", ["Белова Н. И."])]),
        ("6Б", [("Математика", ["Белова Н. И."])]),
    ]


def test_my_journals_is_not_for_parents_or_students(journal, client) -> None:
    for person in (journal.cast.parent, journal.cast.student):
        client.force_login(person)
        assert client.get(reverse("journal_list")).status_code == 404


def test_teacher_home_links_the_teachers_journals(journal, client) -> None:
    client.force_login(journal.russian_teacher)
    body = client.get(reverse("teacher_home")).content.decode()
    assert grid_url(journal, subject=journal.russian) in body
    assert grid_url(journal, school_class=journal.cast.other_class) in body
    assert "Классы школы" in body


# --- saving a cell ---------------------------------------------------------------------------
def test_cell_save_returns_the_cell_and_the_students_averages(journal, client) -> None:
    """JRN-4, JRN-7: the mark is written with its history; the row's averages come back."""
    c = journal.cast
    first, second = journal.past_math_lessons()[-2:]
    Lesson.objects.filter(pk=second.pk).update(grade_type=grade_type("test"))
    client.force_login(c.class_teacher)
    response = client.post(cell_url(first, c.student), {"value": "5", "seen_version": "0"})
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["text"] == "5" and data["version"] == 1
    assert data["summary"] == {"plain": "5,00", "weighted": "5,00", "suggested": "5"}
    assert data["warning"] == ""
    data = client.post(cell_url(second, c.student), {"value": "3", "seen_version": "0"}).json()
    # 5 with weight 1 and 3 with the test's weight 2: (5 + 6) / 3.
    assert data["summary"] == {"plain": "4,00", "weighted": "3,67", "suggested": "4"}
    mark = Mark.objects.get(lesson=second, student=c.student)
    assert (mark.value, mark.weight, mark.updated_by) == (3, Decimal("2.00"), c.class_teacher)
    change = MarkChange.objects.get(mark=mark)
    assert (change.old, change.new["value"], change.seen_version) == ({}, 3, 0)


@pytest.mark.parametrize(
    ("typed", "attendance", "shown"),
    [
        ("н", Attendance.ABSENT, "Н"),
        ("Ж", Attendance.ABSENT, "Н"),  # Kazakh
        ("l", Attendance.LATE, "О"),  # Latin
        ("4о", Attendance.LATE, "4О"),
        ("б", Attendance.SICK, "Б"),
    ],
)
def test_attendance_letters_in_every_alphabet(journal, client, typed, attendance, shown) -> None:
    """JRN-5: the letters of marks.ATTENDANCE_KEYS; the cell shows the reader's letter."""
    c = journal.cast
    client.force_login(c.class_teacher)
    data = client.post(cell_url(latest(journal), c.student), {"value": typed}).json()
    assert data["text"] == shown
    assert Mark.objects.get(lesson=latest(journal), student=c.student).attendance == attendance


def test_comment_and_reason_are_kept_when_only_the_value_changes(journal, client) -> None:
    c = journal.cast
    url = cell_url(latest(journal), c.student)
    client.force_login(c.class_teacher)
    data = client.post(url, {"value": "п", "reason": "Олимпиада", "comment": "Предупредили"}).json()
    assert (data["text"], data["reason"], data["comment"]) == ("П", "Олимпиада", "Предупредили")
    data = client.post(url, {"value": "4п", "seen_version": "1"}).json()
    assert (data["text"], data["reason"], data["comment"]) == ("4П", "Олимпиада", "Предупредили")
    # Clearing the attendance clears its reason; the comment stays.
    data = client.post(url, {"value": "4", "seen_version": "2"}).json()
    assert (data["reason"], data["comment"]) == ("", "Предупредили")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("closed_term", "1 четверть закрыта"),
        ("future", "ещё не прошёл"),
        ("not_enrolled", "не учится в классе 5А"),
        ("bad_input", "Н — отсутствовал"),
        ("scale", "от 1 до 5"),
        ("cancelled", "Урок отменён"),
    ],
)
def test_refused_cell_saves_answer_400_with_the_reason_and_keep_nothing(
    journal, client, case, message
) -> None:
    """JRN-6: a refused save writes nothing and says why, for the grid to show."""
    c = journal.cast
    lesson, student, typed = latest(journal), c.student, "5"
    if case == "closed_term":
        lesson = next(x for x in journal.math_lessons() if x.term_id == journal.term1.pk)
    elif case == "future":
        lesson = next(x for x in journal.math_lessons() if x.date > journal.today)
    elif case == "not_enrolled":
        student = c.pending_student  # claimed a place in 5А, not confirmed yet
    elif case == "bad_input":
        typed = "x5"
    elif case == "scale":
        typed = "7"
    elif case == "cancelled":
        Lesson.objects.filter(pk=lesson.pk).update(status=Lesson.Status.CANCELLED)
    client.force_login(c.class_teacher)
    response = client.post(cell_url(lesson, student), {"value": typed, "seen_version": "0"})
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False and message in data["error"]
    assert not Mark.objects.filter(lesson=lesson, student=student).exists()
    assert not MarkChange.objects.exists()


def test_edit_window_past_only_the_administration_changes_the_cell(journal, client) -> None:
    from parta.journal.models import JournalSettings

    c = journal.cast
    JournalSettings.objects.create(organization=c.school, edit_window_days=3)
    old = [x for x in journal.past_math_lessons() if (journal.today - x.date).days > 3][-1]
    client.force_login(c.class_teacher)
    response = client.post(cell_url(old, c.student), {"value": "5"})
    assert response.status_code == 400 and "администрация" in response.json()["error"]
    client.force_login(c.director)
    assert client.post(cell_url(old, c.student), {"value": "5"}).json()["ok"] is True


def test_other_people_cannot_save_cells(journal, client) -> None:
    c = journal.cast
    for person in (journal.russian_teacher, c.other_teacher, c.parent, c.student):
        client.force_login(person)
        assert client.post(cell_url(latest(journal), c.student), {"value": "2"}).status_code == 404
    assert not Mark.objects.exists()


def test_a_save_over_somebody_elses_change_warns_whose_it_was(journal, client) -> None:
    """JRN-7: the teacher's screen showed the empty cell; the director had put 3 meanwhile."""
    c = journal.cast
    url = cell_url(latest(journal), c.student)
    client.force_login(c.director)
    client.post(url, {"value": "3", "seen_version": "0"})
    client.force_login(c.class_teacher)
    data = client.post(url, {"value": "5", "seen_version": "0"}).json()
    assert data["ok"] is True and data["version"] == 2
    assert data["warning"] == (
        "Эту клетку только что изменил(а) Волков А. И.: было 3, теперь ваше 5."
    )
    # Both changes are in the history; the later one stands.
    history = list(MarkChange.objects.order_by("version"))
    assert [(h.changed_by, h.new["value"]) for h in history] == [
        (c.director, 3),
        (c.class_teacher, 5),
    ]


# --- term and year grades --------------------------------------------------------------------
def final_url(journal, student) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "journal_final_save", args=[journal.cast.school_class.pk, journal.math.pk, student.pk]
    )


def test_term_grade_is_set_with_the_suggestion_shown(journal, client) -> None:
    c = journal.cast
    client.force_login(c.class_teacher)
    for lesson, value in zip(journal.past_math_lessons()[-3:], ("5", "4", "5"), strict=True):
        client.post(cell_url(lesson, c.student), {"value": value})
    row = client.get(grid_url(journal)).context["grid"].rows[0]
    assert (row.plain, row.suggested, row.term_final.text) == ("4,67", "5", "")
    data = client.post(
        final_url(journal, c.student), {"term": journal.term2.pk, "value": "5", "seen_version": "0"}
    ).json()
    assert data["ok"] is True and data["text"] == "5" and data["version"] == 1
    grade = FinalGrade.objects.get(student=c.student, term=journal.term2)
    assert grade.value == 5 and grade.updated_by == c.class_teacher
    assert client.get(grid_url(journal)).context["grid"].rows[0].term_final.text == "5"


def test_term_grade_of_a_closed_term_is_refused(journal, client) -> None:
    c = journal.cast
    client.force_login(c.class_teacher)
    grid = client.get(grid_url(journal, term=journal.term1.pk)).context["grid"]
    assert "закрыта" in grid.final_lock
    response = client.post(final_url(journal, c.student), {"term": journal.term1.pk, "value": "4"})
    assert response.status_code == 400
    assert "1 четверть закрыта" in response.json()["error"]
    assert not FinalGrade.objects.exists()


def test_year_grade_column_on_the_last_term_with_the_term_grades(journal, client) -> None:
    c = journal.cast
    for term, value in ((journal.term1, 4), (journal.term2, 5)):
        FinalGrade.objects.create(
            student=c.student,
            school_class=c.school_class,
            subject=journal.math,
            academic_year=c.school_class.academic_year,
            term=term,
            value=value,
            updated_at=timezone.now(),
        )
    client.force_login(c.class_teacher)
    grid = client.get(grid_url(journal)).context["grid"]
    assert grid.is_last_term and [t.pk for t in grid.earlier_terms] == [journal.term1.pk]
    row = grid.rows[0]
    assert [x.text for x in row.earlier_finals] == ["4"]
    assert row.year_suggested == "5"  # 4.5 in the pupil's favour
    data = client.post(final_url(journal, c.student), {"term": "year", "value": "5"}).json()
    assert data["ok"] is True
    assert FinalGrade.objects.get(student=c.student, term__isnull=True).value == 5
    # The first term's page has no year column.
    assert not client.get(grid_url(journal, term=journal.term1.pk)).context["grid"].is_last_term


def test_a_past_years_journal_is_read_only(journal, client) -> None:
    """JRN-6: the archive stays readable, not editable."""
    c = journal.cast
    year = c.school_class.academic_year
    today = journal.today
    type(year).objects.filter(pk=year.pk).update(
        is_current=False,
        starts_on=today - datetime.timedelta(days=300),
        ends_on=today - datetime.timedelta(days=1),
    )
    client.force_login(c.director)
    response = client.get(grid_url(journal))
    assert response.status_code == 200
    grid = response.context["grid"]
    assert "завершён" in grid.final_lock and "завершён" in grid.year_lock
    assert all("завершён" in col.lock for col in grid.columns)
    refused = client.post(final_url(journal, c.student), {"term": "year", "value": "4"})
    assert refused.status_code == 400 and "завершён" in refused.json()["error"]
    refused = client.post(cell_url(latest(journal), c.student), {"value": "4"})
    assert refused.status_code == 400 and "завершён" in refused.json()["error"]


def test_final_grade_takes_only_a_number(journal, client) -> None:
    c = journal.cast
    client.force_login(c.class_teacher)
    response = client.post(final_url(journal, c.student), {"term": journal.term2.pk, "value": "н"})
    assert response.status_code == 400 and "от 1 до 5" in response.json()["error"]
    client.force_login(journal.russian_teacher)
    response = client.post(final_url(journal, c.student), {"term": journal.term2.pk, "value": "4"})
    assert response.status_code == 404


# --- history ---------------------------------------------------------------------------------
def history_url(lesson, student) -> str:  # type: ignore[no-untyped-def]
    return reverse("journal_cell_history", args=[lesson.pk, student.pk])


def test_cell_history_shows_who_when_and_what_to_teacher_and_director(journal, client) -> None:
    """JRN-7: the history of one cell, conflicts flagged."""
    c = journal.cast
    url = cell_url(latest(journal), c.student)
    client.force_login(c.class_teacher)
    client.post(url, {"value": "3", "seen_version": "0"})
    client.force_login(c.director)
    client.post(url, {"value": "4", "comment": "Пересдал", "seen_version": "1"})
    client.force_login(c.class_teacher)
    client.post(url, {"value": "5", "seen_version": "1"})  # had not seen the director's 4
    for person in (c.class_teacher, c.director):
        client.force_login(person)
        response = client.get(history_url(latest(journal), c.student))
        assert response.status_code == 200
        lines = response.context["history"].lines
        assert [(x.before, x.after, x.conflict) for x in lines] == [
            ("4", "5", True),
            ("3", "4", False),
            ("—", "3", False),
        ]
        assert lines[1].change.changed_by == c.director
        assert "комментарий: «» → «Пересдал»" in lines[1].details
        body = response.content.decode()
        assert "сохранено поверх чужого изменения" in body
    # The grid asks for the list alone (htmx).
    partial = client.get(history_url(latest(journal), c.student), headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "3 → 4" in partial.content.decode()


def test_cell_history_is_404_for_people_outside_the_journal(journal, client) -> None:
    c = journal.cast
    client.force_login(c.class_teacher)
    client.post(cell_url(latest(journal), c.student), {"value": "3"})
    for person in (journal.russian_teacher, c.other_teacher, c.parent, c.student):
        client.force_login(person)
        assert client.get(history_url(latest(journal), c.student)).status_code == 404
    # A student of another class on this lesson: 404 too.
    client.force_login(c.class_teacher)
    assert client.get(history_url(latest(journal), c.other_student)).status_code == 404


def test_journal_changes_page_lists_cells_and_final_grades(journal, client) -> None:
    c = journal.cast
    client.force_login(c.class_teacher)
    client.post(cell_url(latest(journal), c.student), {"value": "3"})
    client.post(final_url(journal, c.student), {"term": journal.term2.pk, "value": "4"})
    client.force_login(c.director)
    response = client.get(reverse("journal_changes", args=[c.school_class.pk, journal.math.pk]))
    assert response.status_code == 200
    lines = response.context["lines"]
    assert [(x.before, x.after, x.where) for x in lines] == [
        ("—", "4", "итог: 2 четверть"),
        ("—", "3", f"урок {latest(journal).date:%d.%m}, 1-й"),
    ]
    client.force_login(c.parent)
    assert (
        client.get(
            reverse("journal_changes", args=[c.school_class.pk, journal.math.pk])
        ).status_code
        == 404
    )


# --- the grade type of a lesson --------------------------------------------------------------
def test_teacher_sets_a_lessons_grade_type_and_its_marks_take_the_weight(journal, client) -> None:
    """JRN-4, JRN-7: the marks of the column get the new weight, each change in the history."""
    c = journal.cast
    first, second = journal.past_math_lessons()[-2:]
    client.force_login(c.class_teacher)
    client.post(cell_url(first, c.student), {"value": "5"})
    client.post(cell_url(second, c.student), {"value": "3"})
    test = grade_type("test")
    url = reverse("journal_lesson_grade_type", args=[second.pk])
    data = client.post(url, {"grade_type": test.pk}).json()
    assert data["ok"] is True and data["name"] == test.name and data["label"] == "КР ×2"
    assert data["summaries"][str(c.student.pk)]["weighted"] == "3,67"
    mark = Mark.objects.get(lesson=second, student=c.student)
    assert (mark.grade_type, mark.weight, mark.version) == (test, Decimal("2.00"), 2)
    assert Lesson.objects.get(pk=second.pk).grade_type == test
    history = client.get(history_url(second, c.student)).context["history"].lines
    assert "вид работы" in history[0].details[0]
    # A teacher of another subject cannot; a closed term refuses.
    client.force_login(journal.russian_teacher)
    assert client.post(url, {"grade_type": test.pk}).status_code == 404
    client.force_login(c.class_teacher)
    old = next(x for x in journal.math_lessons() if x.term_id == journal.term1.pk)
    refused = client.post(
        reverse("journal_lesson_grade_type", args=[old.pk]), {"grade_type": test.pk}
    )
    assert refused.status_code == 400 and "закрыта" in refused.json()["error"]


def test_a_future_lesson_gets_its_grade_type_in_advance(journal, client) -> None:
    c = journal.cast
    future = next(x for x in journal.math_lessons() if x.date > journal.today)
    client.force_login(c.class_teacher)
    sor = GradeType.objects.get(organization=None, code="sor")
    data = client.post(
        reverse("journal_lesson_grade_type", args=[future.pk]), {"grade_type": sor.pk}
    ).json()
    assert data["ok"] is True
    assert Lesson.objects.get(pk=future.pk).grade_type == sor
    grid = client.get(grid_url(journal)).context["grid"]
    assert any(col.lesson.pk == future.pk and col.can_retype for col in grid.columns)


# --- closing a term --------------------------------------------------------------------------
def test_director_closes_and_reopens_the_term_from_the_grid(journal, client) -> None:
    """JRN-6: after closing, the teacher's save is refused with the reason."""
    c = journal.cast
    client.force_login(c.class_teacher)
    assert not client.get(grid_url(journal)).context["grid"].can_close_term
    close = reverse("journal_term_close", args=[journal.term2.pk])
    assert client.post(close).status_code == 404
    client.force_login(c.director)
    assert client.get(grid_url(journal)).context["grid"].can_close_term
    response = client.post(close, {"next": grid_url(journal)})
    assert response.status_code == 302 and response["Location"] == grid_url(journal)
    journal.term2.refresh_from_db()
    assert journal.term2.is_closed
    client.force_login(c.class_teacher)
    refused = client.post(cell_url(latest(journal), c.student), {"value": "5"})
    assert refused.status_code == 400 and "2 четверть закрыта" in refused.json()["error"]
    client.force_login(c.director)
    response = client.post(
        reverse("journal_term_reopen", args=[journal.term2.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("journal_list")
    journal.term2.refresh_from_db()
    assert not journal.term2.is_closed


def test_term_of_another_school_cannot_be_closed(journal, client) -> None:
    from parta.journal.models import Term

    other_year = f.SchoolClassFactory(organization=journal.cast.other_school).academic_year
    term = Term.objects.create(
        academic_year=other_year,
        number=1,
        name="1 четверть",
        starts_on=journal.today,
        ends_on=journal.today + datetime.timedelta(days=10),
    )
    client.force_login(journal.cast.director)
    assert client.post(reverse("journal_term_close", args=[term.pk])).status_code == 404
    term.refresh_from_db()
    assert not term.is_closed


def test_cell_text_and_numbers_follow_the_readers_language() -> None:
    from django.utils import translation

    with translation.override("ru"):
        letters = selectors.attendance_letters()
        assert selectors.cell_text(4, Attendance.LATE, letters) == "4О"
        assert selectors.cell_text(None, "", letters) == ""
        assert selectors.number(None) == "—"
    with translation.override("en"):
        assert selectors.cell_text(4, Attendance.LATE, selectors.attendance_letters()) == "4L"


def test_the_grid_is_readable_without_javascript(journal, client) -> None:
    """The page itself holds every cell: marks, letters, comments for screen readers."""
    c = journal.cast
    client.force_login(c.class_teacher)
    client.post(
        cell_url(latest(journal), c.student), {"value": "4о", "comment": "Опоздал на 5 мин"}
    )
    body = client.get(grid_url(journal)).content.decode()
    assert '>4О<span class="jg-note">' in body
    assert "комментарий: Опоздал на 5 мин" in body
    assert 'data-sum="plain">4,00</td>' in body


def test_a_journal_without_terms_says_so(journal, client) -> None:
    c = journal.cast
    TimetableEntry.objects.create(
        school_class=c.far_class,
        weekday=1,
        number=1,
        subject=journal.math,
        teacher=c.other_teacher,
        valid_from=journal.today,
    )
    client.force_login(c.other_teacher)
    response = client.get(grid_url(journal, school_class=c.far_class))
    assert response.status_code == 200
    assert response.context["grid"].term is None
    assert "Учебные периоды этого года ещё не заданы" in response.content.decode()


def test_a_term_grade_over_somebody_elses_warns(journal, client) -> None:
    c = journal.cast
    client.force_login(c.director)
    client.post(final_url(journal, c.student), {"term": journal.term2.pk, "value": "3"})
    client.force_login(c.class_teacher)
    data = client.post(
        final_url(journal, c.student), {"term": journal.term2.pk, "value": "4", "seen_version": "0"}
    ).json()
    assert data["ok"] is True and data["version"] == 2
    assert (
        data["warning"] == "Эту клетку только что изменил(а) Волков А. И.: было 3, теперь ваше 4."
    )
