"""The iCalendar feed of a person: lessons as events, homework as to-dos (JRN-2, JRN-3).

- A student: the lessons of their class, and its homework.
- A parent: the same for every child, each line starting with the child's name.
- A teacher: the lessons they teach, including those they substitute; a lesson of theirs
  that somebody else substitutes is shown cancelled, with who teaches it.

Times are the school's wall clock in its region's time zone (``Region.timezone``), sent with
the zone's definition so that phones far away still show 8:30 for an 8:30 lesson. A
cancelled lesson is ``STATUS:CANCELLED``. Every UID is built from the lesson's id (and the
child's, for a parent of two children in one class), so a calendar program updates an event
in place when the lesson changes. The feed costs a fixed number of queries: the person's
roles, their children's places, and one query of lessons.
"""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Todo

from parta.core import access
from parta.directory.models import Enrollment, Guardianship
from parta.journal.models import Lesson

DAYS_BACK = 14
DAYS_AHEAD = 56
UID_DOMAIN = "parta"
PRODID = "-//Parta//Journal//RU"


@dataclass(frozen=True)
class Audience:
    """For whom a lesson is in the feed: the person as a student, as a parent of ``child``,
    or as its teacher."""

    kind: str  # "self", "child" or "teacher"
    child_id: int | None = None
    child_name: str = ""


