"""Lessons come from the timetable; one-off changes are made by hand (JRN-2).

``lessons_generate`` turns a class's weekly template into ``Lesson`` rows on the school days
inside the terms. It is idempotent: a lesson that exists is never made twice, and a lesson
moved away from its slot is remembered by its ``ScheduleChange``. When the template changes,
only the future lessons that nobody has touched (no marks, no topic, no homework, no files,
no one-off change) are removed and made again; the past is never rewritten.

The administration's one-off changes (the policy's lesson "reschedule"): a cancellation and
its undoing, a substitution, a move to another day or lesson number, another room, an extra
lesson. Each writes one ``ScheduleChange`` and is announced, after the transaction commits,
to everyone it concerns: the class's students, their parents, the lesson's teacher and the
substitute.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import events
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, Guardianship, SchoolClass, Subject
from parta.journal.models import (
    Bell,
    GradeType,
    Lesson,
    Mark,
    ScheduleChange,
    Term,
    TimetableEntry,
)
from parta.journal.selectors.timetable import (
    administered_organization_ids,
    bells_of,
    has_content,
    is_confirmed_staff,
    school_today,
    touched,
)

MAX_REASON = 300


def require_administration(actor: Any, organization_id: int) -> None:
    """The actor is the school's administration, or the row does not exist for them."""
    if organization_id not in administered_organization_ids(actor):
        raise Http404


