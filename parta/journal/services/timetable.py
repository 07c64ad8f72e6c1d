"""The structure of the school year and the weekly timetable (JRN-1, JRN-2, JRN-4).

Written by the school's administration (director, deputy, secretary):

- ``terms_suggest`` / ``term_set`` — the terms of an academic year (quarters, trimesters or
  half-years): inside the year, in order, without overlaps; a closed term keeps its dates.
- ``bell_set`` — the bell schedule: lesson number, start, end, without overlaps.
- ``journal_settings_set`` — the scale, the weights, the term-grade thresholds, the window in
  which teachers change marks.
- ``grade_type_create`` / ``grade_type_change`` / ``grade_type_delete`` — the school's own
  kinds of work with their weights (the catalogue's kinds are shared and read-only).
- ``timetable_entry_add`` / ``timetable_entry_change`` / ``timetable_entry_remove`` — slots of
  a class's weekly template. A change from a date closes the old slot the day before and
  opens a new one: the past is never rewritten. A teacher is never booked twice at the same
  weekday and lesson number in overlapping dates.

Every write refreshes the lessons it affects (``lessons.lessons_generate``).
"""

from __future__ import annotations

import datetime
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core.errors import DomainError
from parta.directory.models import AcademicYear, Organization, SchoolClass, Subject
from parta.journal.models import (
    Bell,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    Mark,
    Term,
    TermSystem,
    TimetableEntry,
)
from parta.journal.selectors.timetable import (
    WEEKDAYS,
    has_content,
    is_confirmed_staff,
    school_today,
    touched,
)
from parta.journal.services.lessons import (
    GenerateResult,
    announce,
    class_week_url,
    lessons_generate,
    require_administration,
)

MAX_TERMS = 6