def plain_text(fragment: str) -> str:
    """Sanitized homework HTML as text for a calendar program: paragraphs and list items on
    their own lines, entities decoded."""
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h\d)>", "\n", fragment or "")
    text = html.unescape(strip_tags(text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _zone(lesson: Lesson) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(lesson.school_class.organization.municipality.region.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def feed_lessons(
    person: Any, start: datetime.date, end: datetime.date
) -> tuple[list[Lesson], dict[int, list[Audience]]]:
    """The lessons of the feed between ``start`` and ``end`` and for whom each one is."""
    roles = access.roles_of(person)
    own = set(access.ids(r for r in roles if r.kind == access.STUDENT))
    teaches = any(r.kind in access.SCHOOL_STAFF for r in roles)
    children: dict[int, list[tuple[int, str]]] = {}
    if any(r.kind == access.PARENT for r in roles):
        for place in (
            Enrollment.objects.current()
            .filter(
                student_id__in=Guardianship.objects.filter(guardian_id=person.pk).values("child_id")
            )
            .exclude(student_id=person.pk)
            .select_related("student")
            .only("school_class_id", "student__first_name", "student__last_name")
            .order_by("student__birth_date", "student__first_name")
        ):
            children.setdefault(place.school_class_id, []).append(
                (place.student_id, place.student.first_name or place.student.last_name)
            )
    condition = Q(pk__in=[])
    if own:
        condition |= Q(school_class_id__in=own)
    if children:
        condition |= Q(school_class_id__in=list(children))
    if teaches:
        condition |= Q(teacher_id=person.pk) | Q(substitute_id=person.pk)
    lessons = list(
        Lesson.objects.visible_to(person)
        .filter(condition, date__range=(start, end))
        .select_related(
            "subject",
            "teacher",
            "substitute",
            "school_class__organization__municipality__region",
        )
        .order_by("date", "number", "pk")
    )
    audiences: dict[int, list[Audience]] = {}
    for lesson in lessons:
        whom: list[Audience] = []
        if lesson.school_class_id in own:
            whom.append(Audience("self"))
        for child_id, name in children.get(lesson.school_class_id, []):
            whom.append(Audience("child", child_id, name))
        if teaches and person.pk in (lesson.teacher_id, lesson.substitute_id):
            whom.append(Audience("teacher"))
        audiences[lesson.pk] = whom
    return lessons, audiences


def _uid(prefix: str, lesson: Lesson, audience: Audience) -> str:
    suffix = f"-c{audience.child_id}" if audience.kind == "child" else ""
    if audience.kind == "teacher":
        suffix = "-t"
    return f"{prefix}-{lesson.pk}{suffix}@{UID_DOMAIN}"


def _summary(lesson: Lesson, audience: Audience, person: Any) -> str:
    subject = lesson.subject.name
    if audience.kind == "teacher":
        text = f"{subject}, {lesson.school_class}"
        if lesson.substitute_id == person.pk and lesson.teacher_id != person.pk:
            text = _("Замена: %(lesson)s") % {"lesson": text}
    else:
        text = subject
        if audience.kind == "child":
            text = f"{audience.child_name}: {text}"
    if lesson.is_cancelled or (
        audience.kind == "teacher"
        and lesson.substitute_id not in (None, person.pk)
        and lesson.teacher_id == person.pk
    ):
        text = _("Отменён: %(lesson)s") % {"lesson": text}
    return text


def _description(lesson: Lesson, audience: Audience, person: Any) -> str:
    lines = []
    if lesson.is_cancelled:
        lines.append(_("Урок отменён."))
    substitute = lesson.substitute
    if substitute is not None and not lesson.is_cancelled:
        if audience.kind == "teacher" and lesson.teacher_id == person.pk:
            lines.append(_("Вас заменяет %(name)s.") % {"name": substitute.short_name})
        else:
            lines.append(
                _("Замена: ведёт %(substitute)s вместо %(teacher)s.")
                % {
                    "substitute": substitute.short_name,
                    "teacher": lesson.teacher.short_name,
                }
            )
    elif audience.kind != "teacher":
        lines.append(_("Учитель: %(name)s") % {"name": lesson.teacher.short_name})
    if lesson.topic:
        lines.append(_("Тема: %(topic)s") % {"topic": lesson.topic})
    if lesson.homework:
        lines.append(_("Домашнее задание: %(text)s") % {"text": plain_text(lesson.homework)})
    return "\n".join(lines)


def _lesson_event(
    lesson: Lesson, audience: Audience, person: Any, stamp: datetime.datetime
) -> Event:
    event = Event()
    event.add("uid", _uid("lesson", lesson, audience))
    event.add("dtstamp", stamp)
    event.add("last-modified", lesson.updated_at)
    event.add("summary", _summary(lesson, audience, person))
    zone = _zone(lesson)
    if lesson.starts_at and lesson.ends_at:
        event.add("dtstart", datetime.datetime.combine(lesson.date, lesson.starts_at, zone))
        event.add("dtend", datetime.datetime.combine(lesson.date, lesson.ends_at, zone))
    else:  # a lesson without a bell: the day
        event.add("dtstart", lesson.date)
        event.add("dtend", lesson.date + datetime.timedelta(days=1))
    if lesson.room:
        event.add("location", _("кабинет %(room)s") % {"room": lesson.room})
    description = _description(lesson, audience, person)
    if description:
        event.add("description", description)
    cancelled = lesson.is_cancelled or (
        audience.kind == "teacher"
        and lesson.teacher_id == person.pk
        and lesson.substitute_id not in (None, person.pk)
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("categories", [_("Урок")])
    return event


def _due(lesson: Lesson, following: dict[tuple[int, int], list[datetime.date]]) -> datetime.date:
    """When the homework is due: the date the teacher set, else the subject's next lesson,
    else the next day."""
    if lesson.homework_due:
        return lesson.homework_due
    for day in following.get((lesson.school_class_id, lesson.subject_id), []):
        if day > lesson.date:
            return day
    return lesson.date + datetime.timedelta(days=1)


def _homework_todo(
    lesson: Lesson,
    audience: Audience,
    due: datetime.date,
    stamp: datetime.datetime,
) -> Todo:
    todo = Todo()
    todo.add("uid", _uid("homework", lesson, audience))
    todo.add("dtstamp", stamp)
    todo.add("last-modified", lesson.updated_at)
    summary = _("Домашнее задание: %(subject)s") % {"subject": lesson.subject.name}
    if audience.kind == "child":
        summary = f"{audience.child_name}: {summary}"
    todo.add("summary", summary)
    todo.add("due", due)
    todo.add("description", plain_text(lesson.homework))
    todo.add("status", "NEEDS-ACTION")
    todo.add("categories", [_("Домашнее задание")])
    return todo


def person_calendar(person: Any, *, today: datetime.date | None = None) -> bytes:
    """The whole feed of ``person`` as iCalendar bytes, in the person's language."""
    language = getattr(person, "language", "") or translation.get_language() or "ru"
    with translation.override(language):
        return _build(person, today or timezone.localdate())


def _build(person: Any, today: datetime.date) -> bytes:
    start = today - datetime.timedelta(days=DAYS_BACK)
    end = today + datetime.timedelta(days=DAYS_AHEAD)
    lessons, audiences = feed_lessons(person, start, end)
    stamp = timezone.now().replace(microsecond=0)
    following: dict[tuple[int, int], list[datetime.date]] = {}
    for lesson in lessons:
        if not lesson.is_cancelled:
            following.setdefault((lesson.school_class_id, lesson.subject_id), []).append(
                lesson.date
            )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Парта: расписание и домашние задания"))
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for lesson in lessons:
        for audience in audiences[lesson.pk]:
            calendar.add_component(_lesson_event(lesson, audience, person, stamp))
            if audience.kind != "teacher" and lesson.homework and not lesson.is_cancelled:
                todo = _homework_todo(lesson, audience, _due(lesson, following), stamp)
                calendar.add_component(todo)
    zones = _zones(lessons)
    if zones:
        calendar.add("x-wr-timezone", zones[0])
        calendar.add_missing_timezones(first_date=start, last_date=end + datetime.timedelta(1))
    return bytes(calendar.to_ical())


def _zones(lessons: Iterable[Lesson]) -> list[str]:
    seen: list[str] = []
    for lesson in lessons:
        name = lesson.school_class.organization.municipality.region.timezone
        if name not in seen:
            seen.append(name)
    return seen
