"""JRN-8: the diary week of a student and of a parent — who may open it, what it shows, and
what it costs (at most four queries for the week's data, whatever the data size)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.journal.models import Attendance, Lesson, Mark
from parta.journal.selectors import diary
from parta.journal.tests.fixtures import grade_type
from parta.notifications.models import Notification


def _monday(journal) -> datetime.date:
    return journal.today - datetime.timedelta(days=journal.today.weekday())


def _lesson(journal, day: datetime.date, subject=None, school_class=None) -> Lesson:
    klass = school_class or journal.cast.school_class
    return Lesson.objects.get(school_class=klass, date=day, subject=subject or journal.math)


def _mark(lesson: Lesson, student, value=None, **kw) -> Mark:
    kind = kw.pop("grade_type", None) or grade_type("answer")
    return Mark.objects.create(
        lesson=lesson,
        student=student,
        value=value,
        grade_type=kind,
        weight=kind.weight,
        updated_at=timezone.now(),
        **kw,
    )


def _week_url(child=None, week=None) -> str:
    params = []
    if child is not None:
        params.append(f"child={child.pk}")
    if week is not None:
        params.append(f"week={week.isoformat()}")
    return reverse("diary_week") + ("?" + "&".join(params) if params else "")


# --- who may open it ----------------------------------------------------------------------------
def test_student_opens_their_own_week(journal, client) -> None:
    c = journal.cast
    client.force_login(c.student)
    response = client.get(_week_url())
    assert response.status_code == 200
    assert response.context["student"] == c.student
    body = response.content.decode()
    assert "Математика" in body and "Русский язык" in body
    assert "Смирнова О. П." in body  # the teacher of the lesson


def test_parent_opens_their_childs_week(journal, client) -> None:
    c = journal.cast
    client.force_login(c.parent)
    response = client.get(_week_url(child=c.student))
    assert response.status_code == 200
    assert response.context["student"] == c.student
    assert "Петров" in response.content.decode()


def test_parent_cannot_open_another_familys_child(journal, client) -> None:
    c = journal.cast
    client.force_login(c.parent)
    assert client.get(_week_url(child=c.other_student)).status_code == 404
    assert client.get(reverse("diary_print") + f"?child={c.other_student.pk}").status_code == 404
    assert client.get(reverse("diary_record") + f"?child={c.other_student.pk}").status_code == 404


def test_student_cannot_open_a_classmates_diary(journal, client) -> None:
    c = journal.cast
    classmate = f.EnrollmentFactory(school_class=c.school_class).student
    client.force_login(c.student)
    assert client.get(_week_url(child=classmate)).status_code == 404


@pytest.mark.parametrize("member", ["class_teacher", "director", "other_teacher", "official"])
def test_staff_and_authorities_are_not_diary_users(journal, client, member) -> None:
    c = journal.cast
    client.force_login(c.members[member])
    for name in ("diary_week", "diary_print", "diary_record"):
        assert client.get(reverse(name) + f"?child={c.student.pk}").status_code == 404


def test_diary_needs_signing_in(journal, client) -> None:
    response = client.get(_week_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_parent_switches_between_children_and_the_diary_remembers(journal, client) -> None:
    c = journal.cast
    sister = f.UserFactory(
        first_name="Оля", last_name="Петрова", birth_date=datetime.date(2012, 1, 1)
    )
    f.EnrollmentFactory(student=sister, school_class=c.other_class)
    f.GuardianshipFactory(guardian=c.parent, child=sister)
    client.force_login(c.parent)
    monday = _monday(journal)
    response = client.get(_week_url(child=sister, week=monday))
    assert response.context["student"] == sister
    assert response.context["school_class"] == c.other_class
    body = response.content.decode()
    # The switcher names both children and keeps the week open.
    assert 'aria-label="Чей дневник открыть"' in body
    assert f"?child={c.student.pk}&amp;week={monday.isoformat()}" in body
    assert 'aria-current="page">Оля Петрова' in body
    # Without ?child= the diary opens on the child looked at last.
    assert client.get(_week_url()).context["student"] == sister


# --- what the week shows ------------------------------------------------------------------------
def test_week_runs_monday_to_saturday_from_any_day(journal, client) -> None:
    c = journal.cast
    client.force_login(c.parent)
    monday = _monday(journal)
    response = client.get(_week_url(child=c.student, week=monday + datetime.timedelta(days=3)))
    week = response.context["week"]
    assert week.monday == monday
    assert [d.date for d in week.days] == [monday + datetime.timedelta(days=i) for i in range(6)]
    assert [len(d.lessons) for d in week.days] == [2, 2, 2, 2, 2, 0]
    body = response.content.decode()
    assert f"week={(monday - datetime.timedelta(days=7)).isoformat()}" in body
    assert f"week={(monday + datetime.timedelta(days=7)).isoformat()}" in body
    assert 'type="date" id="diary-date" name="week"' in body
    assert '<label class="form-label mb-0" for="diary-date">' in body
    # An unreadable date shows this week rather than an error.
    assert client.get(_week_url(child=c.student) + "&week=31.02").context["monday"] == monday


def test_week_shows_times_topic_homework_links_files_and_due_date(journal, client) -> None:
    c = journal.cast
    monday = _monday(journal)
    lesson = _lesson(journal, monday)
    Lesson.objects.filter(pk=lesson.pk).update(
        topic="Дроби",
        homework="<p>Упр. <strong>125</strong></p>",
        homework_due=monday + datetime.timedelta(days=2),
        homework_links=[
            {"title": "Учебник", "url": "https://example.org/book"},
            {"title": "Плохая", "url": "javascript:alert(1)"},
        ],
        files=[
            {"id": 7, "name": "таблица.pdf", "size": 2048, "purpose": "homework"},
            {"id": 8, "name": "презентация.pdf", "size": 10, "purpose": "material"},
        ],
    )
    client.force_login(c.student)
    body = client.get(_week_url(week=monday)).content.decode()
    assert "8:30–9:15" in body
    assert "Дроби" in body
    assert "<p>Упр. <strong>125</strong></p>" in body  # stored sanitized HTML, as it is
    assert "к " + str((monday + datetime.timedelta(days=2)).day) in body
    assert 'href="https://example.org/book"' in body
    assert "javascript:" not in body
    assert f'href="{diary.file_url(lesson.pk, 7)}"' in body
    assert f"/lessons/{lesson.pk}/files/7/" in body
    assert "таблица.pdf" in body and "Материалы урока" in body


def test_week_shows_cancellation_and_substitution_plainly(journal, client) -> None:
    c = journal.cast
    monday = _monday(journal)
    Lesson.objects.filter(pk=_lesson(journal, monday).pk).update(status="cancelled")
    Lesson.objects.filter(pk=_lesson(journal, monday, journal.russian).pk).update(
        substitute=c.class_teacher
    )
    client.force_login(c.parent)
    response = client.get(_week_url(child=c.student, week=monday))
    monday_lines = response.context["week"].days[0].lessons
    assert monday_lines[0].lesson.is_cancelled
    assert monday_lines[1].is_substituted
    body = response.content.decode()
    assert "Урок отменён" in body
    assert "ведёт Смирнова О. П. вместо Белова Н." in body


def test_week_shows_marks_with_type_comment_attendance_and_term_average(journal, client) -> None:
    c = journal.cast
    monday = _monday(journal)
    earlier = monday - datetime.timedelta(days=7)
    _mark(_lesson(journal, monday), c.student, 5, comment="Отличный ответ")
    _mark(_lesson(journal, earlier), c.student, 3, grade_type=grade_type("test"))
    _mark(_lesson(journal, monday, journal.russian), c.student, attendance=Attendance.SICK)
    # Another student's marks never show.
    _mark(_lesson(journal, monday), f.EnrollmentFactory(school_class=c.school_class).student, 2)
    client.force_login(c.parent)
    response = client.get(_week_url(child=c.student, week=monday))
    line = response.context["week"].days[0].lessons[0]
    assert line.mark.value == 5
    # Term 2 average of Mathematics: (5 + 3) / 2 = 4.00; with weights answer 1, test 2 (or
    # whatever the catalogue says) the weighted average differs.
    test_weight = grade_type("test").weight
    weighted = (Decimal(5) + 3 * test_weight) / (1 + test_weight)
    assert line.average.plain == Decimal("4.00")
    assert line.average.weighted == weighted.quantize(Decimal("0.01"))
    body = response.content.decode()
    assert "Отличный ответ" in body
    assert "ответ на уроке" in body.lower() or grade_type("answer").name in body
    assert "болел" in body  # Б — болел, read in full
    assert "Оценка </span>5" in body
    assert response.context["week"].term_name == journal.term2.name


def test_week_shows_the_childs_announcements_and_schedule_changes(journal, client) -> None:
    c = journal.cast
    brother = f.EnrollmentFactory(school_class=c.other_class).student
    f.GuardianshipFactory(guardian=c.parent, child=brother)
    common = {
        "recipient": c.parent,
        "organization_id": c.school.pk,
        "params": {"subject": "Математика"},
    }
    Notification.objects.create(
        kind="schedule_change", child=c.student, title="Урок отменён: %(subject)s", **common
    )
    Notification.objects.create(
        kind="announcement", child=None, title="Родительское собрание в пятницу", **common
    )
    Notification.objects.create(
        kind="schedule_change", child=brother, title="Брату: замена", **common
    )
    Notification.objects.create(kind="new_grade", child=c.student, title="Новая оценка", **common)
    Notification.objects.create(
        kind="announcement", child=None, recipient=c.other_parent, title="Чужое объявление"
    )
    client.force_login(c.parent)
    body = client.get(_week_url(child=c.student)).content.decode()
    assert "Урок отменён: Математика" in body
    assert "Родительское собрание в пятницу" in body
    assert "Брату: замена" not in body
    assert "Новая оценка" not in body
    assert "Чужое объявление" not in body
    # A week later the notices of this week are no longer "this week's".
    later = _monday(journal) + datetime.timedelta(days=7)
    assert (
        "Урок отменён: Математика"
        not in client.get(_week_url(child=c.student, week=later)).content.decode()
    )


def test_print_view_has_the_child_class_date_and_no_navigation(journal, client) -> None:
    c = journal.cast
    monday = _monday(journal)
    _mark(_lesson(journal, monday), c.student, 4, comment="Хорошо")
    Lesson.objects.filter(pk=_lesson(journal, monday).pk).update(homework="<p>№ 5</p>")
    client.force_login(c.parent)
    response = client.get(reverse("diary_print") + f"?child={c.student.pk}&week={monday}")
    assert response.status_code == 200
    body = response.content.decode()
    assert c.student.full_name in body
    assert "класс 5А" in body
    assert "Распечатано" in body
    assert "<p>№ 5</p>" in body and "«Хорошо»" in body
    assert "diary-print.css" in body
    css = Path(settings.BASE_DIR, "parta/journal/static/journal/diary-print.css")
    assert "@media print" in css.read_text(encoding="utf-8")
    assert "site-header" not in body and "navbar" not in body


# --- what it costs --------------------------------------------------------------------------------
def _grow(journal, weeks: int, students: int) -> None:
    """More weeks of lessons, more classmates, more marks for everybody."""
    c = journal.cast
    from parta.journal.tests.fixtures import add_lessons

    monday = _monday(journal)
    first = monday - datetime.timedelta(days=7 * (3 + weeks))
    dates = [first + datetime.timedelta(days=d) for d in range(7 * weeks)]
    terms = [journal.term1, journal.term2]
    dates = [d for d in dates if any(t.starts_on <= d <= t.ends_on for t in terms)]
    entries = [e for e in journal.entries if e.school_class_id == c.school_class.pk]
    if dates:
        add_lessons(entries, terms, dates)
    classmates = [f.EnrollmentFactory(school_class=c.school_class).student for _ in range(students)]
    lessons = list(Lesson.objects.filter(school_class=c.school_class, date__lte=journal.today))
    answer = grade_type("answer")
    now = timezone.now()
    Mark.objects.bulk_create(
        [
            Mark(
                lesson=x, student=s, value=(x.pk + s.pk) % 4 + 2, grade_type=answer, updated_at=now
            )
            for x in lessons
            for s in [c.student, *classmates]
        ],
        ignore_conflicts=True,
    )
    for i in range(10):
        Notification.objects.create(
            recipient=c.parent, child=c.student, kind="schedule_change", title=f"Замена {i}"
        )


def test_the_weeks_data_costs_at_most_four_queries_whatever_the_size(journal) -> None:
    """JRN-8 speed: lessons, the student's cells, the term's averages, the week's notices."""
    c = journal.cast
    monday = _monday(journal)
    school_class = (
        type(c.school_class)
        .objects.select_related("organization__municipality__region")
        .get(pk=c.school_class.pk)
    )

    def count() -> tuple[int, object]:
        from parta.core import access

        access.roles_of(c.parent)  # the visitor's roles come with the request, not the week
        with CaptureQueriesContext(connection) as queries:
            week = diary.diary_week(
                viewer=c.parent, student=c.student, school_class=school_class, monday=monday
            )
        return len(queries), week

    _mark(_lesson(journal, monday), c.student, 5)
    small, week = count()
    assert small <= 4
    assert week.days[0].lessons[0].mark.value == 5
    _grow(journal, weeks=6, students=25)
    large, week = count()
    assert large <= 4 and large == small
    assert sum(len(d.lessons) for d in week.days) == 10
    assert Mark.objects.count() > 1000