def _d(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


# --- who hears about a change ------------------------------------------------------------------
def class_audience(school_class_id: int) -> tuple[list[int], dict[int, int]]:
    """The confirmed students of a class and their parents (parent → child), two queries."""
    students = list(
        Enrollment.objects.confirmed()
        .filter(school_class_id=school_class_id)
        .values_list("student_id", flat=True)
    )
    parents: dict[int, int] = {}
    for guardian_id, child_id in Guardianship.objects.filter(child_id__in=students).values_list(
        "guardian_id", "child_id"
    ):
        parents.setdefault(guardian_id, child_id)
    return students, parents


def announce(
    *,
    school_class: SchoolClass,
    title: str,
    params: dict[str, Any],
    key: str,
    url: str,
    teachers: Iterable[int | None] = (),
    reason: str = "",
) -> None:
    """Tell the class, its parents and ``teachers`` about a change (after commit)."""
    students, parents = class_audience(school_class.pk)
    params = {**params, "reason": reason}
    events.emit(
        "schedule_change",
        recipients=[*students, *parents, *(t for t in teachers if t)],
        title=title,
        body=gettext_noop("Причина: %(reason)s") if reason else "",
        params=params,
        url=url,
        key=key,
        organization_id=school_class.organization_id,
        child_ids=parents,
    )


def class_week_url(school_class_id: int, day: datetime.date) -> str:
    from django.urls import reverse

    return f"{reverse('timetable_class', args=[school_class_id])}?date={day.isoformat()}"


# --- generating lessons from the template -------------------------------------------------------
@dataclass
class GenerateResult:
    created: int = 0
    removed: int = 0
    kept: list[Lesson] = field(default_factory=list)


def _valid_on(entry: TimetableEntry, day: datetime.date) -> bool:
    return entry.valid_from <= day and (entry.valid_to is None or day <= entry.valid_to)


def _term_of(terms: list[Term], day: datetime.date) -> Term | None:
    return next((t for t in terms if t.starts_on <= day <= t.ends_on), None)


def _default_grade_type() -> GradeType | None:
    return GradeType.objects.filter(organization__isnull=True, code="answer").first()


def lessons_generate(
    *, school_class: SchoolClass, date_from: datetime.date, date_to: datetime.date
) -> GenerateResult:
    """JRN-2, JRN-3: make the lessons of ``school_class`` from its weekly template.

    School days are the days inside the terms of the class's academic year (the days between
    terms are holidays). Running it twice creates nothing new. Future lessons (from today
    on) that the template no longer gives are removed when nobody touched them; the others
    are kept and returned in ``kept`` so the administration can decide about them.
    """
    result = GenerateResult()
    year = school_class.academic_year
    date_from = max(date_from, year.starts_on)
    date_to = min(date_to, year.ends_on)
    if date_from > date_to:
        return result
    today = school_today(school_class.organization)
    with transaction.atomic():
        # One generation per class at a time: two would both see a slot as free.
        SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
        terms = list(Term.objects.filter(academic_year_id=year.pk).order_by("starts_on"))
        entries = list(
            TimetableEntry.objects.filter(school_class=school_class, valid_from__lte=date_to)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date_from))
            .order_by("weekday", "number", "valid_from")
        )
        existing = list(
            Lesson.objects.filter(school_class=school_class, date__range=(date_from, date_to))
            .only("pk", "timetable_entry_id", "date", "number", "status", "subject_id")
            .order_by()
        )
        # A lesson that must go: from the template, in the future, no longer given by it.
        by_id = {e.pk: e for e in entries}
        stale_ids = [
            x.pk
            for x in existing
            if x.timetable_entry_id is not None
            and x.date >= today
            and (
                _term_of(terms, x.date) is None
                or x.timetable_entry_id not in by_id
                or not _valid_on(by_id[x.timetable_entry_id], x.date)
                or by_id[x.timetable_entry_id].number != x.number
                or by_id[x.timetable_entry_id].weekday != x.date.isoweekday()
                or by_id[x.timetable_entry_id].subject_id != x.subject_id
            )
        ]
        if stale_ids:
            stale = Lesson.objects.filter(pk__in=stale_ids)
            removable = list(
                stale.exclude(has_content()).exclude(touched()).values_list("pk", flat=True)
            )
            if removable:
                Lesson.objects.filter(pk__in=removable).delete()
                result.removed = len(removable)
            result.kept = list(
                stale.exclude(pk__in=removable).select_related("subject").order_by("date")
            )
            gone = set(removable)
            existing = [x for x in existing if x.pk not in gone]
        made = {(x.timetable_entry_id, x.date) for x in existing}
        occupied = {(x.date, x.number) for x in existing}
        for change in ScheduleChange.objects.filter(
            lesson__school_class=school_class, kind=ScheduleChange.Kind.MOVED
        ).only("details"):
            entry_id, was = change.details.get("entry"), change.details.get("from_date")
            if entry_id and was:
                made.add((entry_id, datetime.date.fromisoformat(was)))
        bells = bells_of(school_class.organization_id)
        grade_type = _default_grade_type()
        new: list[Lesson] = []
        by_weekday: dict[int, list[TimetableEntry]] = {}
        for entry in entries:
            by_weekday.setdefault(entry.weekday, []).append(entry)
        for term in terms:
            day = max(date_from, term.starts_on)
            last = min(date_to, term.ends_on)
            while day <= last:
                for entry in by_weekday.get(day.isoweekday(), []):
                    if not _valid_on(entry, day):
                        continue
                    if (entry.pk, day) in made or (day, entry.number) in occupied:
                        continue
                    bell = bells.get(entry.number)
                    new.append(
                        Lesson(
                            school_class=school_class,
                            subject_id=entry.subject_id,
                            teacher_id=entry.teacher_id,
                            term=term,
                            date=day,
                            number=entry.number,
                            starts_at=bell.starts_at if bell else None,
                            ends_at=bell.ends_at if bell else None,
                            room=entry.room,
                            timetable_entry=entry,
                            grade_type=grade_type,
                        )
                    )
                    made.add((entry.pk, day))
                    occupied.add((day, entry.number))
                day += datetime.timedelta(days=1)
        if new:
            Lesson.objects.bulk_create(new, batch_size=1000)
        result.created = len(new)
    return result


# --- one-off changes -------------------------------------------------------------------------
def _lesson_params(lesson: Lesson) -> dict[str, Any]:
    return {
        "subject": lesson.subject.name,
        "class": str(lesson.school_class),
        "date": _d(lesson.date),
        "number": lesson.number,
    }


def _check_changeable(lesson: Lesson, today: datetime.date) -> None:
    from parta.journal.services.marks import year_is_open

    if lesson.term.is_closed:
        raise DomainError(
            _("%(term)s закрыта: её уроки больше не меняются.") % {"term": lesson.term.name},
            code="term_closed",
        )
    if not year_is_open(lesson.school_class.academic_year, today):
        raise DomainError(
            _("Учебный год %(year)s завершён; его расписание открыто только для чтения.")
            % {"year": lesson.school_class.academic_year.name},
            code="year_closed",
        )


def _locked(lesson: Lesson) -> Lesson:
    return (
        Lesson.objects.select_for_update(of=("self",))
        .select_related(
            "term",
            "subject",
            "teacher",
            "substitute",
            "school_class__academic_year",
            "school_class__organization__municipality__region",
        )
        .get(pk=lesson.pk)
    )


