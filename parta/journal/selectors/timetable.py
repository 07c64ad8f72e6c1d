"""Reads of the timetable and lessons (JRN-1..3), always through the policy.

Each page's reads are a fixed handful of queries whatever the size of the school: a week of
a class is one query for the lessons (with subject, teacher and substitute joined) and one
for the bells; a teacher's week the same; the administration's list of changes one page of
rows with everything it shows joined.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.directory.models import Organization, SchoolClass, StaffPosition
from parta.journal import dates
from parta.journal.models import Bell, Lesson, Mark, ScheduleChange, TimetableEntry

WEEKDAYS = {
    1: _("понедельник"),
    2: _("вторник"),
    3: _("среда"),
    4: _("четверг"),
    5: _("пятница"),
    6: _("суббота"),
    7: _("воскресенье"),
}
WEEKDAYS_SHORT = {
    1: _("Пн"),
    2: _("Вт"),
    3: _("Ср"),
    4: _("Чт"),
    5: _("Пт"),
    6: _("Сб"),
    7: _("Вс"),
}


def school_today(organization: Organization | None = None) -> datetime.date:
    """Today in the school's time zone (its region's); the server's when unknown."""
    return dates.school_today(organization)


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def administered_organization_ids(user: Any) -> set[int]:
    """The schools where ``user`` is the administration (director, deputy, secretary)."""
    return {
        r.organization_id
        for r in access.roles_of(user)
        if r.kind in access.SCHOOL_ADMINISTRATION and r.organization_id is not None
    }


def staff_organization_ids(user: Any) -> set[int]:
    return {
        r.organization_id
        for r in access.roles_of(user)
        if r.kind in access.SCHOOL_STAFF and r.organization_id is not None
    }


def confirmed_staff(organization_id: int) -> QuerySet[Any]:
    """People confirmed as staff of the school now (who may teach or substitute), by name."""
    from django.contrib.auth import get_user_model

    staff = StaffPosition.objects.confirmed().filter(
        person_id=OuterRef("pk"), organization_id=organization_id
    )
    return (
        get_user_model()
        .objects.filter(Exists(staff))
        .order_by("last_name", "first_name", "middle_name", "pk")
    )


def is_confirmed_staff(person_id: int, organization_id: int) -> bool:
    return (
        StaffPosition.objects.confirmed()
        .filter(person_id=person_id, organization_id=organization_id)
        .exists()
    )


def has_content() -> Q:
    """Lessons something was written on: topic, homework, links, materials or files."""
    return (
        ~Q(topic="")
        | ~Q(homework="")
        | ~Q(materials="")
        | ~Q(homework_links=[])
        | ~Q(files=[])
        | Q(Exists(Mark.objects.filter(lesson_id=OuterRef("pk"))))
    )


def touched() -> Q:
    """Lessons the administration changed by hand (they are never regenerated)."""
    return (
        Q(status=Lesson.Status.CANCELLED)
        | Q(substitute__isnull=False)
        | Q(Exists(ScheduleChange.objects.filter(lesson_id=OuterRef("pk"))))
    )


# --- the week of a class or a teacher ---------------------------------------------------------
@dataclass
class Day:
    date: datetime.date
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def weekday(self) -> int:
        return self.date.isoweekday()

    @property
    def name(self) -> Any:
        return WEEKDAYS[self.weekday]

    @property
    def short_name(self) -> Any:
        return WEEKDAYS_SHORT[self.weekday]


@dataclass
class Row:
    number: int
    bell: Bell | None
    cells: list[list[Lesson]]


@dataclass
class Week:
    monday: datetime.date
    days: list[Day]
    rows: list[Row]
    bells: dict[int, Bell]

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def is_empty(self) -> bool:
        return not any(day.lessons for day in self.days)


def _week(
    lessons: Iterable[Lesson], monday: datetime.date, bells: dict[int, Bell], *, min_days: int = 5
) -> Week:
    by_day: dict[datetime.date, list[Lesson]] = {}
    numbers: set[int] = set()
    for lesson in lessons:
        by_day.setdefault(lesson.date, []).append(lesson)
        numbers.add(lesson.number)
    last = min_days
    for day in by_day:
        last = max(last, day.isoweekday())
    days = [
        Day(d, by_day.get(d, []))
        for d in (monday + datetime.timedelta(days=i) for i in range(last))
    ]
    if bells and numbers:
        # The bells up to the last lesson of the week: a gap shows as a free hour.
        numbers |= {n for n in bells if n <= max(numbers)}
    rows = [
        Row(
            number=n,
            bell=bells.get(n),
            cells=[[x for x in day.lessons if x.number == n] for day in days],
        )
        for n in sorted(numbers)
    ]
    return Week(monday=monday, days=days, rows=rows, bells=bells)


