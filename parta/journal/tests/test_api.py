"""The journal's API for the mobile app: diary week, grid, grades, attendance, homework."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parta import factories as f
from parta.journal.models import Attendance, Mark, MarkChange
from parta.journal.services import marks

API = "/api/v1"


def _put(client, url, data):  # type: ignore[no-untyped-def]
    return client.put(url, data=data, content_type="application/json")


def test_parent_reads_childs_diary_week_with_marks(journal, client) -> None:
    """JRN-8: the week's lessons, the cell, the term averages."""
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    marks.mark_set(
        actor=c.class_teacher,
        lesson=marks.lesson_for_marking(c.class_teacher, lesson.pk),
        student_id=c.student.pk,
        value=5,
        comment="Отлично",
    )
    client.force_login(c.parent)
    response = client.get(f"{API}/diary/week", {"week": lesson.date.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["student_id"] == c.student.pk
    line = next(x for x in body["lessons"] if x["lesson_id"] == lesson.pk)
    assert (line["mark"], line["comment"], line["subject"]) == (5, "Отлично", "Математика")
    assert any(a["subject"] == "Математика" and a["marks"] == 1 for a in body["averages"])


def test_other_familys_child_is_404_in_the_api(journal, client) -> None:
    c = journal.cast
    client.force_login(c.other_parent)
    assert client.get(f"{API}/diary/week", {"student_id": c.student.pk}).status_code == 404
    client.force_login(c.class_teacher)
    assert client.get(f"{API}/diary/week").status_code == 404


def test_diary_week_api_costs_the_same_with_more_data(journal, client) -> None:
    c = journal.cast
    client.force_login(c.student)
    week = journal.today.isoformat()
    client.get(f"{API}/diary/week", {"week": week})
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{API}/diary/week", {"week": week}).status_code == 200
    for lesson in journal.past_math_lessons():
        marks.mark_set(
            actor=c.director,
            lesson=marks.lesson_for_marking(c.director, lesson.pk),
            student_id=c.student.pk,
            value=4,
            attendance=Attendance.LATE,
        )
    for _ in range(10):
        f.EnrollmentFactory(school_class=c.school_class)
    with CaptureQueriesContext(connection) as big:
        assert client.get(f"{API}/diary/week", {"week": week}).status_code == 200
    assert len(big) <= len(small)


def test_teacher_sets_grade_and_attendance_through_the_api(journal, client) -> None:
    """JRN-4, JRN-5, JRN-7 through the API: same rules, same history."""
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    client.force_login(c.class_teacher)
    url = f"{API}/lessons/{lesson.pk}/marks/{c.student.pk}"
    response = _put(client, url, {"value": 4, "comment": "Устно"})
    assert response.status_code == 200, response.content
    assert (response.json()["value"], response.json()["version"]) == (4, 1)
    response = _put(
        client,
        f"{API}/lessons/{lesson.pk}/attendance/{c.student.pk}",
        {"attendance": "late", "reason": "Автобус", "seen_version": 1},
    )
    assert response.status_code == 200
    assert response.json()["attendance"] == "late"
    mark = Mark.objects.get(lesson=lesson, student=c.student)
    assert (mark.value, mark.attendance, mark.reason) == (4, "late", "Автобус")
    assert MarkChange.objects.filter(mark=mark).count() == 2


def test_api_grade_on_closed_term_is_refused_with_the_reason(journal, client) -> None:
    c = journal.cast
    old = next(x for x in journal.math_lessons() if x.term_id == journal.term1.pk)
    client.force_login(c.class_teacher)
    response = _put(client, f"{API}/lessons/{old.pk}/marks/{c.student.pk}", {"value": 5})
    assert response.status_code == 400
    assert response.json()["code"] == "term_closed"
    assert "закрыта" in response.json()["detail"]


def test_api_grade_by_teacher_of_another_subject_is_404(journal, client) -> None:
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    client.force_login(journal.russian_teacher)
    response = _put(client, f"{API}/lessons/{lesson.pk}/marks/{c.student.pk}", {"value": 5})
    assert response.status_code == 404
    client.force_login(c.parent)
    response = _put(client, f"{API}/lessons/{lesson.pk}/marks/{c.student.pk}", {"value": 5})
    assert response.status_code == 404
    assert not Mark.objects.filter(lesson=lesson).exists()


def test_grid_through_the_api(journal, client) -> None:
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    marks.mark_set(
        actor=c.class_teacher,
        lesson=marks.lesson_for_marking(c.class_teacher, lesson.pk),
        student_id=c.student.pk,
        value=3,
    )
    client.force_login(c.class_teacher)
    response = client.get(f"{API}/journals/{c.school_class.pk}/{journal.math.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["term_id"] == journal.term2.pk and body["can_change"]
    row = next(r for r in body["rows"] if r["student_id"] == c.student.pk)
    column = next(i for i, x in enumerate(body["lessons"]) if x["lesson_id"] == lesson.pk)
    assert row["cells"][column] == "3"
    client.force_login(c.other_teacher)
    assert client.get(f"{API}/journals/{c.school_class.pk}/{journal.math.pk}").status_code == 404


def test_homework_list_and_setting_homework(journal, client) -> None:
    """JRN-3: the teacher sets homework; the student lists what is due."""
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    due = journal.today + datetime.timedelta(days=2)
    client.force_login(c.class_teacher)
    response = _put(
        client,
        f"{API}/lessons/{lesson.pk}/homework",
        {
            "topic": "Дроби",
            "homework_html": "<p>№ 12 <script>alert(1)</script><b>и 13</b></p>",
            "due": due.isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    assert "<script" not in response.json()["homework_html"]
    client.force_login(c.student)
    response = client.get(f"{API}/homework", {"due_from": journal.today.isoformat()})
    assert response.status_code == 200
    items = response.json()
    assert [i["lesson_id"] for i in items] == [lesson.pk]
    assert items[0]["topic"] == "Дроби" and items[0]["due"] == due.isoformat()
    client.force_login(c.other_parent)
    assert client.get(f"{API}/lessons/{lesson.pk}").status_code == 404
    response = _put(client, f"{API}/lessons/{lesson.pk}/homework", {"topic": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("attendance", ["absent", "sick"])
def test_api_absence_is_told_to_the_parent(
    journal, client, attendance, django_capture_on_commit_callbacks
) -> None:
    from parta.notifications.models import Notification

    c = journal.cast
    lesson = journal.past_math_lessons()[-1]
    client.force_login(c.class_teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = _put(
            client,
            f"{API}/lessons/{lesson.pk}/attendance/{c.student.pk}",
            {"attendance": attendance},
        )
    assert response.status_code == 200
    assert Notification.objects.filter(recipient=c.parent, kind="absence").count() == 1