def _reason(reason: str) -> str:
    return " ".join((reason or "").split())[:MAX_REASON]


def _has_marks(lesson: Lesson) -> bool:
    return (
        Mark.objects.filter(lesson=lesson)
        .filter(Q(value__isnull=False) | ~Q(attendance=""))
        .exists()
    )


def _record(
    lesson: Lesson, kind: str, actor: Any, reason: str, details: dict[str, Any]
) -> ScheduleChange:
    return ScheduleChange.objects.create(
        lesson=lesson, kind=kind, details=details, reason=reason, changed_by=actor
    )


def _busy(
    person_id: int,
    organization_id: int,
    day: datetime.date,
    number: int,
    *,
    exclude: int | None = None,
) -> Lesson | None:
    """The planned lesson ``person_id`` already teaches at that day and number, if any."""
    qs = Lesson.objects.filter(
        Q(substitute_id=person_id) | Q(teacher_id=person_id, substitute__isnull=True),
        school_class__organization_id=organization_id,
        date=day,
        number=number,
        status=Lesson.Status.PLANNED,
    ).select_related("school_class", "subject")
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def _busy_error(person: Any, other: Lesson) -> DomainError:
    return DomainError(
        _(
            "%(teacher)s в это время ведёт другой урок: %(class)s, %(subject)s, "
            "%(date)s, %(number)s-й урок."
        )
        % {
            "teacher": person.short_name,
            "class": other.school_class,
            "subject": other.subject.name,
            "date": _d(other.date),
            "number": other.number,
        },
        field="teacher",
        code="teacher_busy",
    )


def _slot_taken(
    school_class_id: int, day: datetime.date, number: int, *, exclude: int | None = None
) -> Lesson | None:
    qs = Lesson.objects.filter(
        school_class_id=school_class_id, date=day, number=number, status=Lesson.Status.PLANNED
    ).select_related("subject")
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.first()


def lesson_cancel(*, actor: Any, lesson: Lesson, reason: str = "") -> ScheduleChange:
    """JRN-2: cancel a lesson; it stays in the journal, struck out, and everyone is told."""
    require_administration(actor, lesson.school_class.organization_id)
    with transaction.atomic():
        lesson = _locked(lesson)
        _check_changeable(lesson, school_today(lesson.school_class.organization))
        if lesson.is_cancelled:
            raise DomainError(_("Этот урок уже отменён."), code="already")
        if _has_marks(lesson):
            raise DomainError(
                _(
                    "На уроке уже стоят оценки или отметки посещаемости: отменить его нельзя. "
                    "Если урок не состоялся, сначала уберите отметки в журнале."
                ),
                code="has_marks",
            )
        lesson.status = Lesson.Status.CANCELLED
        lesson.save(update_fields=["status", "updated_at"])
        change = _record(lesson, ScheduleChange.Kind.CANCELLED, actor, _reason(reason), {})
        announce(
            school_class=lesson.school_class,
            title=gettext_noop("Урок отменён: %(subject)s, %(class)s, %(date)s, %(number)s-й урок"),
            params=_lesson_params(lesson),
            key=f"schedule:{change.pk}",
            url=class_week_url(lesson.school_class_id, lesson.date),
            teachers=[lesson.teacher_id, lesson.substitute_id],
            reason=change.reason,
        )
    return change


def lesson_restore(*, actor: Any, lesson: Lesson, reason: str = "") -> ScheduleChange:
    """JRN-2: put a cancelled lesson back into the timetable."""
    require_administration(actor, lesson.school_class.organization_id)
    with transaction.atomic():
        lesson = _locked(lesson)
        _check_changeable(lesson, school_today(lesson.school_class.organization))
        if not lesson.is_cancelled:
            raise DomainError(_("Этот урок не отменён."), code="not_cancelled")
        other = _slot_taken(lesson.school_class_id, lesson.date, lesson.number, exclude=lesson.pk)
        if other is not None:
            raise DomainError(
                _("В это время у класса уже стоит другой урок: %(subject)s.")
                % {"subject": other.subject.name},
                code="slot_taken",
            )
        teacher = lesson.substitute or lesson.teacher
        busy = _busy(
            teacher.pk,
            lesson.school_class.organization_id,
            lesson.date,
            lesson.number,
            exclude=lesson.pk,
        )
        if busy is not None:
            raise _busy_error(teacher, busy)
        lesson.status = Lesson.Status.PLANNED
        lesson.save(update_fields=["status", "updated_at"])
        change = _record(lesson, ScheduleChange.Kind.RESTORED, actor, _reason(reason), {})
        announce(
            school_class=lesson.school_class,
            title=gettext_noop(
                "Урок снова в расписании: %(subject)s, %(class)s, %(date)s, %(number)s-й урок"
            ),
            params=_lesson_params(lesson),
            key=f"schedule:{change.pk}",
            url=class_week_url(lesson.school_class_id, lesson.date),
            teachers=[lesson.teacher_id, lesson.substitute_id],
            reason=change.reason,
        )
    return change


