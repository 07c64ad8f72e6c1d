"""The journal's models in the Django admin: the regional operator reads their region's
journal; the history of marks (JRN-7) has no change or delete for anyone."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from parta import factories as f
from parta.journal.models import (
    Bell,
    Lesson,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)
from parta.journal.services import lessons as lesson_service
from parta.journal.services.marks import lesson_for_marking, mark_set

CHANGELISTS = [
    "journalsettings",
    "term",
    "bell",
    "gradetype",
    "timetableentry",
    "lesson",
    "schedulechange",
    "mark",
    "finalgrade",
    "markchange",
    "achievement",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_operator_opens_every_journal_changelist(journal, client, model):
    client.force_login(journal.cast.operator)
    assert client.get(reverse(f"admin:journal_{model}_changelist")).status_code == 200


def _history(journal) -> MarkChange:
    c = journal.cast
    lesson = lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    return mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=4).change


def test_mark_history_is_read_only_even_for_a_superuser(journal):
    change = _history(journal)
    model_admin = admin.site._registry[MarkChange]
    root = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    for person in (root, journal.cast.operator):
        request = RequestFactory().get("/")
        request.user = person
        assert model_admin.has_view_permission(request, change)
        assert not model_admin.has_change_permission(request, change)
        assert not model_admin.has_delete_permission(request, change)
        assert not model_admin.has_add_permission(request)


def test_operator_sees_the_history_and_cannot_post_a_change(journal, client):
    change = _history(journal)
    client.force_login(journal.cast.operator)
    url = reverse("admin:journal_markchange_change", args=[change.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"new": '{"value": 5}'})
    change.refresh_from_db()
    assert change.new["value"] == 4
    delete = reverse("admin:journal_markchange_delete", args=[change.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert MarkChange.objects.filter(pk=change.pk).exists()


def test_operator_reads_but_does_not_rewrite_the_schools_timetable(journal):
    c = journal.cast
    lesson_service.lesson_cancel(
        actor=c.director,
        lesson=Lesson.objects.filter(date__gt=journal.today, school_class=c.school_class).first(),
    )
    request = RequestFactory().get("/")
    request.user = c.operator
    for model, obj in (
        (Term, journal.term2),
        (Bell, Bell.objects.first()),
        (TimetableEntry, journal.entries[0]),
        (Lesson, journal.lessons[0]),
        (ScheduleChange, ScheduleChange.objects.get()),
    ):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request, obj), model
        assert not model_admin.has_change_permission(request, obj), model
        assert not model_admin.has_delete_permission(request, obj), model


def test_another_regions_operator_sees_no_rows(journal, client):
    region = f.RegionFactory(name="Чужой регион", code="FOREIGN")
    foreign = f.UserFactory(username="chuzhoy-operator", is_staff=True)
    f.OfficialFactory(person=foreign, region=region, kind="operator")
    client.force_login(foreign)
    response = client.get(reverse("admin:journal_lesson_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    response = client.get(reverse("admin:journal_schedulechange_changelist"))
    assert list(response.context["cl"].result_list) == []