def bells_of(organization_id: int) -> dict[int, Bell]:
    return {b.number: b for b in Bell.objects.filter(organization_id=organization_id)}


def _lessons(user: Any) -> QuerySet[Lesson]:
    return (
        Lesson.objects.visible_to(user)
        .select_related("subject", "teacher", "substitute")
        .order_by("date", "number", "pk")
    )


def class_week(user: Any, school_class: SchoolClass, monday: datetime.date) -> Week:
    """JRN-2: the lessons of a class in the week from ``monday`` (two queries)."""
    lessons = _lessons(user).filter(
        school_class=school_class,
        date__range=(monday, monday + datetime.timedelta(days=6)),
    )
    return _week(lessons, monday, bells_of(school_class.organization_id))


def teacher_week(
    user: Any, teacher_id: int, monday: datetime.date, organization_ids: Iterable[int]
) -> Week:
    """JRN-2: the lessons a teacher teaches in a week, their substitutions included.

    A lesson of theirs that another teacher substitutes is listed too (struck out as
    "замена"), so the teacher sees why the hour is free.
    """
    orgs = sorted(set(organization_ids))
    lessons = (
        _lessons(user)
        .select_related("school_class")
        .filter(
            Q(teacher_id=teacher_id) | Q(substitute_id=teacher_id),
            school_class__organization_id__in=orgs,
            date__range=(monday, monday + datetime.timedelta(days=6)),
        )
    )
    bells = bells_of(orgs[0]) if len(orgs) == 1 else {}
    return _week(lessons, monday, bells)


# --- the weekly template (the administration's editor) ----------------------------------------
@dataclass
class TemplateCell:
    weekday: int
    weekday_name: Any
    entries: list[TimetableEntry]


@dataclass
class TemplateGrid:
    on: datetime.date
    weekdays: list[tuple[int, Any]]
    rows: list[tuple[int, Bell | None, list[TemplateCell]]]
    upcoming: list[TimetableEntry]

    @property
    def days(self) -> list[tuple[int, Any, list[tuple[int, Bell | None, TemplateCell]]]]:
        """The same grid day by day (for a phone, where a week's table does not fit)."""
        return [
            (day, name, [(number, bell, cells[index]) for number, bell, cells in self.rows])
            for index, (day, name) in enumerate(self.weekdays)
        ]


def template_grid(school_class: SchoolClass, on: datetime.date) -> TemplateGrid:
    """The weekly template of a class valid on ``on`` and the slots that start later."""
    entries = list(
        TimetableEntry.objects.filter(school_class=school_class)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("subject", "teacher")
        .order_by("weekday", "number", "valid_from")
    )
    for entry in entries:
        entry.weekday_name = WEEKDAYS[entry.weekday]
    current = [e for e in entries if e.valid_from <= on]
    upcoming = [e for e in entries if e.valid_from > on]
    bells = bells_of(school_class.organization_id)
    days = [1, 2, 3, 4, 5, 6] + ([7] if any(e.weekday == 7 for e in entries) else [])
    numbers = set(bells) | {e.number for e in current} or set(range(1, 8))
    rows = [
        (
            n,
            bells.get(n),
            [
                TemplateCell(
                    d, WEEKDAYS[d], [e for e in current if e.weekday == d and e.number == n]
                )
                for d in days
            ],
        )
        for n in sorted(numbers)
    ]
    return TemplateGrid(
        on=on, weekdays=[(d, WEEKDAYS[d]) for d in days], rows=rows, upcoming=upcoming
    )


# --- the administration's list of changes ------------------------------------------------------
def school_changes(
    organization_id: int, *, school_class_id: int | None = None
) -> QuerySet[ScheduleChange]:
    """JRN-2: the one-off changes of a school's timetable, newest first."""
    qs = ScheduleChange.objects.filter(lesson__school_class__organization_id=organization_id)
    if school_class_id:
        qs = qs.filter(lesson__school_class_id=school_class_id)
    return qs.select_related(
        "lesson__school_class",
        "lesson__subject",
        "lesson__teacher",
        "lesson__substitute",
        "changed_by",
    ).order_by("-changed_at", "-pk")


# --- the teacher's "what to fill in" -------------------------------------------------------------
def teacher_lessons(
    user: Any, date_from: datetime.date, date_to: datetime.date
) -> QuerySet[Lesson]:
    """The lessons ``user`` teaches (or substitutes) between two dates, in their schools."""
    return (
        Lesson.objects.visible_to(user)
        .filter(
            Q(substitute_id=user.pk) | Q(teacher_id=user.pk, substitute__isnull=True),
            school_class__organization_id__in=sorted(staff_organization_ids(user)),
            date__range=(date_from, date_to),
        )
        .select_related("school_class", "subject")
        .order_by("date", "number", "pk")
    )