def lesson_substitute(
    *, actor: Any, lesson: Lesson, substitute: Any | None, reason: str = ""
) -> ScheduleChange:
    """JRN-2: another confirmed teacher of the school teaches the lesson (``None`` undoes it).

    The substitute may then write the lesson's topic and homework and put its marks (the
    policy's "taught" and "journal" scopes count substituted lessons).
    """
    require_administration(actor, lesson.school_class.organization_id)
    organization_id = lesson.school_class.organization_id
    with transaction.atomic():
        lesson = _locked(lesson)
        _check_changeable(lesson, school_today(lesson.school_class.organization))
        if lesson.is_cancelled:
            raise DomainError(
                _("Урок отменён: сначала верните его в расписание."), code="cancelled"
            )
        previous = lesson.substitute
        if substitute is None:
            if previous is None:
                raise DomainError(_("У этого урока нет замены."), field="substitute")
        else:
            if substitute.pk == lesson.teacher_id:
                raise DomainError(
                    _("%(teacher)s и так ведёт этот урок. Выберите другого учителя.")
                    % {"teacher": substitute.short_name},
                    field="substitute",
                    code="same_teacher",
                )
            if previous is not None and previous.pk == substitute.pk:
                raise DomainError(
                    _("%(teacher)s уже заменяет этот урок.") % {"teacher": substitute.short_name},
                    field="substitute",
                )
            if not is_confirmed_staff(substitute.pk, organization_id):
                raise DomainError(
                    _("Заменять может только подтверждённый сотрудник этой школы."),
                    field="substitute",
                    code="not_staff",
                )
            busy = _busy(
                substitute.pk, organization_id, lesson.date, lesson.number, exclude=lesson.pk
            )
            if busy is not None:
                error = _busy_error(substitute, busy)
                error.field = "substitute"
                raise error
        lesson.substitute = substitute
        lesson.save(update_fields=["substitute", "updated_at"])
        change = _record(
            lesson,
            ScheduleChange.Kind.SUBSTITUTION,
            actor,
            _reason(reason),
            {
                "old": previous.pk if previous else None,
                "old_name": previous.short_name if previous else "",
                "new": substitute.pk if substitute else None,
                "new_name": substitute.short_name if substitute else "",
            },
        )
        params = _lesson_params(lesson)
        if substitute is not None:
            title = gettext_noop("Замена: %(subject)s, %(class)s, %(date)s — ведёт %(teacher)s")
            params["teacher"] = substitute.short_name
        else:
            title = gettext_noop(
                "Замены не будет: %(subject)s, %(class)s, %(date)s — ведёт %(teacher)s"
            )
            params["teacher"] = lesson.teacher.short_name
        announce(
            school_class=lesson.school_class,
            title=title,
            params=params,
            key=f"schedule:{change.pk}",
            url=class_week_url(lesson.school_class_id, lesson.date),
            teachers=[lesson.teacher_id, previous.pk if previous else None, lesson.substitute_id],
            reason=change.reason,
        )
    return change


