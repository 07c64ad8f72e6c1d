"""Marks, attendance and final grades: every write of the journal's cells (JRN-4..7).

Each write locks the cell's row, compares it with what the author's screen showed
(``seen_version``), writes the new state and appends one ``MarkChange``. Two teachers saving
the same cell at once are serialized by that lock: both changes are in the history, the
later one stands, and the later author is told whose change they wrote over.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import access, events, sql
from parta.core.errors import DomainError
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Organization,
    SchoolClass,
    Subject,
)
from parta.journal import dates
from parta.journal.models import (
    Attendance,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    Mark,
    MarkChange,
    Term,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# What a teacher types into a cell for attendance: Russian and Kazakh letters, Latin too.
ATTENDANCE_KEYS = {
    "н": Attendance.ABSENT,
    "ж": Attendance.ABSENT,
    "n": Attendance.ABSENT,
    "о": Attendance.LATE,
    "л": Attendance.LATE,
    "к": Attendance.LATE,
    "l": Attendance.LATE,
    "п": Attendance.EXCUSED,
    "у": Attendance.EXCUSED,
    "д": Attendance.EXCUSED,
    "e": Attendance.EXCUSED,
    "б": Attendance.SICK,
    "а": Attendance.SICK,
    "s": Attendance.SICK,
}


@dataclass(frozen=True)
class CellInput:
    value: int | None
    attendance: str


def settings_of(organization_id: int) -> JournalSettings:
    """The school's journal settings, the defaults when the school has not set any."""
    found = JournalSettings.objects.filter(organization_id=organization_id).first()
    return found or JournalSettings(organization_id=organization_id)


def settings_joined(organization: Organization) -> JournalSettings:
    """``settings_of`` for an organization read with ``journal_settings`` joined (no query
    then; one query otherwise), the defaults when the school has not set any."""
    try:
        return organization.journal_settings
    except JournalSettings.DoesNotExist:
        return JournalSettings(organization_id=organization.pk)


def cell_parse(text: str, *, scale: int = 5) -> CellInput:
    """What a teacher typed into a cell: a mark, an attendance letter, or both ("4о").

    An empty cell clears both. Anything else is refused with what the cell accepts.
    """
    raw = (text or "").strip().lower().replace(" ", "")
    if not raw:
        return CellInput(None, "")
    match = re.fullmatch(r"(\d{1,3})?([^\d]?)", raw) or re.fullmatch(r"([^\d])(\d{1,3})", raw)
    if match is None:
        raise DomainError(_cell_help(scale), field="value", code="cell")
    groups = match.groups()
    digits = next((g for g in groups if g and g.isdigit()), None)
    letter = next((g for g in groups if g and not g.isdigit()), "")
    attendance = ""
    if letter:
        if letter not in ATTENDANCE_KEYS:
            raise DomainError(_cell_help(scale), field="value", code="cell")
        attendance = ATTENDANCE_KEYS[letter]
    value = int(digits) if digits else None
    if value is not None and not 1 <= value <= scale:
        raise DomainError(
            _("Оценка должна быть от 1 до %(scale)s.") % {"scale": scale},
            field="value",
            code="scale",
        )
    return CellInput(value, attendance)


def _cell_help(scale: int) -> str:
    return _(
        "В клетку вводится оценка от 1 до %(scale)s и/или буква посещаемости: "
        "Н — отсутствовал, О — опоздал, П — уважительная причина, Б — болел."
    ) % {"scale": scale}


def _snapshot(mark: Mark | FinalGrade | None) -> dict[str, Any]:
    if mark is None:
        return {}
    if isinstance(mark, FinalGrade):
        data: dict[str, Any] = {"value": mark.value, "passed": mark.passed, "comment": mark.comment}
    else:
        data = {
            "value": mark.value,
            "attendance": mark.attendance,
            "reason": mark.reason,
            "comment": mark.comment,
            "grade_type": mark.grade_type_id,
        }
    return {k: v for k, v in data.items() if v not in (None, "")}


