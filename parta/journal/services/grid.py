"""Writes the journal grid needs beyond a cell: the grade type of a lesson's column (JRN-4)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from parta.core.errors import DomainError
from parta.journal.models import GradeType, Lesson, Mark
from parta.journal.services import marks


def lesson_grade_type_set(*, actor: Any, lesson: Lesson, grade_type_id: int) -> Lesson:
    """JRN-4, JRN-7: choose the kind of work a lesson's marks are for, and so their weight.

    ``lesson`` comes from ``Lesson.objects.editable_by(actor, "change")`` (the teacher who
    teaches or substitutes it, the administration). The marks already on the lesson take the
    new type and its weight, each through ``marks.mark_set`` — one change in the history per
    mark, refused like a mark (closed term, past year, the editing window). A lesson still to
    come may get its type in advance (a test announced for next week).
    """
    with transaction.atomic():
        locked = (
            Lesson.objects.select_for_update(of=("self",))
            .select_related(
                "term",
                "grade_type",
                "school_class__academic_year",
                "school_class__organization__municipality__region",
            )
            .get(pk=lesson.pk)
        )
        organization_id = locked.school_class.organization_id
        kind = (
            GradeType.objects.filter(
                Q(organization__isnull=True) | Q(organization_id=organization_id)
            )
            .filter(pk=grade_type_id)
            .first()
        )
        if kind is None:
            raise DomainError(_("Такого вида работы нет."), field="grade_type")
        journal = marks.settings_of(organization_id)
        today = marks.school_today(locked.school_class)
        marks.check_writable(
            actor=actor,
            lesson=locked,
            journal=journal,
            existing=False,
            today=max(today, locked.date),
        )
        if locked.grade_type_id == kind.pk:
            return locked
        held = Mark.objects.filter(lesson=locked).exclude(grade_type=kind)
        for student_id in held.values_list("student_id", flat=True):
            try:
                marks.mark_set(
                    actor=actor,
                    lesson=locked,
                    student_id=student_id,
                    grade_type=kind,
                    journal=journal,
                )
            except DomainError as exc:
                # A student who has left the class keeps their mark as it was written.
                if exc.code != "not_enrolled":
                    raise
        locked.grade_type = kind
        locked.save(update_fields=["grade_type", "updated_at"])
    return locked