def lesson_move(
    *, actor: Any, lesson: Lesson, date: datetime.date, number: int, reason: str = ""
) -> ScheduleChange:
    """JRN-2: move a lesson to another day and/or lesson number of the same academic year."""
    require_administration(actor, lesson.school_class.organization_id)
    organization_id = lesson.school_class.organization_id
    with transaction.atomic():
        lesson = _locked(lesson)
        today = school_today(lesson.school_class.organization)
        _check_changeable(lesson, today)
        if lesson.is_cancelled:
            raise DomainError(
                _("Урок отменён: сначала верните его в расписание."), code="cancelled"
            )
        if (date, number) == (lesson.date, lesson.number):
            raise DomainError(_("Урок и так стоит в это время."), field="date")
        if not 0 <= number <= 12:
            raise DomainError(_("Номер урока — от 0 до 12."), field="number")
        if _has_marks(lesson):
            raise DomainError(
                _("На уроке уже стоят отметки: перенести его нельзя."), code="has_marks"
            )
        term = (
            Term.objects.filter(
                academic_year_id=lesson.school_class.academic_year_id,
                starts_on__lte=date,
                ends_on__gte=date,
            )
            .order_by("number")
            .first()
        )
        if term is None:
            raise DomainError(
                _("%(date)s не входит ни в один учебный период: это каникулы или другой год.")
                % {"date": _d(date)},
                field="date",
                code="outside_terms",
            )
        if term.is_closed:
            raise DomainError(
                _("%(term)s закрыта: в неё уроки не переносятся.") % {"term": term.name},
                field="date",
                code="term_closed",
            )
        other = _slot_taken(lesson.school_class_id, date, number, exclude=lesson.pk)
        if other is not None:
            raise DomainError(
                _(
                    "У класса %(date)s %(number)s-м уроком уже стоит %(subject)s. "
                    "Отмените или перенесите сначала его."
                )
                % {"date": _d(date), "number": number, "subject": other.subject.name},
                field="number",
                code="slot_taken",
            )
        teacher = lesson.substitute or lesson.teacher
        busy = _busy(teacher.pk, organization_id, date, number, exclude=lesson.pk)
        if busy is not None:
            error = _busy_error(teacher, busy)
            error.field = "number"
            raise error
        old_date, old_number = lesson.date, lesson.number
        bell = Bell.objects.filter(organization_id=organization_id, number=number).first()
        lesson.date, lesson.number, lesson.term = date, number, term
        lesson.starts_at = bell.starts_at if bell else None
        lesson.ends_at = bell.ends_at if bell else None
        lesson.save(update_fields=["date", "number", "term", "starts_at", "ends_at", "updated_at"])
        change = _record(
            lesson,
            ScheduleChange.Kind.MOVED,
            actor,
            _reason(reason),
            {
                "entry": lesson.timetable_entry_id,
                "from_date": old_date.isoformat(),
                "from_number": old_number,
                "to_date": date.isoformat(),
                "to_number": number,
            },
        )
        announce(
            school_class=lesson.school_class,
            title=gettext_noop(
                "Урок перенесён: %(subject)s, %(class)s — с %(old_date)s (%(old_number)s-й урок) "
                "на %(date)s (%(number)s-й урок)"
            ),
            params={
                **_lesson_params(lesson),
                "old_date": _d(old_date),
                "old_number": old_number,
            },
            key=f"schedule:{change.pk}",
            url=class_week_url(lesson.school_class_id, date),
            teachers=[lesson.teacher_id, lesson.substitute_id],
            reason=change.reason,
        )
    return change


def lesson_room_set(*, actor: Any, lesson: Lesson, room: str, reason: str = "") -> ScheduleChange:
    """JRN-2: the lesson takes place in another room."""
    require_administration(actor, lesson.school_class.organization_id)
    room = " ".join((room or "").split())
    if len(room) > 20:
        raise DomainError(_("Кабинет — не длиннее 20 знаков."), field="room")
    with transaction.atomic():
        lesson = _locked(lesson)
        _check_changeable(lesson, school_today(lesson.school_class.organization))
        if room == lesson.room:
            raise DomainError(_("Урок и так проходит в этом кабинете."), field="room")
        old = lesson.room
        lesson.room = room
        lesson.save(update_fields=["room", "updated_at"])
        change = _record(
            lesson, ScheduleChange.Kind.ROOM, actor, _reason(reason), {"old": old, "new": room}
        )
        announce(
            school_class=lesson.school_class,
            title=gettext_noop(
                "Другой кабинет: %(subject)s, %(class)s, %(date)s, %(number)s-й урок — "
                "кабинет %(room)s"
            ),
            params={**_lesson_params(lesson), "room": room or "—"},
            key=f"schedule:{change.pk}",
            url=class_week_url(lesson.school_class_id, lesson.date),
            teachers=[lesson.teacher_id, lesson.substitute_id],
            reason=change.reason,
        )
    return change