def year_is_open(year: AcademicYear, today: datetime.date) -> bool:
    """JRN-6: a past academic year is read-only: its archive stays readable, not editable."""
    return year.is_current or year.ends_on >= today


def school_today(school_class: SchoolClass) -> datetime.date:
    """Today in the school's region's time zone (what "today" means for its journal)."""
    return dates.school_today(school_class.organization)


def check_writable(
    *, actor: Any, lesson: Lesson, journal: JournalSettings, existing: bool, today: datetime.date
) -> None:
    """JRN-6: the rules a lesson's cell must pass before a mark is written.

    Closed term, past year, cancelled or future lesson: refused with a reason a teacher can
    act on. Past the school's editing window only the administration may change marks.
    """
    term = lesson.term
    if term.is_closed:
        raise DomainError(
            _(
                "%(term)s закрыта %(date)s: оценки и посещаемость за неё больше не меняются. "
                "Если нужно исправление, обратитесь к администрации школы."
            )
            % {"term": term.name, "date": timezone.localtime(term.closed_at).strftime("%d.%m.%Y")},
            code="term_closed",
        )
    if not year_is_open(lesson.school_class.academic_year, today):
        raise DomainError(
            _("Учебный год %(year)s завершён; его журнал открыт только для чтения.")
            % {"year": lesson.school_class.academic_year.name},
            code="year_closed",
        )
    if lesson.is_cancelled:
        raise DomainError(_("Урок отменён: отметки на нём не ставятся."), code="cancelled")
    if lesson.date > today:
        raise DomainError(
            _("Урок %(date)s ещё не прошёл: отметки ставятся в день урока или позже.")
            % {"date": lesson.date.strftime("%d.%m.%Y")},
            code="future",
        )
    is_admin = any(
        r.kind in access.SCHOOL_ADMINISTRATION
        and r.context_id == lesson.school_class.organization_id
        for r in access.roles_of(actor)
    )
    if not is_admin and (today - lesson.date).days > journal.edit_window_days:
        raise DomainError(
            _(
                "Прошло больше %(days)s дн. после урока: исправить отметку может только "
                "администрация школы."
            )
            % {"days": journal.edit_window_days},
            code="window",
        )


@dataclass(frozen=True)
class MarkResult:
    mark: Mark
    change: MarkChange | None
    # Somebody else changed the cell after the author's screen showed it (JRN-7).
    overwrote: MarkChange | None = None


def _lesson_for_marking(actor: Any, lesson_id: int) -> Any:
    # One row by its key: no ORDER BY (compiling the model's ordering costs more than the
    # query); the school's journal settings come joined (``settings_joined``).
    return (
        Lesson.objects.filter(access.allowed(actor, "lesson", "mark"))
        .select_related(
            "term",
            "school_class__academic_year",
            "school_class__organization__municipality__region",
            "school_class__organization__journal_settings",
            "grade_type",
            "subject",
        )
        .filter(pk=lesson_id)
        .order_by()[:1]
    )


_LESSON_FOR_MARKING = sql.Baked(_lesson_for_marking)


def lesson_for_marking(actor: Any, lesson_id: int) -> Lesson:
    """The lesson if ``actor`` may put marks on it, else 404 (the policy's "mark").

    Compiled once per teacher and roles (``core.sql.Baked``: building and compiling these
    joins cost 2.8 ms, running them 0.4 ms) and prepared on the server (PostgreSQL planned
    them 1.6 ms): a teacher's thirty marks in a row compile it once."""
    from django.http import Http404

    lesson = _LESSON_FOR_MARKING.first(access.shape_of(actor), actor, lesson_id=lesson_id)
    if lesson is None:
        raise Http404
    return lesson


