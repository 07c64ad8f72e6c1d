"""JRN-8: achievements — entered by the class teacher and the administration, read by the
student and their parents in the diary; everybody else gets a 404."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.core.errors import DomainError
from parta.journal.models import Achievement
from parta.journal.services import achievements


def _add(actor, student, title="Диплом олимпиады", **kw) -> Achievement:
    return achievements.achievement_add(
        actor=actor,
        student_id=student.pk,
        kind=kw.pop("kind", Achievement.Kind.OLYMPIAD),
        title=title,
        date=kw.pop("date", timezone.localdate()),
        **kw,
    )


def test_class_teacher_adds_an_achievement_the_family_reads_in_the_diary(cast, client) -> None:
    client.force_login(cast.class_teacher)
    url = reverse("achievements_student", args=[cast.student.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "olympiad",
            "title": "Диплом II степени муниципальной олимпиады по математике",
            "date": timezone.localdate().isoformat(),
            "description": "7 место из 40",
        },
    )
    assert response.status_code == 302
    achievement = Achievement.objects.get()
    assert achievement.student == cast.student
    assert achievement.organization == cast.school
    assert achievement.added_by == cast.class_teacher
    for reader in (cast.parent, cast.student):
        client.force_login(reader)
        body = client.get(reverse("diary_record") + f"?child={cast.student.pk}").content.decode()
        assert "Диплом II степени муниципальной олимпиады по математике" in body
        assert "7 место из 40" in body


def test_class_teacher_cannot_enter_achievements_of_another_class(cast, client) -> None:
    client.force_login(cast.class_teacher)
    assert (
        client.get(reverse("achievements_student", args=[cast.other_student.pk])).status_code == 404
    )
    assert client.get(reverse("achievements_class", args=[cast.other_class.pk])).status_code == 404
    with pytest.raises(Http404):
        _add(cast.class_teacher, cast.other_student)
    assert not Achievement.objects.exists()


def test_director_enters_for_any_student_of_the_school(cast, client) -> None:
    client.force_login(cast.director)
    for klass, student in (
        (cast.school_class, cast.student),
        (cast.other_class, cast.other_student),
    ):
        assert client.get(reverse("achievements_class", args=[klass.pk])).status_code == 200
        _add(cast.director, student, title=f"Грамота {student.first_name}")
    assert Achievement.objects.count() == 2
    with pytest.raises(Http404):
        _add(cast.director, cast.far_student)  # another school


@pytest.mark.parametrize(
    "member", ["student", "parent", "other_parent", "other_teacher", "official"]
)
def test_others_cannot_open_the_pages_that_enter_achievements(cast, client, member) -> None:
    existing = _add(cast.class_teacher, cast.student)
    client.force_login(cast.members[member])
    assert client.get(reverse("achievements_class", args=[cast.school_class.pk])).status_code == 404
    assert client.get(reverse("achievements_student", args=[cast.student.pk])).status_code == 404
    remove = reverse("achievement_remove", args=[cast.student.pk, existing.pk])
    assert client.post(remove).status_code == 404
    assert Achievement.objects.filter(pk=existing.pk).exists()


def test_class_teacher_removes_an_achievement_entered_by_mistake(cast, client) -> None:
    mistake = _add(cast.class_teacher, cast.student, title="Не тот ученик")
    client.force_login(cast.class_teacher)
    page = client.get(reverse("achievements_student", args=[cast.student.pk])).content.decode()
    assert 'Убрать<span class="visually-hidden">: Не тот ученик' in page
    response = client.post(reverse("achievement_remove", args=[cast.student.pk, mistake.pk]))
    assert response.status_code == 302
    assert not Achievement.objects.exists()


def test_refused_achievement_keeps_what_was_typed(cast, client) -> None:
    client.force_login(cast.class_teacher)
    future = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        reverse("achievements_student", args=[cast.student.pk]),
        {"kind": "sport", "title": "Первое место в эстафете", "date": future.isoformat()},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "ещё не наступила" in body
    assert 'value="Первое место в эстафете"' in body
    assert 'aria-invalid="true"' in body
    assert not Achievement.objects.exists()


def test_achievement_rules_refuse_empty_title_and_unknown_kind(cast) -> None:
    with pytest.raises(DomainError, match="что это за достижение"):
        _add(cast.class_teacher, cast.student, title="   ")
    with pytest.raises(DomainError, match="вид достижения"):
        _add(cast.class_teacher, cast.student, kind="medal")


def test_class_page_costs_the_same_with_more_students(cast, client) -> None:
    client.force_login(cast.class_teacher)
    url = reverse("achievements_class", args=[cast.school_class.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for _ in range(10):
        student = f.EnrollmentFactory(school_class=cast.school_class).student
        _add(cast.class_teacher, student)
        _add(cast.class_teacher, student, title="Второе")
    assert count() == small
    response = client.get(url)
    counts = {p.student_id: p.achievements_count for p in response.context["places"]}
    assert counts[cast.student.pk] == 0
    assert sorted(counts.values()).count(2) == 10


def test_the_class_roster_leads_to_the_achievements_page(cast, client) -> None:
    link = reverse("achievements_class", args=[cast.school_class.pk])
    client.force_login(cast.class_teacher)
    assert (
        link in client.get(reverse("issuing_roster", args=[cast.school_class.pk])).content.decode()
    )
    # The regional operator opens rosters but does not enter achievements: no link.
    client.force_login(cast.operator)
    roster = client.get(reverse("issuing_roster", args=[cast.school_class.pk]))
    assert roster.status_code == 200
    assert link not in roster.content.decode()
