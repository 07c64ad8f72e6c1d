"""Issue 5, item 7 (NTF-1): the weekly digest — one letter per parent and child with the
week's grades, absences and homework, through a real SMTP server (aiosmtpd); batches whose
number of SQL statements does not grow with the number of parents; never sent twice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from parta import factories as f
from parta.journal import digest
from parta.journal.models import Lesson, Mark
from parta.journal.tests.fixtures import grade_type
from parta.notifications import preferences
from parta.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


def _week(journal: Any) -> datetime.date:
    c = journal.cast
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    lessons = {
        (x.date, x.subject_id): x
        for x in Lesson.objects.filter(school_class=c.school_class, date__gte=monday)
    }
    math = lessons[(monday, journal.math.pk)]
    math.homework = "<p>Учебник, с. 45, <strong>№ 125</strong></p>"
    math.save()
    now = timezone.now()
    Mark.objects.create(
        lesson=math,
        student=c.student,
        value=5,
        comment="Отличное решение",
        grade_type=grade_type("answer"),
        updated_at=now,
    )
    Mark.objects.create(
        lesson=lessons[(monday + datetime.timedelta(days=1), journal.russian.pk)],
        student=c.student,
        attendance="sick",
        updated_at=now,
    )
    return monday


def _subjects(letters: list[Any]) -> list[str]:
    return sorted(" ".join(str(m["Subject"]).split()) for m in letters)


def test_each_parent_gets_one_letter_per_child_with_the_week(journal, smtp_server) -> None:
    c = journal.cast
    monday = _week(journal)
    c.parent.email = "mama@example.ru"
    c.parent.save()
    c.other_parent.email = "other@example.kz"
    c.other_parent.language = "kk"
    c.other_parent.save()
    stats = digest.weekly_digest(day=monday)
    assert stats.letters == 2
    by_address = {m["X-Envelope-To"]: m for m in smtp_server}
    letter = by_address["mama@example.ru"]
    name = f"{c.student.first_name} {c.student.last_name}"
    assert " ".join(str(letter["Subject"]).split()) == f"Парта: Итоги недели: {name}"
    text = letter.get_content()
    assert f"{monday:%d.%m} Математика: 5 — Отличное решение" in text
    assert "Русский язык: Б — болел" in text
    assert "Учебник, с. 45, № 125" in text and "<strong>" not in text
    assert f"/diary/?week={monday.isoformat()}" in text
    kazakh = by_address["other@example.kz"]
    other = f"{c.other_student.first_name} {c.other_student.last_name}"
    assert " ".join(str(kazakh["Subject"]).split()) == f"Парта: Апта қорытындысы: {other}"
    assert "Бағалар" in kazakh.get_content()
    # The inbox has it too, about the child.
    note = Notification.objects.get(recipient=c.parent, kind="grade_digest")
    assert note.child_id == c.student.pk


def test_a_parent_who_turned_it_off_for_a_child_gets_only_the_other(journal, smtp_server):
    c = journal.cast
    monday = _week(journal)
    second = f.UserFactory(first_name="Оля", last_name="Петрова")
    f.EnrollmentFactory(student=second, school_class=c.other_class)
    f.GuardianshipFactory(guardian=c.parent, child=second)
    c.parent.email = "mama@example.ru"
    c.parent.save()
    preferences.preferences_save(
        person=c.parent, choices={(c.student.pk, "grade_digest", "email"): False}
    )
    digest.weekly_digest(day=monday)
    assert _subjects(smtp_server) == ["Парта: Итоги недели: Оля Петрова"]


def test_running_it_again_sends_nothing_twice(journal, smtp_server) -> None:
    c = journal.cast
    monday = _week(journal)
    c.parent.email = "mama@example.ru"
    c.parent.save()
    first = digest.weekly_digest(day=monday)
    assert first.letters == 1
    again = digest.weekly_digest(day=monday)
    assert again.letters == 0 and again.skipped == first.skipped + 1
    assert len(smtp_server) == 1
    assert Delivery.objects.filter(kind="grade_digest", status="sent").count() == 1


def test_a_batch_costs_the_same_statements_whatever_the_number_of_parents(
    journal, smtp_server
) -> None:
    c = journal.cast
    monday = _week(journal)

    def add_parents(n: int) -> None:
        for i in range(n):
            parent = f.UserFactory(email=f"p{i}-{n}@example.ru")
            f.GuardianshipFactory(guardian=parent, child=c.student)

    add_parents(3)
    small = digest.weekly_digest(day=monday, batch=1000, count_queries=True)
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    add_parents(40)
    big = digest.weekly_digest(day=monday, batch=1000, count_queries=True)
    assert big.letters > small.letters >= 3
    assert small.batches == big.batches == 1
    assert small.queries_per_batch == big.queries_per_batch
    # And in several batches each costs the same.
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    split = digest.weekly_digest(day=monday, batch=10, count_queries=True)
    assert split.batches >= 4
    assert len(set(split.queries_per_batch)) == 1
    assert set(split.queries_per_batch) == set(big.queries_per_batch)