def test_the_week_page_costs_the_same_with_more_data(journal, client) -> None:
    """Rendered afresh (the first visit, or after a change) and kept (the next visits): each
    costs a fixed number of queries, and the kept one three fewer — no lessons, cells or
    averages are read, only the stamp."""
    from django.core.cache import cache

    c = journal.cast
    client.force_login(c.parent)
    url = _week_url(child=c.student, week=_monday(journal))
    client.get(url)  # the session settles on the child

    def count(*, fresh: bool) -> tuple[int, list[str]]:
        if fresh:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries), [q["sql"] for q in queries]

    fresh, _ = count(fresh=True)
    kept, statements = count(fresh=False)
    assert kept == fresh - 3
    assert not any('FROM "journal_mark"' in q and "SUM(" in q for q in statements)
    _grow(journal, weeks=6, students=25)
    sister = f.EnrollmentFactory(school_class=c.other_class).student
    f.GuardianshipFactory(guardian=c.parent, child=sister)
    assert count(fresh=True)[0] == fresh
    assert count(fresh=False)[0] == kept
    print_url = reverse("diary_print") + f"?child={c.student.pk}"
    with CaptureQueriesContext(connection) as queries:
        client.get(print_url)
    assert len(queries) <= fresh


def test_the_kept_week_follows_every_change_of_its_data(journal, client) -> None:
    """JRN-8: the parent sees a new mark, a changed homework, a cancelled lesson and a term
    renamed at once, although the page body is kept between visits."""
    from parta.journal.services import homework, lessons, marks
    from parta.journal.services.timetable import TermInput, term_set

    c = journal.cast
    monday = _monday(journal)
    lesson = _lesson(journal, monday)
    other = _lesson(journal, monday + datetime.timedelta(days=1))
    client.force_login(c.parent)
    url = _week_url(child=c.student, week=monday)

    def page() -> str:
        return client.get(url).content.decode()

    assert "diary-mark" not in page()
    assert "diary-mark" not in page()  # kept
    teacher = lesson.substitute or lesson.teacher
    marks.mark_set(actor=teacher, lesson=lesson, student_id=c.student.pk, value=4)
    assert '<span class="visually-hidden">Оценка </span>4</span>' in page()
    marks.mark_set(actor=teacher, lesson=lesson, student_id=c.student.pk, value=3)
    body = page()
    assert '<span class="visually-hidden">Оценка </span>3</span>' in body
    assert '<span class="visually-hidden">Оценка </span>4</span>' not in body
    homework.lesson_content_set(
        actor=teacher,
        lesson=lesson,
        topic="Дроби",
        homework="<p>Задачи 12–15</p>",
        homework_due=None,
        links=[],
        materials="",
    )
    assert "Задачи 12–15" in page()
    lessons.lesson_cancel(actor=c.director, lesson=other, reason="")
    assert "Урок отменён" in page()
    term = journal.term2 if journal.term2.starts_on <= monday <= journal.term2.ends_on else None
    if term is not None:
        year_terms = list(term.academic_year.terms.order_by("number"))
        term_set(
            actor=c.director,
            academic_year=term.academic_year,
            system=marks.settings_of(c.school.pk).term_system,
            terms=[
                TermInput(
                    name="Осенний семестр" if t.pk == term.pk else t.name,
                    starts_on=t.starts_on,
                    ends_on=t.ends_on,
                )
                for t in year_terms
            ],
        )
        assert "Осенний семестр" in page()