# A cell's save, compiled once per process (``core.sql.Baked``).
# The student's confirmed place in the class with their parents, who hear of a new mark: one
# row per parent (one row with None for a student without any), no row when not enrolled.
_ENROLLED_WITH_PARENTS = sql.Baked(
    lambda class_id, student_id: (
        Enrollment.objects.confirmed()
        .filter(school_class_id=class_id, student_id=student_id)
        .order_by()
        .values_list("pk", "student__guardians__guardian_id")
    )
)
# The cell, locked for the rest of the transaction (two teachers saving it queue here).
_MARK_FOR_UPDATE = sql.Baked(
    lambda lesson_id, student_id: (
        Mark.objects.select_for_update()
        .filter(lesson_id=lesson_id, student_id=student_id)
        .order_by()[:1]
    )
)


def mark_set(
    *,
    actor: Any,
    lesson: Lesson,
    student_id: int,
    value: Any = UNSET,
    attendance: Any = UNSET,
    reason: Any = UNSET,
    comment: Any = UNSET,
    grade_type: Any = UNSET,
    seen_version: int | None = None,
    journal: JournalSettings | None = None,
) -> MarkResult:
    """JRN-4, JRN-5, JRN-7: set a student's mark and/or attendance on a lesson.

    ``lesson`` must come from ``lesson_for_marking`` (the policy). Fields left ``UNSET``
    keep their value. The history gets one row per real change; a save that changes nothing
    writes nothing.
    """
    journal = journal or settings_of(lesson.school_class.organization_id)
    today = school_today(lesson.school_class)
    if value is not UNSET and value is not None and not 1 <= int(value) <= journal.scale:
        raise DomainError(
            _("Оценка должна быть от 1 до %(scale)s.") % {"scale": journal.scale},
            field="value",
            code="scale",
        )
    if attendance is not UNSET and attendance not in ("", *Attendance.values):
        raise DomainError(_("Неизвестная отметка посещаемости."), field="attendance")
    with transaction.atomic():
        enrolled = _ENROLLED_WITH_PARENTS(
            (), class_id=lesson.school_class_id, student_id=student_id
        )
        if not enrolled:
            raise DomainError(
                _("Этот ученик не учится в классе %(class)s.") % {"class": lesson.school_class},
                code="not_enrolled",
            )
        mark = _MARK_FOR_UPDATE.first((), lesson_id=lesson.pk, student_id=student_id)
        check_writable(
            actor=actor, lesson=lesson, journal=journal, existing=mark is not None, today=today
        )
        now = timezone.now()
        if mark is None:
            Mark.objects.bulk_create(
                [
                    Mark(
                        lesson=lesson,
                        student_id=student_id,
                        version=0,
                        updated_at=now,
                        grade_type=lesson.grade_type,
                        weight=lesson.grade_type.weight if lesson.grade_type else Decimal("1"),
                    )
                ],
                ignore_conflicts=True,
            )
            # Ours, or the one a teacher saving the same new cell at once made first.
            mark = _MARK_FOR_UPDATE((), lesson_id=lesson.pk, student_id=student_id)[0]
        before = _snapshot(mark) if mark.version else {}
        previous_version = mark.version
        if value is not UNSET:
            mark.value = int(value) if value not in (None, "") else None
        if attendance is not UNSET:
            mark.attendance = attendance or ""
            if not mark.attendance:
                mark.reason = ""
        if reason is not UNSET:
            mark.reason = (reason or "").strip()[:200]
        if comment is not UNSET:
            mark.comment = (comment or "").strip()[:300]
        if grade_type is not UNSET and grade_type is not None:
            kind = (
                GradeType.objects.filter(
                    Q(organization__isnull=True)
                    | Q(organization_id=lesson.school_class.organization_id)
                )
                .filter(pk=getattr(grade_type, "pk", grade_type))
                .first()
            )
            if kind is None:
                raise DomainError(_("Такого вида работы нет."), field="grade_type")
            mark.grade_type = kind
            mark.weight = kind.weight
        after = _snapshot(mark)
        if after == before and previous_version:
            return MarkResult(mark, None)
        overwrote = None
        if seen_version is not None and seen_version != previous_version and previous_version:
            overwrote = (
                MarkChange.objects.filter(mark=mark, version=previous_version)
                .select_related("changed_by")
                .first()
            )
        mark.version = previous_version + 1
        mark.updated_by = actor
        mark.updated_at = now
        mark.save()
        change = MarkChange.objects.create(
            kind=MarkChange.Kind.CELL,
            mark=mark,
            lesson=lesson,
            student_id=student_id,
            school_class_id=lesson.school_class_id,
            subject_id=lesson.subject_id,
            old=before,
            new=after,
            version=mark.version,
            seen_version=seen_version,
            changed_by=actor,
            changed_at=now,
        )
        parents = sorted({parent for _, parent in enrolled if parent is not None})
        _announce(lesson, mark, before, after, parents)
    return MarkResult(mark, change, overwrote)