def _d(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


# --- terms (JRN-1) ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermInput:
    name: str
    starts_on: datetime.date
    ends_on: datetime.date


def term_name(system: str, number: int) -> str:
    if system == TermSystem.TRIMESTERS:
        return _("%(n)s триместр") % {"n": number}
    if system == TermSystem.HALVES:
        return _("%(n)s полугодие") % {"n": number}
    return _("%(n)s четверть") % {"n": number}


# Month and day of the common division of a year that runs 1 September – 26 May (the
# Ministry's recommended holidays: autumn from late October, winter from 29 December,
# spring from late March). Parts of the year that cross New Year count from September.
_DEFAULT_SPLITS: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {
    TermSystem.QUARTERS: [
        ((9, 1), (10, 24)),
        ((11, 5), (12, 28)),
        ((1, 9), (3, 27)),
        ((4, 6), (5, 26)),
    ],
    TermSystem.TRIMESTERS: [((9, 1), (11, 30)), ((12, 1), (2, 28)), ((3, 1), (5, 26))],
    TermSystem.HALVES: [((9, 1), (12, 28)), ((1, 9), (5, 26))],
}


def terms_suggest(*, year: AcademicYear, system: str) -> list[TermInput]:
    """JRN-1: the usual terms of ``year`` for a division (quarters, trimesters, halves).

    The first term starts on the year's first day and the last one ends on its last day;
    the boundaries in between are the common ones, for the school to adjust.
    """
    if system not in TermSystem.values:
        raise DomainError(_("Выберите, как делится учебный год."), field="system")
    start_year = year.starts_on.year
    result = []
    splits = _DEFAULT_SPLITS[system]
    for index, ((m1, d1), (m2, d2)) in enumerate(splits):
        y1 = start_year if m1 >= 8 else start_year + 1
        y2 = start_year if m2 >= 8 else start_year + 1
        if (m2, d2) == (2, 28) and _is_leap(y2):
            d2 = 29
        starts = year.starts_on if index == 0 else datetime.date(y1, m1, d1)
        ends = year.ends_on if index == len(splits) - 1 else datetime.date(y2, m2, d2)
        starts = min(max(starts, year.starts_on), year.ends_on)
        ends = min(max(ends, starts), year.ends_on)
        result.append(TermInput(term_name(system, index + 1), starts, ends))
    return result


def _is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def _validate_terms(year: AcademicYear, terms: list[TermInput]) -> None:
    if not terms:
        raise DomainError(_("Нужен хотя бы один учебный период."), code="no_terms")
    if len(terms) > MAX_TERMS:
        raise DomainError(
            _("Учебных периодов не может быть больше %(n)s.") % {"n": MAX_TERMS}, code="too_many"
        )
    for index, term in enumerate(terms, start=1):
        if not term.name.strip():
            raise DomainError(
                _("Укажите название %(n)s-го периода.") % {"n": index}, code="name", field="name"
            )
        if len(term.name) > 40:
            raise DomainError(
                _("Название «%(name)s» длиннее 40 знаков.") % {"name": term.name}, code="name"
            )
        if term.ends_on < term.starts_on:
            raise DomainError(
                _("«%(name)s»: окончание (%(end)s) раньше начала (%(start)s).")
                % {"name": term.name, "end": _d(term.ends_on), "start": _d(term.starts_on)},
                code="order",
            )
        if term.starts_on < year.starts_on or term.ends_on > year.ends_on:
            raise DomainError(
                _("«%(name)s» выходит за учебный год %(year)s: он идёт с %(start)s по %(end)s.")
                % {
                    "name": term.name,
                    "year": year.name,
                    "start": _d(year.starts_on),
                    "end": _d(year.ends_on),
                },
                code="outside_year",
            )
    for previous, term in itertools.pairwise(terms):
        if term.starts_on <= previous.ends_on:
            raise DomainError(
                _(
                    "«%(name)s» начинается %(start)s, а «%(previous)s» заканчивается "
                    "%(end)s: периоды не должны пересекаться и идут по порядку."
                )
                % {
                    "name": term.name,
                    "start": _d(term.starts_on),
                    "previous": previous.name,
                    "end": _d(previous.ends_on),
                },
                code="overlap",
            )


def term_set(
    *, actor: Any, academic_year: AcademicYear, system: str, terms: list[TermInput]
) -> list[Term]:
    """JRN-1: set the terms of ``academic_year`` (replacing the ones it had).

    Terms are numbered in order. A closed term keeps its dates and name (reopen it first to
    change them). Lessons follow their dates into the new terms; the future lessons nobody
    touched that fall into holidays are removed; any other lesson outside every term refuses
    the change. The lessons of the new school days are made from the timetable.
    """
    require_administration(actor, academic_year.organization_id)
    if system not in TermSystem.values:
        raise DomainError(_("Выберите, как делится учебный год."), field="system")
    terms = [TermInput(" ".join(t.name.split()), t.starts_on, t.ends_on) for t in terms]
    _validate_terms(academic_year, terms)
    today = school_today(academic_year.organization)
    with transaction.atomic():
        AcademicYear.objects.select_for_update().filter(pk=academic_year.pk).first()
        existing = {
            t.number: t
            for t in Term.objects.select_for_update().filter(academic_year=academic_year)
        }
        for number, old in existing.items():
            if not old.is_closed:
                continue
            new = terms[number - 1] if number <= len(terms) else None
            if new is None or (new.starts_on, new.ends_on) != (old.starts_on, old.ends_on):
                raise DomainError(
                    _(
                        "«%(name)s» закрыта: её даты не меняются. Если нужно исправление, "
                        "сначала откройте её снова."
                    )
                    % {"name": old.name},
                    code="closed",
                )
        saved: list[Term] = []
        for number, data in enumerate(terms, start=1):
            term = existing.get(number) or Term(academic_year=academic_year, number=number)
            term.name, term.starts_on, term.ends_on = data.name, data.starts_on, data.ends_on
            term.save()
            saved.append(term)
        lessons = Lesson.objects.filter(school_class__academic_year=academic_year)
        for term in saved:
            lessons.filter(date__range=(term.starts_on, term.ends_on)).exclude(term=term).update(
                term=term, updated_at=timezone.now()
            )
        outside = lessons.exclude(
            Q.create([("date__range", (t.starts_on, t.ends_on)) for t in saved], connector=Q.OR)
        )
        removable = outside.filter(date__gte=today, timetable_entry__isnull=False).exclude(
            has_content() | touched()
        )
        Lesson.objects.filter(pk__in=list(removable.values_list("pk", flat=True))).delete()
        left = list(outside.select_related("school_class", "subject").order_by("date")[:3])
        if left:
            raise DomainError(
                _(
                    "Эти уроки оказались бы вне учебных периодов: %(lessons)s. На них уже "
                    "есть отметки, темы или разовые изменения — оставьте их даты внутри "
                    "периодов или сначала перенесите уроки."
                )
                % {
                    "lessons": "; ".join(
                        f"{x.school_class} {x.subject.name} {_d(x.date)}" for x in left
                    )
                },
                code="lessons_outside",
            )
        for number, term in existing.items():
            if number <= len(terms):
                continue
            if FinalGrade.objects.filter(term=term).exists():
                raise DomainError(
                    _("За «%(name)s» уже выставлены итоговые оценки: этот период нельзя убрать.")
                    % {"name": term.name},
                    code="has_finals",
                )
            term.delete()
        settings = JournalSettings.objects.filter(
            organization_id=academic_year.organization_id
        ).first() or JournalSettings(organization_id=academic_year.organization_id)
        if settings.term_system != system or settings.pk is None:
            settings.term_system = system
            settings.save()
        for school_class in SchoolClass.objects.filter(
            academic_year=academic_year, timetable__isnull=False
        ).distinct():
            lessons_generate(
                school_class=school_class,
                date_from=academic_year.starts_on,
                date_to=academic_year.ends_on,
            )
    return saved


# --- bells --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BellInput:
    number: int
    starts_at: datetime.time
    ends_at: datetime.time


def _t(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _validate_bells(bells: list[BellInput]) -> list[BellInput]:
    seen: set[int] = set()
    for bell in bells:
        if not 0 <= bell.number <= 12:
            raise DomainError(_("Номер урока — от 0 до 12."), code="number")
        if bell.number in seen:
            raise DomainError(_("Урок %(n)s указан дважды.") % {"n": bell.number}, code="duplicate")
        seen.add(bell.number)
        if bell.ends_at <= bell.starts_at:
            raise DomainError(
                _("Урок %(n)s: конец (%(end)s) должен быть позже начала (%(start)s).")
                % {"n": bell.number, "end": _t(bell.ends_at), "start": _t(bell.starts_at)},
                code="order",
            )
    ordered = sorted(bells, key=lambda b: b.number)
    for previous, bell in itertools.pairwise(ordered):
        if bell.starts_at < previous.ends_at:
            raise DomainError(
                _(
                    "Урок %(n)s начинается в %(start)s, а урок %(previous)s заканчивается в "
                    "%(end)s: уроки не должны пересекаться и идут по порядку номеров."
                )
                % {
                    "n": bell.number,
                    "start": _t(bell.starts_at),
                    "previous": previous.number,
                    "end": _t(previous.ends_at),
                },
                code="overlap",
            )
    return ordered


def bell_set(*, actor: Any, organization: Organization, bells: list[BellInput]) -> list[Bell]:
    """JRN-2: the school's bell schedule (replacing the one it had).

    The times of the future lessons follow the new schedule; past lessons keep theirs.
    """
    require_administration(actor, organization.pk)
    ordered = _validate_bells(bells)
    today = school_today(organization)
    with transaction.atomic():
        current = {
            b.number: b for b in Bell.objects.select_for_update().filter(organization=organization)
        }
        keep = {b.number for b in ordered}
        Bell.objects.filter(organization=organization).exclude(number__in=keep).delete()
        saved = []
        for data in ordered:
            bell = current.get(data.number) or Bell(organization=organization, number=data.number)
            changed = (bell.starts_at, bell.ends_at) != (data.starts_at, data.ends_at)
            bell.starts_at, bell.ends_at = data.starts_at, data.ends_at
            if changed or bell.pk is None:
                bell.save()
                Lesson.objects.filter(
                    school_class__organization=organization, date__gte=today, number=data.number
                ).update(starts_at=data.starts_at, ends_at=data.ends_at, updated_at=timezone.now())
            saved.append(bell)
        gone = set(current) - keep
        if gone:
            Lesson.objects.filter(
                school_class__organization=organization, date__gte=today, number__in=gone
            ).update(starts_at=None, ends_at=None, updated_at=timezone.now())
    return saved


# --- journal settings (JRN-4, JRN-6) ----------------------------------------------------------
def journal_settings_set(
    *,
    actor: Any,
    organization: Organization,
    scale: int,
    weighted: bool,
    threshold_5: Decimal,
    threshold_4: Decimal,
    threshold_3: Decimal,
    edit_window_days: int,
) -> JournalSettings:
    """JRN-4, JRN-6: the school's grade scale, weights, term-grade thresholds, edit window.

    A smaller scale is refused while the journal of the current year holds marks above it.
    """
    require_administration(actor, organization.pk)
    if scale not in JournalSettings.Scale.values:
        raise DomainError(_("Выберите шкалу оценок из списка."), field="scale")
    if not 0 <= edit_window_days <= 366:
        raise DomainError(
            _("Срок исправления оценок — от 0 до 366 дней."), field="edit_window_days"
        )
    try:
        t5, t4, t3 = (Decimal(str(v)) for v in (threshold_5, threshold_4, threshold_3))
    except InvalidOperation as exc:
        raise DomainError(_("Пороги итоговой оценки — числа."), field="threshold_5") from exc
    if not Decimal("1") <= t3 < t4 < t5 <= Decimal("5"):
        raise DomainError(
            _(
                "Пороги итоговой оценки идут по возрастанию от 1 до 5: «3» от %(t3)s, "
                "«4» от %(t4)s, «5» от %(t5)s — так не получается."
            )
            % {"t3": t3, "t4": t4, "t5": t5},
            field="threshold_4",
            code="thresholds",
        )
    with transaction.atomic():
        settings = JournalSettings.objects.select_for_update().filter(
            organization=organization
        ).first() or JournalSettings(organization=organization)
        if scale < settings.scale or settings.pk is None:
            top = (
                Mark.objects.filter(
                    lesson__school_class__organization=organization,
                    lesson__school_class__academic_year__is_current=True,
                    value__gt=scale,
                )
                .order_by("-value")
                .values_list("value", flat=True)
                .first()
            )
            if top is not None:
                raise DomainError(
                    _(
                        "В журнале этого года уже есть оценки «%(value)s»: шкала не может "
                        "быть меньше. Сначала исправьте эти оценки."
                    )
                    % {"value": top},
                    field="scale",
                    code="marks_above",
                )
        settings.scale = scale
        settings.weighted = weighted
        settings.threshold_5, settings.threshold_4, settings.threshold_3 = t5, t4, t3
        settings.edit_window_days = edit_window_days
        settings.save()
    return settings


# --- grade types (JRN-4) ----------------------------------------------------------------------
def _grade_type_fields(name: str, short_name: str, weight: Any) -> tuple[str, str, Decimal]:
    name = " ".join((name or "").split())
    short_name = " ".join((short_name or "").split())
    if not name:
        raise DomainError(_("Укажите название вида работы."), field="name")
    if len(name) > 80:
        raise DomainError(_("Название — не длиннее 80 знаков."), field="name")
    if not short_name:
        short_name = name[:12]
    if len(short_name) > 12:
        raise DomainError(_("Краткое название — не длиннее 12 знаков."), field="short_name")
    try:
        value = Decimal(str(weight))
    except InvalidOperation as exc:
        raise DomainError(_("Вес — число от 0,1 до 10."), field="weight") from exc
    if not Decimal("0.1") <= value <= Decimal("10"):
        raise DomainError(_("Вес — число от 0,1 до 10."), field="weight")
    return name, short_name, value.quantize(Decimal("0.01"))


def _name_taken(organization_id: int, name: str, exclude: int | None = None) -> bool:
    qs = GradeType.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id), name__iexact=name
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def grade_type_create(
    *, actor: Any, organization: Organization, name: str, short_name: str, weight: Any
) -> GradeType:
    """JRN-4: a kind of work of the school's own, with its weight."""
    require_administration(actor, organization.pk)
    name, short_name, value = _grade_type_fields(name, short_name, weight)
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if _name_taken(organization.pk, name):
            raise DomainError(
                _("Вид работы «%(name)s» уже есть.") % {"name": name}, field="name", code="taken"
            )
        last = (
            GradeType.objects.filter(organization=organization)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        return GradeType.objects.create(
            organization=organization,
            code=f"own-{uuid.uuid4().hex[:10]}",
            name=name,
            short_name=short_name,
            weight=value,
            position=(last or 100) + 1,
        )


def _own(grade_type: GradeType) -> int:
    if grade_type.organization_id is None:
        raise DomainError(
            _("Виды работ из общего справочника не меняются; добавьте свой вид работы."),
            code="catalogue",
        )
    return grade_type.organization_id


def grade_type_change(
    *, actor: Any, grade_type: GradeType, name: str, short_name: str, weight: Any
) -> GradeType:
    """JRN-4: rename a school's kind of work or change its weight.

    Marks already set keep the weight they were set with (``Mark.weight``), so a new weight
    applies to new marks only.
    """
    organization_id = _own(grade_type)
    require_administration(actor, organization_id)
    name, short_name, value = _grade_type_fields(name, short_name, weight)
    with transaction.atomic():
        grade_type = GradeType.objects.select_for_update().get(pk=grade_type.pk)
        if _name_taken(organization_id, name, exclude=grade_type.pk):
            raise DomainError(
                _("Вид работы «%(name)s» уже есть.") % {"name": name}, field="name", code="taken"
            )
        grade_type.name, grade_type.short_name, grade_type.weight = name, short_name, value
        grade_type.save(update_fields=["name", "short_name", "weight"])
    return grade_type


def grade_type_delete(*, actor: Any, grade_type: GradeType) -> None:
    """JRN-4: remove a school's kind of work that no mark or lesson uses."""
    organization_id = _own(grade_type)
    require_administration(actor, organization_id)
    with transaction.atomic():
        grade_type = GradeType.objects.select_for_update().get(pk=grade_type.pk)
        used = Mark.objects.filter(grade_type=grade_type).count()
        if used or Lesson.objects.filter(grade_type=grade_type).exists():
            raise DomainError(
                _(
                    "«%(name)s» уже используется в журнале: его можно переименовать или "
                    "изменить вес, но не удалить."
                )
                % {"name": grade_type.name},
                code="used",
            )
        grade_type.delete()


# --- the weekly template (JRN-2) --------------------------------------------------------------
@dataclass(frozen=True)
class SlotInput:
    subject: Subject
    teacher: Any
    room: str = ""


def _clean_room(room: str) -> str:
    room = " ".join((room or "").split())
    if len(room) > 20:
        raise DomainError(_("Кабинет — не длиннее 20 знаков."), field="room")
    return room


def _overlapping(qs: Any, start: datetime.date, end: datetime.date | None) -> Any:
    qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    return qs.filter(valid_from__lte=end) if end else qs


def _validity(valid_from: datetime.date, valid_to: datetime.date | None) -> str:
    if valid_to is None:
        return _("с %(from)s") % {"from": _d(valid_from)}
    return _("с %(from)s по %(to)s") % {"from": _d(valid_from), "to": _d(valid_to)}


def _check_slot(
    *,
    school_class: SchoolClass,
    weekday: int,
    number: int,
    slot: SlotInput,
    valid_from: datetime.date,
    valid_to: datetime.date | None,
    exclude: list[int],
) -> None:
    """The rules of a slot: the school's subject and staff, a free class, a free teacher."""
    organization_id = school_class.organization_id
    if weekday not in WEEKDAYS:
        raise DomainError(_("Выберите день недели."), field="weekday")
    if not 0 <= number <= 12:
        raise DomainError(_("Номер урока — от 0 до 12."), field="number")
    if slot.subject.organization_id not in (None, organization_id):
        raise DomainError(_("Этот предмет принадлежит другой школе."), field="subject")
    if not is_confirmed_staff(slot.teacher.pk, organization_id):
        raise DomainError(
            _("Урок может вести только подтверждённый сотрудник этой школы."),
            field="teacher",
            code="not_staff",
        )
    year = school_class.academic_year
    if valid_from < year.starts_on or valid_from > year.ends_on:
        raise DomainError(
            _("Дата начала должна быть внутри учебного года %(year)s (%(start)s – %(end)s).")
            % {"year": year.name, "start": _d(year.starts_on), "end": _d(year.ends_on)},
            field="valid_from",
            code="outside_year",
        )
    if valid_to is not None and (valid_to < valid_from or valid_to > year.ends_on):
        raise DomainError(
            _("Дата окончания — не раньше начала и не позже конца учебного года (%(end)s).")
            % {"end": _d(year.ends_on)},
            field="valid_to",
            code="outside_year",
        )
    # Lock the class and the teacher: two editors must not both find the same hour free.
    SchoolClass.objects.select_for_update().filter(pk=school_class.pk).first()
    get_user_model().objects.select_for_update().filter(pk=slot.teacher.pk).first()
    same_class = _overlapping(
        TimetableEntry.objects.filter(school_class=school_class, weekday=weekday, number=number),
        valid_from,
        valid_to,
    ).exclude(pk__in=exclude)
    other = same_class.select_related("subject", "teacher").first()
    if other is not None:
        raise DomainError(
            _(
                "У %(class)s в это время (%(weekday)s, %(number)s-й урок) уже стоит "
                "%(subject)s (%(teacher)s, %(validity)s). Измените или уберите этот урок."
            )
            % {
                "class": school_class,
                "weekday": WEEKDAYS[weekday],
                "number": number,
                "subject": other.subject.name,
                "teacher": other.teacher.short_name,
                "validity": _validity(other.valid_from, other.valid_to),
            },
            field="number",
            code="slot_taken",
        )
    busy = (
        _overlapping(
            TimetableEntry.objects.filter(
                teacher_id=slot.teacher.pk,
                weekday=weekday,
                number=number,
                school_class__organization_id=organization_id,
            ),
            valid_from,
            valid_to,
        )
        .exclude(pk__in=exclude)
        .select_related("school_class", "subject")
        .first()
    )
    if busy is not None:
        raise DomainError(
            _(
                "%(teacher)s в это время (%(weekday)s, %(number)s-й урок) уже ведёт урок "
                "«%(subject)s» в %(class)s (%(validity)s). Учитель не может вести два урока "
                "сразу: выберите другого учителя или другое время."
            )
            % {
                "teacher": slot.teacher.short_name,
                "weekday": WEEKDAYS[weekday],
                "number": number,
                "subject": busy.subject.name,
                "class": busy.school_class,
                "validity": _validity(busy.valid_from, busy.valid_to),
            },
            field="teacher",
            code="teacher_busy",
        )


def _year_end(school_class: SchoolClass, valid_to: datetime.date | None) -> datetime.date:
    return valid_to or school_class.academic_year.ends_on


def timetable_entry_add(
    *,
    actor: Any,
    school_class: SchoolClass,
    weekday: int,
    number: int,
    slot: SlotInput,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
) -> tuple[TimetableEntry, GenerateResult]:
    """JRN-2: a new slot of a class's weekly template, and its lessons."""
    require_administration(actor, school_class.organization_id)
    room = _clean_room(slot.room)
    with transaction.atomic():
        _check_slot(
            school_class=school_class,
            weekday=weekday,
            number=number,
            slot=slot,
            valid_from=valid_from,
            valid_to=valid_to,
            exclude=[],
        )
        entry = TimetableEntry.objects.create(
            school_class=school_class,
            weekday=weekday,
            number=number,
            subject=slot.subject,
            teacher=slot.teacher,
            room=room,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        result = lessons_generate(
            school_class=school_class,
            date_from=valid_from,
            date_to=_year_end(school_class, valid_to),
        )
    return entry, result


def _follow(entry: TimetableEntry, target: TimetableEntry, from_date: datetime.date) -> int:
    """Future lessons of ``entry`` from ``from_date``: the untouched empty ones go (they are
    made again from ``target``); the same subject's written ones move to ``target``'s
    teacher and room. Returns how many moved."""
    lessons = Lesson.objects.filter(timetable_entry=entry, date__gte=from_date)
    removable = list(lessons.exclude(has_content()).exclude(touched()).values_list("pk", flat=True))
    Lesson.objects.filter(pk__in=removable).delete()
    if target.subject_id != entry.subject_id:
        return 0
    return (
        lessons.exclude(pk__in=removable)
        .exclude(touched())
        .update(
            timetable_entry=target,
            teacher_id=target.teacher_id,
            room=target.room,
            updated_at=timezone.now(),
        )
    )


def _check_from(entry: TimetableEntry, from_date: datetime.date, today: datetime.date) -> None:
    if from_date < today:
        raise DomainError(
            _(
                "Прошедшие уроки не переписываются: изменение расписания начинается сегодня "
                "(%(today)s) или позже. Разовые изменения прошедших уроков делаются на "
                "странице урока."
            )
            % {"today": _d(today)},
            field="from_date",
            code="past",
        )
    if from_date < entry.valid_from:
        raise DomainError(
            _("Этот урок в расписании действует только с %(date)s.")
            % {"date": _d(entry.valid_from)},
            field="from_date",
            code="before_start",
        )
    if entry.valid_to is not None and from_date > entry.valid_to:
        raise DomainError(
            _("Этот урок в расписании действует только по %(date)s.")
            % {"date": _d(entry.valid_to)},
            field="from_date",
            code="after_end",
        )


def _announce_template(
    *,
    entry: TimetableEntry,
    from_date: datetime.date,
    title: str,
    subject: str,
    teacher: str,
    teachers: list[int],
    key: str,
) -> None:
    # The first day the change touches: its date names the weekday in every language.
    first = from_date + datetime.timedelta(days=(entry.weekday - from_date.isoweekday()) % 7)
    announce(
        school_class=entry.school_class,
        title=title,
        params={
            "class": str(entry.school_class),
            "date": _d(first),
            "number": entry.number,
            "subject": subject,
            "teacher": teacher,
        },
        key=key,
        url=class_week_url(entry.school_class_id, first),
        teachers=teachers,
    )


def timetable_entry_change(
    *, actor: Any, entry: TimetableEntry, from_date: datetime.date, slot: SlotInput
) -> tuple[TimetableEntry, GenerateResult]:
    """JRN-2: change a slot from ``from_date`` on (today or later).

    The old slot ends the day before and a new one starts; a slot not yet in force is
    changed in place. Future lessons follow the new slot (see ``_follow``).
    """
    school_class = entry.school_class
    require_administration(actor, school_class.organization_id)
    room = _clean_room(slot.room)
    today = school_today(school_class.organization)
    with transaction.atomic():
        entry = TimetableEntry.objects.select_for_update().get(pk=entry.pk)
        entry.school_class = school_class
        _check_from(entry, from_date, today)
        if (entry.subject_id, entry.teacher_id, entry.room) == (
            slot.subject.pk,
            slot.teacher.pk,
            room,
        ):
            raise DomainError(_("Ничего не изменилось."), code="unchanged")
        _check_slot(
            school_class=school_class,
            weekday=entry.weekday,
            number=entry.number,
            slot=slot,
            valid_from=from_date,
            valid_to=entry.valid_to,
            exclude=[entry.pk],
        )
        was_in_force = entry.valid_from < from_date
        old_teacher = entry.teacher_id
        if was_in_force:
            target = TimetableEntry.objects.create(
                school_class=school_class,
                weekday=entry.weekday,
                number=entry.number,
                subject=slot.subject,
                teacher=slot.teacher,
                room=room,
                valid_from=from_date,
                valid_to=entry.valid_to,
            )
            entry.valid_to = from_date - datetime.timedelta(days=1)
            entry.save(update_fields=["valid_to"])
            original = TimetableEntry(
                pk=entry.pk, subject_id=entry.subject_id, school_class=school_class
            )
        else:
            original = TimetableEntry(
                pk=entry.pk, subject_id=entry.subject_id, school_class=school_class
            )
            entry.subject, entry.teacher, entry.room = slot.subject, slot.teacher, room
            entry.save(update_fields=["subject", "teacher", "room"])
            target = entry
        _follow(original, target, from_date)
        result = lessons_generate(
            school_class=school_class,
            date_from=from_date,
            date_to=_year_end(school_class, target.valid_to),
        )
        if was_in_force:
            target.school_class = school_class
            _announce_template(
                entry=target,
                from_date=from_date,
                title=gettext_noop(
                    "Расписание %(class)s меняется с %(date)s: %(number)s-й урок — "
                    "%(subject)s, ведёт %(teacher)s"
                ),
                subject=slot.subject.name,
                teacher=slot.teacher.short_name,
                teachers=[old_teacher, slot.teacher.pk],
                key=f"template:{target.pk}",
            )
    return target, result


def timetable_entry_remove(
    *, actor: Any, entry: TimetableEntry, from_date: datetime.date
) -> GenerateResult:
    """JRN-2: take a slot out of the template from ``from_date`` on (today or later).

    A slot not yet in force is deleted; otherwise it ends the day before. Its future
    lessons nobody touched are removed; written ones stay and are returned in ``kept``.
    """
    school_class = entry.school_class
    require_administration(actor, school_class.organization_id)
    today = school_today(school_class.organization)
    with transaction.atomic():
        entry = (
            TimetableEntry.objects.select_for_update(of=("self",))
            .select_related("subject", "teacher")
            .get(pk=entry.pk)
        )
        entry.school_class = school_class
        _check_from(entry, from_date, today)
        was_in_force = entry.valid_from < from_date
        lessons = Lesson.objects.filter(timetable_entry=entry, date__gte=from_date)
        removable = list(
            lessons.exclude(has_content()).exclude(touched()).values_list("pk", flat=True)
        )
        Lesson.objects.filter(pk__in=removable).delete()
        result = GenerateResult(removed=len(removable))
        result.kept = list(lessons.exclude(pk__in=removable).select_related("subject"))
        if was_in_force:
            entry.valid_to = from_date - datetime.timedelta(days=1)
            entry.save(update_fields=["valid_to"])
            _announce_template(
                entry=entry,
                from_date=from_date,
                title=gettext_noop(
                    "Расписание %(class)s меняется с %(date)s: %(number)s-го урока "
                    "(%(subject)s) больше нет"
                ),
                subject=entry.subject.name,
                teacher=entry.teacher.short_name,
                teachers=[entry.teacher_id],
                key=f"template-end:{entry.pk}:{from_date.isoformat()}",
            )
        else:
            entry.delete()
    return result