def test_a_kept_week_is_never_shown_to_whoever_lost_access(journal, client) -> None:
    """The access decision is made on every visit; only what comes after it is kept."""
    from parta.directory.models import Guardianship

    c = journal.cast
    url = _week_url(child=c.student, week=_monday(journal))
    client.force_login(c.parent)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # kept
    Guardianship.objects.filter(guardian=c.parent, child=c.student).delete()
    assert client.get(url).status_code == 404
    client.force_login(c.other_parent)
    assert client.get(url).status_code == 404


# --- the role homes ---------------------------------------------------------------------------------
def test_student_home_shows_todays_lessons_homework_due_tomorrow_and_new_marks(
    journal, client
) -> None:
    c = journal.cast
    today = journal.today
    tomorrow = today + datetime.timedelta(days=1)
    day = (
        Lesson.objects.filter(school_class=c.school_class, date__lte=today)
        .order_by("-date")
        .first()
        .date
    )
    Lesson.objects.filter(school_class=c.school_class, date=day, subject=journal.russian).update(
        homework="<p>Выучить стихотворение</p>", homework_due=tomorrow
    )
    _mark(_lesson(journal, day), c.student, 4)
    client.force_login(c.student)
    response = client.get(reverse("student_home"))
    body = response.content.decode()
    assert "Сегодня в дневнике" in body
    assert f'href="{reverse("diary_week")}?child={c.student.pk}"' in body
    assert "На завтра ничего не задано." not in body
    assert "Новых оценок нет." not in body
    if today.isoweekday() <= 5:
        assert "Уроков нет." not in body.split("Задано к")[0]
    # The parent's home shows the same card for the chosen child, named.
    client.force_login(c.parent)
    body = client.get(reverse("parent_home")).content.decode()
    assert "Сегодня в дневнике: Миша" in body


def test_home_digest_costs_the_same_with_more_data(journal, client) -> None:
    c = journal.cast
    client.force_login(c.student)
    url = reverse("student_home")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    _grow(journal, weeks=4, students=10)
    Lesson.objects.filter(school_class=c.school_class).update(
        homework="<p>x</p>", homework_due=journal.today + datetime.timedelta(days=1)
    )
    assert count() == small