def _announce(
    lesson: Lesson,
    mark: Mark,
    before: dict[str, Any],
    after: dict[str, Any],
    parents: list[int],
) -> None:
    """A new or changed mark and a new absence reach the student and their ``parents``."""
    new_value = after.get("value") != before.get("value") and after.get("value") is not None
    new_absence = after.get("attendance") in (
        Attendance.ABSENT,
        Attendance.SICK,
        Attendance.EXCUSED,
    ) and after.get("attendance") != before.get("attendance")
    if not (new_value or new_absence):
        return
    params = {
        "subject": lesson.subject.name,
        "date": lesson.date.strftime("%d.%m.%Y"),
        "value": after.get("value") or "",
        "old": before.get("value") or "",
    }
    people = [mark.student_id, *parents]
    children = dict.fromkeys(parents, mark.student_id)
    if new_value:
        title = (
            gettext_noop("Оценка изменена: %(subject)s, %(old)s → %(value)s")
            if before.get("value")
            else gettext_noop("Новая оценка: %(subject)s — %(value)s")
        )
        events.emit(
            "new_grade",
            recipients=people,
            title=title,
            params=params,
            url=f"/diary/?week={lesson.date.isoformat()}",
            key=f"mark:{mark.pk}:{mark.version}",
            organization_id=lesson.school_class.organization_id,
            child_ids=children,
        )
    if new_absence:
        events.emit(
            "absence",
            recipients=parents,
            title=gettext_noop("Отсутствие на уроке: %(subject)s, %(date)s"),
            params=params,
            url=f"/diary/?week={lesson.date.isoformat()}",
            key=f"absence:{mark.pk}:{mark.version}",
            organization_id=lesson.school_class.organization_id,
            child_ids=children,
        )


# --- averages and final grades ----------------------------------------------------------------
def averages(marks: list[tuple[int, Decimal]]) -> tuple[Decimal | None, Decimal | None]:
    """JRN-4: plain and weighted average of (value, weight) pairs, to two decimals."""
    if not marks:
        return None, None
    plain = Decimal(sum(v for v, _w in marks)) / len(marks)
    total_weight = sum((w for _v, w in marks), Decimal(0))
    weighted = (
        sum((Decimal(v) * w for v, w in marks), Decimal(0)) / total_weight
        if total_weight
        else plain
    )
    q = Decimal("0.01")
    return plain.quantize(q, ROUND_HALF_UP), weighted.quantize(q, ROUND_HALF_UP)


def suggest_final(average: Decimal | None, journal: JournalSettings) -> int | None:
    """JRN-6: the term grade the average suggests (thresholds in the pupil's favour)."""
    if average is None:
        return None
    if journal.scale == 5:
        for grade, threshold in (
            (5, journal.threshold_5),
            (4, journal.threshold_4),
            (3, journal.threshold_3),
        ):
            if average >= threshold:
                return grade
        return 2
    return int(average.quantize(Decimal("1"), ROUND_HALF_UP))


