"""Achievements of students: diplomas, olympiads, projects, competitions (JRN-8).

The class teacher enters them for the students of their class and the school's
administration for any student of the school (the policy's ``achievement`` "change"); the
student and their parents read them in the diary.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from parta.core import access
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, SchoolClass
from parta.journal.models import Achievement

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
# An achievement is at most this far ahead (an olympiad finishing next week is entered later).
FUTURE_GRACE = datetime.timedelta(days=1)
OLDEST = datetime.timedelta(days=366 * 12)


def _scope(actor: Any) -> tuple[list[int], list[int]]:
    """The classes (class teacher) and schools (administration) where ``actor`` enters
    achievements — the roles the policy's ``achievement`` "change" names."""
    rules = access.POLICY["achievement"]["change"]
    roles = [r for r in access.roles_of(actor) if r.kind in rules]
    classes = access.ids(r for r in roles if r.kind == access.CLASS_TEACHER)
    schools = access.organization_ids(r for r in roles if r.kind in access.SCHOOL_ADMINISTRATION)
    return classes, schools


def managed_classes(actor: Any) -> QuerySet[SchoolClass]:
    """The current year's classes whose students' achievements ``actor`` enters."""
    classes, schools = _scope(actor)
    if not classes and not schools:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(academic_year__is_current=True).filter(
        Q(pk__in=classes) | Q(organization_id__in=schools)
    )


def managed_enrollments(actor: Any) -> QuerySet[Enrollment]:
    """The current places of the students whose achievements ``actor`` enters: the classes
    they lead (a class teacher), the schools they run (the administration)."""
    classes, schools = _scope(actor)
    if not classes and not schools:
        return Enrollment.objects.none()
    return Enrollment.objects.current().filter(
        Q(school_class_id__in=classes) | Q(school_class__organization_id__in=schools)
    )


def managed_place(actor: Any, student_id: int) -> Enrollment:
    """The student's current place if ``actor`` enters their achievements, else 404."""
    place = (
        managed_enrollments(actor)
        .filter(student_id=student_id)
        .select_related("student", "school_class__organization")
        .order_by("pk")
        .first()
    )
    if place is None:
        raise Http404
    return place


def achievement_add(
    *,
    actor: Any,
    student_id: int,
    kind: str,
    title: str,
    date: datetime.date,
    description: str = "",
) -> Achievement:
    """JRN-8: record a student's achievement (class teacher of the class, administration).

    The achievement belongs to the school the student studies at now; a date in the future
    or a dozen years back is refused, as is an empty title.
    """
    title = " ".join((title or "").split())
    description = (description or "").strip()
    if not title:
        raise DomainError(_("Напишите, что это за достижение."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Название не длиннее %(n)s знаков.") % {"n": TITLE_MAX}, field="title")
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(
            _("Описание не длиннее %(n)s знаков.") % {"n": DESCRIPTION_MAX}, field="description"
        )
    if kind not in Achievement.Kind.values:
        raise DomainError(_("Выберите вид достижения из списка."), field="kind")
    today = timezone.localdate()
    if date > today + FUTURE_GRACE:
        raise DomainError(
            _("Дата достижения ещё не наступила: внесите его, когда оно состоится."), field="date"
        )
    if date < today - OLDEST:
        raise DomainError(_("Проверьте дату: она слишком давняя."), field="date")
    with transaction.atomic():
        place = managed_place(actor, student_id)
        achievement = Achievement.objects.create(
            student_id=student_id,
            organization_id=place.school_class.organization_id,
            kind=kind,
            title=title,
            description=description,
            date=date,
            added_by=actor,
        )
        # The policy has the last word: a row the actor could not change is not theirs to add.
        if not Achievement.objects.editable_by(actor).filter(pk=achievement.pk).exists():
            raise Http404
    return achievement


def achievement_remove(*, actor: Any, achievement_id: int, student_id: int | None = None) -> None:
    """JRN-8: remove an achievement entered by mistake (whoever may add it for the student)."""
    with transaction.atomic():
        rows = Achievement.objects.editable_by(actor).select_for_update().filter(pk=achievement_id)
        if student_id is not None:
            rows = rows.filter(student_id=student_id)
        achievement = rows.first()
        if achievement is None:
            raise Http404
        achievement.delete()