def lesson_add(
    *,
    actor: Any,
    school_class: SchoolClass,
    date: datetime.date,
    number: int,
    subject: Subject,
    teacher: Any,
    room: str = "",
    reason: str = "",
) -> Lesson:
    """JRN-2: an extra lesson outside the weekly template (a make-up lesson, a consultation)."""
    organization_id = school_class.organization_id
    require_administration(actor, organization_id)
    room = " ".join((room or "").split())
    if len(room) > 20:
        raise DomainError(_("Кабинет — не длиннее 20 знаков."), field="room")
    if not 0 <= number <= 12:
        raise DomainError(_("Номер урока — от 0 до 12."), field="number")
    if subject.organization_id not in (None, organization_id):
        raise DomainError(_("Этот предмет принадлежит другой школе."), field="subject")
    if not is_confirmed_staff(teacher.pk, organization_id):
        raise DomainError(
            _("Урок может вести только подтверждённый сотрудник этой школы."),
            field="teacher",
            code="not_staff",
        )
    from parta.journal.services.marks import year_is_open

    today = school_today(school_class.organization)
    if not year_is_open(school_class.academic_year, today):
        raise DomainError(
            _("Учебный год %(year)s завершён; его расписание открыто только для чтения.")
            % {"year": school_class.academic_year.name},
            code="year_closed",
        )
    with transaction.atomic():
        SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
        term = (
            Term.objects.filter(
                academic_year_id=school_class.academic_year_id,
                starts_on__lte=date,
                ends_on__gte=date,
            )
            .order_by("number")
            .first()
        )
        if term is None:
            raise DomainError(
                _("%(date)s не входит ни в один учебный период: это каникулы или другой год.")
                % {"date": _d(date)},
                field="date",
                code="outside_terms",
            )
        if term.is_closed:
            raise DomainError(
                _("%(term)s закрыта: в неё уроки не добавляются.") % {"term": term.name},
                field="date",
                code="term_closed",
            )
        other = _slot_taken(school_class.pk, date, number)
        if other is not None:
            raise DomainError(
                _("У класса %(date)s %(number)s-м уроком уже стоит %(subject)s.")
                % {"date": _d(date), "number": number, "subject": other.subject.name},
                field="number",
                code="slot_taken",
            )
        busy = _busy(teacher.pk, organization_id, date, number)
        if busy is not None:
            raise _busy_error(teacher, busy)
        bell = Bell.objects.filter(organization_id=organization_id, number=number).first()
        lesson = Lesson.objects.create(
            school_class=school_class,
            subject=subject,
            teacher=teacher,
            term=term,
            date=date,
            number=number,
            starts_at=bell.starts_at if bell else None,
            ends_at=bell.ends_at if bell else None,
            room=room,
            grade_type=_default_grade_type(),
        )
        change = _record(lesson, ScheduleChange.Kind.ADDED, actor, _reason(reason), {})
        announce(
            school_class=school_class,
            title=gettext_noop(
                "Дополнительный урок: %(subject)s, %(class)s, %(date)s, %(number)s-й урок"
            ),
            params={
                "subject": subject.name,
                "class": str(school_class),
                "date": _d(date),
                "number": number,
            },
            key=f"schedule:{change.pk}",
            url=class_week_url(school_class.pk, date),
            teachers=[teacher.pk],
            reason=change.reason,
        )
    return lesson


def change_summary(change: ScheduleChange) -> str:
    """What a change did, in the reader's language, for the lists of changes."""
    d = change.details or {}
    if change.kind == ScheduleChange.Kind.SUBSTITUTION:
        if d.get("new_name"):
            return _("ведёт %(teacher)s") % {"teacher": d["new_name"]}
        return _("замена снята (вела %(teacher)s)") % {"teacher": d.get("old_name") or "—"}
    if change.kind == ScheduleChange.Kind.MOVED:
        try:
            was = datetime.date.fromisoformat(d["from_date"])
            now = datetime.date.fromisoformat(d["to_date"])
        except (KeyError, ValueError):
            return ""
        return _("с %(old)s, %(old_number)s-й урок, на %(new)s, %(new_number)s-й урок") % {
            "old": date_format(was, "SHORT_DATE_FORMAT"),
            "old_number": d.get("from_number", ""),
            "new": date_format(now, "SHORT_DATE_FORMAT"),
            "new_number": d.get("to_number", ""),
        }
    if change.kind == ScheduleChange.Kind.ROOM:
        return _("кабинет %(old)s → %(new)s") % {
            "old": d.get("old") or "—",
            "new": d.get("new") or "—",
        }
    return ""
