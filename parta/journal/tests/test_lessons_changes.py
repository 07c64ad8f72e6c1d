"""JRN-2: one-off changes of a lesson by the administration — cancel and restore, substitute,
move, another room, an extra lesson — each recorded and announced after commit to the class,
its parents and the teachers concerned (and never on rollback)."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.http import Http404
from django.urls import reverse

from parta import factories as f
from parta.core.errors import DomainError
from parta.journal.models import Lesson, ScheduleChange
from parta.journal.services import lessons as service
from parta.journal.services.marks import lesson_for_marking, mark_set
from parta.notifications.models import Notification

DAY = datetime.timedelta(days=1)


def _future_math(journal) -> Lesson:
    return (
        Lesson.objects.filter(
            school_class=journal.cast.school_class, subject=journal.math, date__gt=journal.today
        )
        .order_by("date")
        .first()
    )


def _told(kind: str = "schedule_change") -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_cancel_is_recorded_and_announced_to_everyone_affected(
    journal, django_capture_on_commit_callbacks
):
    c = journal.cast
    lesson = _future_math(journal)
    with django_capture_on_commit_callbacks(execute=True):
        change = service.lesson_cancel(actor=c.director, lesson=lesson, reason="Учитель на курсах")
    lesson.refresh_from_db()
    assert lesson.is_cancelled
    assert (change.kind, change.reason, change.changed_by) == (
        "cancelled",
        "Учитель на курсах",
        c.director,
    )
    # The class's confirmed students, their parents and the teacher; nobody else.
    assert _told() == {c.student.pk, c.parent.pk, c.class_teacher.pk}
    note = Notification.objects.get(recipient=c.parent)
    assert note.title == "Урок отменён: %(subject)s, %(class)s, %(date)s, %(number)s-й урок"
    assert note.params["subject"] == "Математика" and note.params["class"] == "5А"
    assert note.params["reason"] == "Учитель на курсах"
    assert note.child_id == c.student.pk
    assert note.url == f"/timetable/class/{c.school_class.pk}/?date={lesson.date.isoformat()}"
    assert note.key == f"schedule:{change.pk}"


def test_announcement_is_delivered_once_even_if_emitted_twice(
    journal, django_capture_on_commit_callbacks
):
    c = journal.cast
    lesson = _future_math(journal)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change = service.lesson_cancel(actor=c.director, lesson=lesson)
    callbacks[0]()  # the same event delivered again: its key keeps one row per person
    assert Notification.objects.filter(key=f"schedule:{change.pk}", recipient=c.parent).count() == 1


def test_rolled_back_change_announces_nothing(journal, django_capture_on_commit_callbacks):
    c = journal.cast
    lesson = _future_math(journal)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        service.lesson_cancel(actor=c.director, lesson=lesson)
        raise RuntimeError("the request failed later")
    assert callbacks == []
    assert not Notification.objects.exists()
    lesson.refresh_from_db()
    assert not lesson.is_cancelled
    assert not ScheduleChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_committed_change_reaches_the_inbox_for_real(cast):
    """With real transactions (no test wrapper): the inbox row appears after COMMIT only."""
    from parta.journal.tests.fixtures import make_journal

    journal = make_journal(cast)
    lesson = _future_math(journal)
    service.lesson_cancel(actor=cast.director, lesson=lesson)
    assert Notification.objects.filter(recipient=cast.parent, kind="schedule_change").exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        service.lesson_restore(actor=cast.director, lesson=lesson)
        raise RuntimeError
    assert Notification.objects.filter(recipient=cast.parent).count() == 1


def test_cancel_is_refused_when_marks_stand_and_restore_brings_it_back(journal):
    c = journal.cast
    past = journal.past_math_lessons()[-1]
    mark_set(
        actor=c.class_teacher,
        lesson=lesson_for_marking(c.class_teacher, past.pk),
        student_id=c.student.pk,
        value=4,
    )
    with pytest.raises(DomainError, match="уже стоят оценки"):
        service.lesson_cancel(actor=c.director, lesson=past)
    lesson = _future_math(journal)
    service.lesson_cancel(actor=c.director, lesson=lesson)
    with pytest.raises(DomainError, match="уже отменён"):
        service.lesson_cancel(actor=c.director, lesson=lesson)
    service.lesson_restore(actor=c.director, lesson=lesson)
    lesson.refresh_from_db()
    assert not lesson.is_cancelled
    assert list(ScheduleChange.objects.filter(lesson=lesson).values_list("kind", flat=True)) == [
        "restored",
        "cancelled",
    ]


def test_lesson_of_a_closed_term_is_not_changed(journal):
    c = journal.cast
    closed = Lesson.objects.filter(term=journal.term1).first()
    with pytest.raises(DomainError, match="1 четверть закрыта"):
        service.lesson_cancel(actor=c.director, lesson=closed)


def test_substitute_teaches_is_told_and_may_mark_the_lesson(
    journal, django_capture_on_commit_callbacks
):
    """JRN-2: a confirmed teacher of the school substitutes; the policy lets them write the
    lesson and put its marks (the lesson is today's, so marks are allowed)."""
    c = journal.cast
    lesson = journal.past_math_lessons()[-1]  # today's, or the last one before today
    substitute = f.UserFactory(username="zamena", last_name="Гусева", first_name="Анна")
    f.StaffPositionFactory(person=substitute, organization=c.school)
    with pytest.raises(Http404):
        lesson_for_marking(substitute, lesson.pk)
    with django_capture_on_commit_callbacks(execute=True):
        change = service.lesson_substitute(
            actor=c.director, lesson=lesson, substitute=substitute, reason="Больничный"
        )
    assert change.details["new"] == substitute.pk
    assert _told() == {c.student.pk, c.parent.pk, c.class_teacher.pk, substitute.pk}
    assert Notification.objects.get(recipient=substitute).params["teacher"] == "Гусева А. И."
    substitute = type(substitute).objects.get(pk=substitute.pk)  # fresh roles
    assert Lesson.objects.editable_by(substitute, "change").filter(pk=lesson.pk).exists()
    result = mark_set(
        actor=substitute,
        lesson=lesson_for_marking(substitute, lesson.pk),
        student_id=c.student.pk,
        value=5,
    )
    assert result.mark.value == 5


def test_substitute_must_be_free_and_confirmed_staff(journal):
    c = journal.cast
    lesson = _future_math(journal)  # 5А, 1st lesson
    with pytest.raises(DomainError, match="и так ведёт этот урок"):
        service.lesson_substitute(actor=c.director, lesson=lesson, substitute=c.class_teacher)
    for person in (c.pending_teacher, c.other_teacher):
        with pytest.raises(DomainError, match="подтверждённый сотрудник"):
            service.lesson_substitute(actor=c.director, lesson=lesson, substitute=person)
    # Belova teaches 6Б's 3rd lesson; move this lesson to the 3rd and she is busy.
    service.lesson_move(actor=c.director, lesson=lesson, date=lesson.date, number=3)
    with pytest.raises(DomainError, match="в это время ведёт другой урок: 6Б"):
        service.lesson_substitute(
            actor=c.director, lesson=lesson, substitute=journal.russian_teacher
        )
    with pytest.raises(DomainError, match="нет замены"):
        service.lesson_substitute(actor=c.director, lesson=lesson, substitute=None)


def test_substitution_is_undone_and_the_old_substitute_is_told(
    journal, django_capture_on_commit_callbacks
):
    c = journal.cast
    lesson = _future_math(journal)
    substitute = f.UserFactory(username="zamena")
    f.StaffPositionFactory(person=substitute, organization=c.school)
    service.lesson_substitute(actor=c.director, lesson=lesson, substitute=substitute)
    with django_capture_on_commit_callbacks(execute=True):
        service.lesson_substitute(actor=c.director, lesson=lesson, substitute=None)
    lesson.refresh_from_db()
    assert lesson.substitute is None
    assert substitute.pk in _told()


def test_move_checks_the_class_the_teacher_and_the_terms(
    journal, django_capture_on_commit_callbacks
):
    c = journal.cast
    lesson = _future_math(journal)
    with pytest.raises(DomainError, match="уже стоит Русский язык"):
        service.lesson_move(actor=c.director, lesson=lesson, date=lesson.date, number=2)
    holiday = journal.term2.ends_on + DAY  # after the last term: the holidays
    with pytest.raises(DomainError, match="не входит ни в один учебный период"):
        service.lesson_move(actor=c.director, lesson=lesson, date=holiday, number=1)
    with pytest.raises(DomainError, match="1 четверть закрыта"):
        service.lesson_move(
            actor=c.director, lesson=lesson, date=journal.term1.starts_on + DAY, number=6
        )
    with django_capture_on_commit_callbacks(execute=True):
        change = service.lesson_move(
            actor=c.director, lesson=lesson, date=lesson.date, number=5, reason="Экскурсия"
        )
    lesson.refresh_from_db()
    assert (lesson.number, lesson.starts_at) == (5, datetime.time(12, 30))
    assert change.details["from_number"] == 1 and change.details["to_number"] == 5
    note = Notification.objects.get(recipient=c.student)
    assert note.params["old_number"] == 1 and note.params["number"] == 5


def test_room_change_and_extra_lesson(journal, django_capture_on_commit_callbacks):
    c = journal.cast
    lesson = _future_math(journal)
    with django_capture_on_commit_callbacks(execute=True):
        service.lesson_room_set(actor=c.director, lesson=lesson, room="Актовый зал")
    lesson.refresh_from_db()
    assert lesson.room == "Актовый зал"
    with pytest.raises(DomainError, match="и так проходит"):
        service.lesson_room_set(actor=c.director, lesson=lesson, room="Актовый зал")
    with django_capture_on_commit_callbacks(execute=True):
        extra = service.lesson_add(
            actor=c.director,
            school_class=c.school_class,
            date=lesson.date,
            number=6,
            subject=journal.russian,
            teacher=journal.russian_teacher,
            room="14",
            reason="Консультация",
        )
    assert extra.timetable_entry is None and extra.term == journal.term2
    assert ScheduleChange.objects.get(lesson=extra).kind == "added"
    assert Notification.objects.filter(
        recipient=journal.russian_teacher, kind="schedule_change"
    ).exists()
    with pytest.raises(DomainError, match="уже стоит Русский язык"):
        service.lesson_add(
            actor=c.director,
            school_class=c.school_class,
            date=lesson.date,
            number=6,
            subject=journal.math,
            teacher=c.class_teacher,
        )


def test_only_the_administration_reschedules(journal):
    c = journal.cast
    lesson = _future_math(journal)
    for person in (c.class_teacher, journal.russian_teacher, c.parent, c.operator):
        with pytest.raises(Http404):
            service.lesson_cancel(actor=person, lesson=lesson)


# --- the page -----------------------------------------------------------------------------------
def test_reschedule_page_cancels_and_keeps_the_form_on_refusal(journal, client):
    c = journal.cast
    lesson = _future_math(journal)
    url = reverse("lesson_reschedule", args=[lesson.pk])
    client.force_login(c.director)
    assert client.get(url).status_code == 200
    refused = client.post(
        url,
        {
            "action": "move",
            "move-date": lesson.date.isoformat(),
            "move-number": "2",
            "move-reason": "Экскурсия",
        },
    )
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "уже стоит Русский язык" in body and 'value="Экскурсия"' in body
    assert client.post(url, {"action": "cancel", "cancel-reason": "Карантин"}).status_code == 302
    lesson.refresh_from_db()
    assert lesson.is_cancelled
    assert "Карантин" in client.get(url).content.decode()


def test_reschedule_page_is_404_for_teachers_parents_and_other_schools(journal, client):
    c = journal.cast
    lesson = _future_math(journal)
    url = reverse("lesson_reschedule", args=[lesson.pk])
    other_director = f.UserFactory(username="direktor2")
    f.StaffPositionFactory(person=other_director, organization=c.other_school, position="director")
    for person in (c.class_teacher, c.parent, c.student, other_director, c.official):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "cancel"}).status_code == 404
    lesson.refresh_from_db()
    assert not lesson.is_cancelled


def test_changes_list_costs_the_same_with_many_changes(
    journal, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = journal.cast
    client.force_login(c.director)
    url = reverse("timetable_changes", args=[c.school.pk])
    service.lesson_room_set(actor=c.director, lesson=_future_math(journal), room="1")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    service.lessons_generate(
        school_class=c.school_class, date_from=journal.today, date_to=journal.term2.ends_on
    )
    for lesson in Lesson.objects.filter(school_class=c.school_class, date__gt=journal.today)[:20]:
        service.lesson_room_set(actor=c.director, lesson=lesson, room="2")
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["rows"]) >= 20
