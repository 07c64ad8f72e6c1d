"""The journal's pages cost the same whatever the data: the grid (30 students × 50 lessons) in
six queries of journal data, the page, the cell save, my journals and the changes page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.journal.models import Lesson, TimetableEntry
from parta.journal.selectors import grid as selectors
from parta.journal.services import marks
from parta.journal.tests.grid_helpers import big_class, cell_url


def _queries(client, url: str, method: str = "get", **data) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or None)
        assert response.status_code == 200, response.content[:500]
    return len(queries)


def test_grid_selector_reads_30_students_by_50_lessons_in_six_queries(
    journal, django_assert_max_num_queries
) -> None:
    """Issue 4: the journal grid in at most six SQL queries."""
    big = big_class(journal, students=30, lessons=50, letter="Ю")
    teacher = journal.cast.class_teacher
    # The journal and the teacher's roles are read first; the grid itself is measured.
    book = selectors.journal_for(teacher, class_id=big.school_class.pk, subject_id=journal.math.pk)
    with django_assert_max_num_queries(6):
        grid = selectors.grid(book, user=teacher)
    assert len(grid.rows) == 30 and len(grid.columns) == 50
    assert all(len(row.cells) == 50 for row in grid.rows)
    assert grid.rows[0].term_final.text == "4"
    assert sum(1 for row in grid.rows for cell in row.cells if cell.text) == 1500


def test_grid_page_costs_the_same_for_5x5_and_30x50(
    journal, client, django_assert_max_num_queries
) -> None:
    small = big_class(journal, students=5, lessons=5, letter="Э")
    large = big_class(journal, students=30, lessons=50, letter="Ю")
    client.force_login(journal.cast.class_teacher)
    client.get(small.grid_url(journal))  # warm the session
    few = _queries(client, small.grid_url(journal))
    with django_assert_max_num_queries(few):
        response = client.get(large.grid_url(journal))
    assert len(response.context["grid"].rows) == 30
    body = response.content.decode()
    assert body.count('<td class="jg-c') == 1500


def test_cell_save_costs_the_same_in_a_small_and_a_large_class(
    journal, client, django_assert_max_num_queries
) -> None:
    small = big_class(journal, students=5, lessons=5, letter="Э")
    large = big_class(journal, students=30, lessons=50, letter="Ю")
    client.force_login(journal.cast.class_teacher)
    held = [x for x in small.lessons if x.date <= journal.today]
    url = cell_url(held[-1], small.students[0])
    client.post(url, {"value": "5", "seen_version": "1"})
    few = _queries(client, url, "post", value="3", seen_version="2")
    held = [x for x in large.lessons if x.date <= journal.today]
    with django_assert_max_num_queries(few):
        response = client.post(
            cell_url(held[-1], large.students[-1]), {"value": "3", "seen_version": "1"}
        )
    assert response.json()["ok"] is True


def test_my_journals_costs_the_same_for_one_or_ten_classes(
    journal, client, django_assert_max_num_queries
) -> None:
    c = journal.cast
    client.force_login(c.director)
    url = reverse("journal_list")
    client.get(url)
    few = _queries(client, url)
    for n in range(8):
        klass = f.SchoolClassFactory(organization=c.school, grade=7 + n % 3, letter="ГДЕЖЗИКЛ"[n])
        for weekday, subject in ((1, journal.math), (2, journal.russian)):
            TimetableEntry.objects.create(
                school_class=klass,
                weekday=weekday,
                number=1,
                subject=subject,
                teacher=journal.russian_teacher,
                valid_from=journal.term2.starts_on,
            )
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["mine"].school) == 10


def test_teacher_home_costs_the_same_with_more_journals(
    journal, client, django_assert_max_num_queries
) -> None:
    client.force_login(journal.russian_teacher)
    url = reverse("teacher_home")
    client.get(url)
    few = _queries(client, url)
    for letter in "ГДЕЖ":
        klass = f.SchoolClassFactory(organization=journal.cast.school, grade=8, letter=letter)
        TimetableEntry.objects.create(
            school_class=klass,
            weekday=3,
            number=2,
            subject=journal.russian,
            teacher=journal.russian_teacher,
            valid_from=journal.term2.starts_on,
        )
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.content.decode().count("8Д") >= 1


def test_changes_page_costs_the_same_for_few_and_many_changes(
    journal, client, django_assert_max_num_queries
) -> None:
    c = journal.cast
    teacher = c.class_teacher
    lessons = journal.past_math_lessons()[-3:]
    lesson = marks.lesson_for_marking(teacher, lessons[-1].pk)
    marks.mark_set(actor=teacher, lesson=lesson, student_id=c.student.pk, value=3)
    client.force_login(c.director)
    url = reverse("journal_changes", args=[c.school_class.pk, journal.math.pk])
    client.get(url)
    few = _queries(client, url)
    extra = [f.EnrollmentFactory(school_class=c.school_class).student for _ in range(4)]
    for x in lessons:
        held = marks.lesson_for_marking(teacher, x.pk)
        for person in [c.student, *extra]:
            for value in (2, 3, 4, 5):
                marks.mark_set(actor=teacher, lesson=held, student_id=person.pk, value=value)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.context["lines"]) == 50  # a page
    assert response.context["page"].paginator.count == 61


@pytest.mark.parametrize("size", [(5, 5), (30, 50)])
def test_grade_type_change_answers_with_every_rows_averages(journal, client, size) -> None:
    students, lessons = size
    big = big_class(journal, students=students, lessons=lessons, letter="Я")
    held = [x for x in big.lessons if 0 <= (journal.today - x.date).days <= 14]
    target = held[-1]
    kind = "test" if target.grade_type.code == "answer" else "answer"
    from parta.journal.tests.fixtures import grade_type

    client.force_login(journal.cast.class_teacher)
    data = client.post(
        reverse("journal_lesson_grade_type", args=[target.pk]),
        {"grade_type": grade_type(kind).pk},
    ).json()
    assert data["ok"] is True
    assert len(data["summaries"]) == students
    assert Lesson.objects.get(pk=target.pk).grade_type.code == kind


def test_the_hot_paths_statements_are_compiled_once_not_on_every_request(
    journal, client, django_capture_on_commit_callbacks
) -> None:
    """The grid, a cell save (with its notifications), a lesson's new grade type and the
    diary week build their querysets once per shape (``core.sql.Baked``): none is refused
    for a value used outside the SQL or a query run while building, which would compile it
    on every request again. Each is used here, whatever ran before in the process."""
    from parta.core import sql as core_sql
    from parta.journal.selectors import diary as diary_selectors
    from parta.notifications import delivery, preferences

    small = big_class(journal, students=5, lessons=5, letter="Э")
    teacher = journal.cast.class_teacher
    client.force_login(teacher)
    assert client.get(small.grid_url(journal)).status_code == 200
    held = [x for x in small.lessons if x.date <= journal.today]
    with django_capture_on_commit_callbacks(execute=True):  # the mark's notifications
        response = client.post(cell_url(held[-1], small.students[0]), {"value": "5"})
    assert response.json()["ok"] is True
    # A lesson's new grade type answers with every row's averages.
    from parta.journal.tests.fixtures import grade_type

    kind = "test" if held[-1].grade_type.code == "answer" else "answer"
    response = client.post(
        reverse("journal_lesson_grade_type", args=[held[-1].pk]),
        {"grade_type": grade_type(kind).pk},
    )
    assert response.json()["ok"] is True
    for person in (journal.cast.student, journal.cast.parent):
        client.force_login(person)
        assert client.get(reverse("diary_week")).status_code == 200

    statements = {
        name: value
        for module in (selectors, marks, diary_selectors, delivery, preferences)
        for name, value in vars(module).items()
        if isinstance(value, core_sql.Baked)
    }
    assert len(statements) >= 14
    used = {name: baked.counts() for name, baked in statements.items() if baked.counts() != (0, 0)}
    # Every one of them ran (the grade types only for who may retype a lesson: the teacher).
    assert set(used) == set(statements), set(statements) - set(used)
    assert all(refused == 0 for _kept, refused in used.values()), used