def final_grade_set(
    *,
    actor: Any,
    student_id: int,
    school_class: SchoolClass,
    subject: Subject,
    term: Term | None,
    value: int | None,
    comment: str = "",
    seen_version: int | None = None,
) -> FinalGrade:
    """JRN-6, JRN-7: set a term grade (``term``) or the year grade (``term`` is None).

    The actor must be allowed to change final grades of the class's subject (the policy's
    ``final_grade`` "change", checked by the caller through ``journal_for``). A closed term
    and a past year refuse; every change is kept in the history.
    """
    journal = settings_of(school_class.organization_id)
    today = school_today(school_class)
    if value is not None and not 1 <= value <= journal.scale:
        raise DomainError(
            _("Оценка должна быть от 1 до %(scale)s.") % {"scale": journal.scale}, field="value"
        )
    year = school_class.academic_year
    if not year_is_open(year, today):
        raise DomainError(
            _("Учебный год %(year)s завершён; его журнал открыт только для чтения.")
            % {"year": year.name},
            code="year_closed",
        )
    if term is not None and term.is_closed:
        raise DomainError(
            _("%(term)s закрыта: итоговые оценки за неё больше не меняются.") % {"term": term.name},
            code="term_closed",
        )
    with transaction.atomic():
        if not (
            Enrollment.objects.confirmed()
            .filter(school_class=school_class, student_id=student_id)
            .exists()
        ):
            raise DomainError(
                _("Этот ученик не учится в классе %(class)s.") % {"class": school_class},
                code="not_enrolled",
            )
        now = timezone.now()
        lookup: dict[str, Any] = {"student_id": student_id, "subject": subject}
        if term is not None:
            lookup["term"] = term
        else:
            lookup.update(term__isnull=True, academic_year=year)
        grade = FinalGrade.objects.select_for_update().filter(**lookup).first()
        if grade is None:
            FinalGrade.objects.bulk_create(
                [
                    FinalGrade(
                        student_id=student_id,
                        school_class=school_class,
                        subject=subject,
                        academic_year=year,
                        term=term,
                        version=0,
                        updated_at=now,
                    )
                ],
                ignore_conflicts=True,
            )
            grade = FinalGrade.objects.select_for_update().get(**lookup)
        before = _snapshot(grade) if grade.version else {}
        grade.value = value
        grade.comment = (comment or "").strip()[:300]
        after = _snapshot(grade)
        if after == before and grade.version:
            return grade
        grade.version += 1
        grade.updated_by = actor
        grade.updated_at = now
        grade.save()
        MarkChange.objects.create(
            kind=MarkChange.Kind.FINAL,
            final_grade=grade,
            student_id=student_id,
            school_class=school_class,
            subject=subject,
            old=before,
            new=after,
            version=grade.version,
            seen_version=seen_version,
            changed_by=actor,
            changed_at=now,
        )
    return grade


def term_close(*, actor: Any, term: Term) -> Term:
    """JRN-6: close a term; its marks and term grades freeze. Administration only."""
    with transaction.atomic():
        term = Term.objects.select_for_update().get(pk=term.pk)
        if term.is_closed:
            return term
        term.closed_at = timezone.now()
        term.closed_by = actor
        term.save(update_fields=["closed_at", "closed_by"])
    return term


def term_reopen(*, actor: Any, term: Term) -> Term:
    """JRN-6: reopen a closed term of the current year (a correction by the administration)."""
    with transaction.atomic():
        term = Term.objects.select_for_update().select_related("academic_year").get(pk=term.pk)
        if not term.academic_year.is_current:
            raise DomainError(_("Периоды прошлых учебных лет не открываются."))
        term.closed_at = None
        term.closed_by = None
        term.save(update_fields=["closed_at", "closed_by"])
    return term
