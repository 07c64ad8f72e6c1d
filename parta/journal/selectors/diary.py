"""Reads of the diary of a student and their parents (JRN-8).

- ``diary_people`` — whose diary a person may open: their own (a student) and their
  children's (a parent).
- ``diary_week`` — one week of a class for one student in four SQL queries, whatever the size
  of the school: (1) the week's lessons with subject, teachers and term joined; (2) the
  student's cells of those lessons; (3) the term's plain and weighted averages per subject,
  aggregated by the database; (4) the week's announcements and schedule changes from the
  person's inbox.
- ``diary_record`` — the academic year of one student: marks by term, averages, term and
  year grades, the changes of marks as the family sees them, achievements; past years too.
- ``diary_digest`` — what a role home shows: today's lessons, homework due tomorrow, new marks.

Every read goes through the policy (``visible_to``); the caller decides whose diary it is
with ``diary_people``, so a child of another family never gets this far (404).

Homework and materials are HTML that the lesson services sanitized when they were saved
(``journal/richtext.py``, nh3 with an allow-list); the templates render the stored HTML as it
is and do not clean it a second time on every page view. Links and files are plain data and
are checked here: only http(s) links are shown.
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parta.accounts.models import User
from parta.core import access, sql
from parta.directory.models import Confirmation, Enrollment, Guardianship, SchoolClass
from parta.journal import dates
from parta.journal.models import (
    Achievement,
    FinalGrade,
    Lesson,
    LessonFile,
    Mark,
    MarkChange,
    Term,
)
from parta.notifications.models import Notification

# What of the inbox belongs in the diary (JRN-8: school news; JRN-2: changes of the timetable).
NOTICE_KINDS = ("announcement", "schedule_change")
NOTICES_PER_WEEK = 20
RECENT_MARKS = 5
RECENT_DAYS = 7
TWO_PLACES = Decimal("0.01")


# --- time -------------------------------------------------------------------------------------
def school_zone(school_class: SchoolClass | None) -> datetime.tzinfo:
    """The time zone of the class's region (the school decides what "today" is)."""
    return dates.school_zone(school_class.organization if school_class else None)


def school_today(school_class: SchoolClass | None) -> datetime.date:
    return timezone.now().astimezone(school_zone(school_class)).date()


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def parse_week(value: str | None, today: datetime.date) -> datetime.date:
    """The Monday of the week that contains ``value`` (an ISO date); this week if unreadable."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        day = today
    return monday_of(day)


# --- whose diary -----------------------------------------------------------------------------
def _children_of(user: Any) -> Any:
    return (
        User.objects.visible_to(user)
        .filter(pk__in=Guardianship.objects.filter(guardian_id=user.pk).values("child_id"))
        .exclude(pk=user.pk)
        .only("pk", "first_name", "last_name", "middle_name", "username", "birth_date")
        .order_by("birth_date", "first_name")
    )


def _places_of(viewer: Any, student_id: int) -> Any:
    return (
        Enrollment.objects.visible_to(viewer)
        .filter(student_id=student_id, status=Confirmation.CONFIRMED)
        .select_related(
            "school_class__organization__municipality__region",
            "school_class__organization__journal_settings",
            "school_class__academic_year",
        )
        .order_by()
    )


# Behind the viewer's policy: compiled once per person and roles (``core.sql.Baked``).
_CHILDREN = sql.Baked(_children_of)
_PLACES = sql.Baked(_places_of)


def diary_people(user: Any) -> list[User]:
    """The students whose diary ``user`` opens: themselves (a student), their children (a
    parent). One query; the children come oldest first, as on the parent's home page."""
    people: list[User] = []
    if access.has_role(user, access.STUDENT):
        people.append(user)
    if access.has_role(user, access.PARENT):
        people.extend(_CHILDREN(access.shape_of(user), user))
    return people


def enrollments_of(viewer: Any, student: Any) -> list[Enrollment]:
    """The student's confirmed places, newest year first, with what the diary needs joined.

    A student has a place or two a year: they are put in order here rather than by the
    database (an ORDER BY over the joined year costs more to compile than the query costs
    to run). Nothing of the diary reads the class teacher, so the person is not joined; the
    school's journal settings are (``services.marks.settings_joined``). Compiled once per
    viewer and roles (``core.sql.Baked``) and prepared on the server: PostgreSQL planned the
    joins 1 ms and ran them 0.2 ms (``core.sql.prepared``)."""
    places = _PLACES(access.shape_of(viewer), viewer, student_id=student.pk)
    # Newest year first, the active place first, then by id (the order the pages rely on).
    places.sort(key=lambda e: e.pk)
    places.sort(key=lambda e: (e.school_class.academic_year.starts_on, e.is_active), reverse=True)
    return places


def enrollment_on(enrollments: list[Enrollment], day: datetime.date) -> Enrollment | None:
    """The place whose academic year covers ``day``; otherwise the current one, otherwise
    the newest (a week before the first lesson of the year still opens the diary)."""
    for enrollment in enrollments:
        year = enrollment.school_class.academic_year
        if enrollment.is_active and year.starts_on <= day <= year.ends_on:
            return enrollment
    for enrollment in enrollments:
        if enrollment.is_active and enrollment.school_class.academic_year.is_current:
            return enrollment
    return enrollments[0] if enrollments else None


# --- averages ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Average:
    count: int
    plain: Decimal | None
    weighted: Decimal | None

    def shown(self, weighted: bool) -> Decimal | None:
        return self.weighted if weighted else self.plain


def _average(count: int, total: Any, weighted_sum: Any, weights: Any) -> Average:
    """JRN-4: rounded as ``services.marks.averages`` rounds (half up, two places)."""
    if not count:
        return Average(0, None, None)
    plain = (Decimal(str(total)) / count).quantize(TWO_PLACES, ROUND_HALF_UP)
    weight = Decimal(str(weights or 0))
    weighted = (
        (Decimal(str(weighted_sum)) / weight).quantize(TWO_PLACES, ROUND_HALF_UP)
        if weight
        else plain
    )
    return Average(count, plain, weighted)


# --- the week ------------------------------------------------------------------------------------
@dataclass
class LessonLine:
    lesson: Lesson
    mark: Mark | None
    average: Average | None
    homework_files: list[dict[str, Any]]
    material_files: list[dict[str, Any]]
    links: list[dict[str, str]]

    @property
    def is_substituted(self) -> bool:
        return self.lesson.substitute_id is not None and not self.lesson.is_cancelled


@dataclass
class Day:
    date: datetime.date
    is_today: bool
    lessons: list[LessonLine] = field(default_factory=list)


@dataclass
class SubjectAverage:
    subject_id: int
    name: str
    average: Average


@dataclass
class Notice:
    kind: str
    text: str
    details: str
    url: str
    created_at: datetime.datetime


@dataclass
class Week:
    monday: datetime.date
    days: list[Day]
    averages: list[SubjectAverage]
    term_name: str
    notices: list[Notice]

    @property
    def last_day(self) -> datetime.date:
        return self.days[-1].date

    @property
    def previous(self) -> datetime.date:
        return self.monday - datetime.timedelta(days=7)

    @property
    def next(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=7)

    @property
    def has_lessons(self) -> bool:
        return any(day.lessons for day in self.days)


def file_url(lesson_id: int, file_id: int) -> str:
    """The download address of a lesson's file, served by the lesson pages through the
    policy: ``lessons/<lesson_id>/files/<file_id>/`` (URL name ``journal_lesson_file``, or
    ``lesson_file`` as the lesson pages name it)."""
    for name in ("journal_lesson_file", "lesson_file"):
        try:
            return reverse(name, args=(lesson_id, file_id))
        except NoReverseMatch:
            continue
    return f"/lessons/{int(lesson_id)}/files/{int(file_id)}/"


def _files(lesson: Lesson) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    homework: list[dict[str, Any]] = []
    materials: list[dict[str, Any]] = []
    for item in lesson.files or []:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            continue
        try:
            url = file_url(lesson.pk, int(item["id"]))
        except (TypeError, ValueError):
            continue
        entry = {
            "name": str(item.get("name") or _("файл")),
            "size": int(item.get("size") or 0),
            "url": url,
        }
        (materials if item.get("purpose") == LessonFile.Purpose.MATERIAL else homework).append(
            entry
        )
    return homework, materials


def safe_links(raw: Any) -> list[dict[str, str]]:
    """The lesson's links that are safe to show: http(s) only, with a readable title."""
    links = []
    for item in raw or []:
        if isinstance(item, str):
            url, title = item, ""
        elif isinstance(item, dict):
            url = str(item.get("url") or item.get("href") or "")
            title = str(item.get("title") or item.get("text") or item.get("name") or "")
        else:
            continue
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        links.append({"url": url.strip(), "title": title.strip() or parts.netloc})
    return links


def notice_text(msgid: str, params: dict[str, Any] | None) -> str:
    """An inbox message's title or body in the reader's language (msgids with parameters)."""
    text = _(msgid) if msgid else ""
    if params:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            text = text % dict(params)
    return text


def _person_fields(prefix: str) -> list[str]:
    return [prefix, *(f"{prefix}__{f}" for f in ("last_name", "first_name", "middle_name"))]


def week_lessons(viewer: Any, school_class: SchoolClass, monday: datetime.date) -> list[Lesson]:
    """Query 1: the class's lessons of the week, Monday to Sunday, in the order of the day."""
    return list(
        Lesson.objects.visible_to(viewer)
        .filter(school_class_id=school_class.pk, date__range=(monday, monday + _SIX_DAYS))
        .select_related("subject", "teacher", "substitute", "term", "grade_type")
        .only(
            "school_class_id",
            "date",
            "number",
            "starts_at",
            "ends_at",
            "room",
            "status",
            "topic",
            "homework",
            "homework_due",
            "homework_links",
            "materials",
            "files",
            "subject",
            "term",
            "grade_type",
            "subject__name",
            "subject__short_name",
            "term__name",
            "term__starts_on",
            "term__ends_on",
            "grade_type__name",
            "grade_type__short_name",
            *_person_fields("teacher"),
            *_person_fields("substitute"),
        )
        .order_by("date", "number", "starts_at", "pk")
    )


_SIX_DAYS = datetime.timedelta(days=6)


def term_averages(
    viewer: Any,
    student: Any,
    school_class: SchoolClass,
    *,
    term_id: int | None = None,
    on: datetime.date | None = None,
) -> dict[int, tuple[str, Average]]:
    """Query 3: per subject, the count, plain and weighted average of the student's marks in
    a term (``term_id``, or the term of the class's year that covers the day ``on``)."""
    marks = Mark.objects.visible_to(viewer).filter(
        student_id=student.pk, value__isnull=False, lesson__school_class_id=school_class.pk
    )
    if term_id is not None:
        marks = marks.filter(lesson__term_id=term_id)
    elif on is not None:
        marks = marks.filter(lesson__term__starts_on__lte=on, lesson__term__ends_on__gte=on)
    else:
        return {}
    rows = (
        marks.values("lesson__subject_id", "lesson__subject__name")
        .annotate(
            n=Count("pk"),
            total=Sum("value"),
            weighted_sum=Sum(
                ExpressionWrapper(
                    F("value") * F("weight"),
                    output_field=DecimalField(max_digits=12, decimal_places=2),
                )
            ),
            weights=Sum("weight"),
        )
        .order_by("lesson__subject__name")
    )
    return {
        row["lesson__subject_id"]: (
            row["lesson__subject__name"],
            _average(row["n"], row["total"], row["weighted_sum"], row["weights"]),
        )
        for row in rows
    }


def _day_bounds(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _notices(
    viewer: Any, own: bool, student_id: int, since: Any, until: Any, organization_id: int = 0
) -> Any:
    if own:
        about = Q(child__isnull=True) | Q(child_id=student_id)
    else:
        about = Q(child_id=student_id) | (
            Q(child__isnull=True)
            & (Q(organization_id=organization_id) | Q(organization_id__isnull=True))
        )
    return (
        Notification.objects.visible_to(viewer)
        .filter(about, kind__in=NOTICE_KINDS)
        .filter(created_at__gte=since, created_at__lt=until)
        .only("kind", "title", "body", "params", "url", "created_at")
        .order_by("-created_at", "-pk")[:NOTICES_PER_WEEK]
    )


# Compiled once per viewer; planned each time (a range of days: not a generic plan's case).
_NOTICES = sql.Baked(_notices, prepare=False)


def week_notices(
    viewer: Any,
    student: Any,
    school_class: SchoolClass,
    monday: datetime.date,
    zone: datetime.tzinfo,
) -> list[Notice]:
    """Query 4: the viewer's inbox messages of the week about this child: announcements and
    changes of the timetable (a parent's message names the child it is about; a message to
    the parent that names no child shows when it comes from the child's school)."""
    own = viewer.pk == student.pk
    values: dict[str, Any] = {
        "student_id": student.pk,
        "since": _day_bounds(monday, zone),
        "until": _day_bounds(monday + datetime.timedelta(days=7), zone),
    }
    if not own:  # the school's messages to a parent that name no child
        values["organization_id"] = school_class.organization_id
    rows = _NOTICES((*access.shape_of(viewer), own), viewer, own, **values)
    return [
        Notice(
            kind=n.kind,
            text=notice_text(n.title, n.params),
            details=notice_text(n.body, n.params),
            url=n.url if n.url.startswith("/") and not n.url.startswith("//") else "",
            created_at=n.created_at,
        )
        for n in rows
    ]


def diary_week(
    *,
    viewer: Any,
    student: Any,
    school_class: SchoolClass,
    monday: datetime.date,
    today: datetime.date | None = None,
    notices: bool = True,
) -> Week:
    """JRN-8: the week of ``student`` in ``school_class`` from ``monday`` — at most four
    queries (lessons, the student's cells, the term's averages, the week's notices).

    ``school_class`` must come with its organization's municipality and region (the time
    zone); ``student`` must be one of ``diary_people(viewer)``. ``notices=False`` leaves the
    notices out (the page reads them apart from the kept body).
    """
    zone = school_zone(school_class)
    today = today or school_today(school_class)
    lessons = week_lessons(viewer, school_class, monday)
    marks: dict[int, Mark] = {}
    if lessons:
        marks = {
            m.lesson_id: m
            for m in Mark.objects.visible_to(viewer)
            .filter(student_id=student.pk, lesson_id__in=[x.pk for x in lessons])
            .select_related("grade_type")
            .only(
                "lesson_id",
                "value",
                "weight",
                "comment",
                "attendance",
                "reason",
                "updated_at",
                "grade_type",
                "grade_type__name",
                "grade_type__short_name",
            )
        }
    # The term whose averages the week shows: the one of the week's lessons that covers the
    # last day shown (or today, in the current week); without lessons, by the date.
    reference = min(today, monday + datetime.timedelta(days=5)) if monday <= today else monday
    term = _term_on(lessons, reference)
    averages = term_averages(
        viewer,
        student,
        school_class,
        term_id=term.pk if term else None,
        on=None if term else reference,
    )
    found_notices = week_notices(viewer, student, school_class, monday, zone) if notices else []

    days = [
        Day(
            date=monday + datetime.timedelta(days=d),
            is_today=monday + datetime.timedelta(d) == today,
        )
        for d in range(6)
    ]
    sunday = monday + _SIX_DAYS
    if any(x.date == sunday for x in lessons):
        days.append(Day(date=sunday, is_today=sunday == today))
    by_date = {day.date: day for day in days}
    for lesson in lessons:
        homework_files, material_files = _files(lesson)
        found = averages.get(lesson.subject_id)
        by_date[lesson.date].lessons.append(
            LessonLine(
                lesson=lesson,
                mark=marks.get(lesson.pk),
                average=found[1] if found else None,
                homework_files=homework_files,
                material_files=material_files,
                links=safe_links(lesson.homework_links),
            )
        )
    return Week(
        monday=monday,
        days=days,
        averages=[
            SubjectAverage(subject_id=pk, name=name, average=avg)
            for pk, (name, avg) in sorted(averages.items(), key=lambda kv: kv[1][0])
        ],
        term_name=term.name if term else "",
        notices=found_notices,
    )


# --- freshness of a rendered week ---------------------------------------------------------------
_STAMP_SQL: str | None = None


def _stamp_sql() -> str:
    from django.db import connection

    lesson, mark, term = Lesson._meta.db_table, Mark._meta.db_table, Term._meta.db_table
    if connection.vendor == "postgresql":
        newest, terms = "coalesce(max(updated_at)::text, '-')", "string_agg({}, ',' ORDER BY id)"
    else:  # SQLite, in development
        newest, terms = "coalesce(max(updated_at), '-')", "group_concat({}, ',')"
    terms = terms.format("id || name || starts_on || ends_on")
    # Each part: how many rows and when the newest changed. A row added, changed or removed
    # moves one of them; every service that changes a lesson or a cell sets ``updated_at``.
    return f"""
        SELECT
          (SELECT count(*) || '/' || {newest}
             FROM {lesson}
            WHERE school_class_id = %(class)s AND date BETWEEN %(monday)s AND %(sunday)s),
          (SELECT count(*) || '/' || {newest} FROM {mark} WHERE student_id = %(student)s),
          (SELECT coalesce({terms}, '-') FROM {term} WHERE academic_year_id = %(year)s)
    """  # noqa: S608 (table names only; the values are parameters)


def week_stamp(*, student_id: int, school_class: SchoolClass, monday: datetime.date) -> str:
    """JRN-8: what the rendered week of a student depends on, in one prepared statement —
    the class's lessons of the week, the student's cells (the week's marks and the term's
    averages), the year's terms. Equal stamps mean the same page body; the diary keeps the
    rendered body under it (``views_diary``) and renders again only when the stamp moves.

    Names (of subjects, teachers, grade types) are not in the stamp: their rare changes show
    when the kept body expires (``DIARY_BODY_SECONDS``)."""
    global _STAMP_SQL
    if _STAMP_SQL is None:
        _STAMP_SQL = _stamp_sql()
    rows = sql.fetch_all(
        _STAMP_SQL,
        {
            "class": school_class.pk,
            "monday": monday,
            "sunday": monday + _SIX_DAYS,
            "student": student_id,
            "year": school_class.academic_year_id,
        },
    )
    return "|".join(str(part) for part in rows[0])


def _term_on(lessons: list[Lesson], day: datetime.date) -> Term | None:
    terms = {x.term_id: x.term for x in lessons}
    for term in terms.values():
        if term.starts_on <= day <= term.ends_on:
            return term
    return next(iter(terms.values()), None)


# --- the year: marks, averages, final grades, changes, achievements -----------------------------
@dataclass
class TermRecord:
    term: Term
    marks: list[dict[str, Any]] = field(default_factory=list)
    absences: int = 0
    final: FinalGrade | None = None

    @property
    def average(self) -> Average:
        return marks_average(self.marks)


def marks_average(marks: list[dict[str, Any]]) -> Average:
    """JRN-4: plain and weighted average of marks read as ``values()`` rows."""
    if not marks:
        return Average(0, None, None)
    total = sum(m["value"] for m in marks)
    weighted = sum((Decimal(m["value"]) * Decimal(m["weight"]) for m in marks), Decimal(0))
    weights = sum((Decimal(m["weight"]) for m in marks), Decimal(0))
    return _average(len(marks), total, weighted, weights)


@dataclass
class Change:
    when: datetime.datetime
    old: Any
    new: Any
    lesson_date: datetime.date | None
    final: bool


@dataclass
class SubjectRecord:
    subject_id: int
    name: str
    terms: list[TermRecord]
    year: FinalGrade | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def year_average(self) -> Average:
        return marks_average([m for t in self.terms for m in t.marks])


@dataclass
class Record:
    enrollment: Enrollment
    terms: list[Term]
    subjects: list[SubjectRecord]
    achievements: list[Achievement]


def _shown_value(snapshot: dict[str, Any]) -> Any:
    if snapshot.get("value") is not None:
        return snapshot["value"]
    if snapshot.get("passed") is not None:
        return _("зачтено") if snapshot["passed"] else _("не зачтено")
    return None


def diary_record(*, viewer: Any, student: Any, enrollment: Enrollment) -> Record:
    """JRN-4, JRN-6, JRN-7, JRN-8: one academic year of a student — five queries.

    Marks by term with plain and weighted averages, the term and year grades, every change
    of a mark that had a value ("changed on 12.11: 3 → 4"), and the student's achievements.
    A past year reads the same as the current one; nothing here writes.
    """
    school_class = enrollment.school_class
    year = school_class.academic_year
    terms = list(Term.objects.visible_to(viewer).filter(academic_year_id=year.pk))
    cells = (
        Mark.objects.visible_to(viewer)
        .filter(student_id=student.pk, lesson__school_class_id=school_class.pk)
        .filter(Q(value__isnull=False) | ~Q(attendance=""))
        .values(
            "value",
            "weight",
            "attendance",
            "comment",
            "lesson__date",
            "lesson__term_id",
            "lesson__subject_id",
            "lesson__subject__name",
            "grade_type__name",
            "grade_type__short_name",
        )
        .order_by("lesson__date", "lesson__number")
    )
    finals = list(
        FinalGrade.objects.visible_to(viewer)
        .filter(student_id=student.pk, academic_year_id=year.pk)
        .select_related("subject")
        .only("subject__name", "term_id", "value", "passed", "comment", "updated_at")
    )
    changes = list(
        MarkChange.objects.visible_to(viewer)
        .filter(student_id=student.pk, school_class_id=school_class.pk)
        .filter(Q(old__has_key="value") | Q(old__has_key="passed"))
        .values("kind", "subject_id", "old", "new", "changed_at", "lesson__date")
        .order_by("changed_at", "pk")
    )
    achievements = list(
        Achievement.objects.visible_to(viewer).filter(student_id=student.pk).order_by("-date")
    )

    subjects: dict[int, SubjectRecord] = {}

    def subject(pk: int, name: str) -> SubjectRecord:
        if pk not in subjects:
            subjects[pk] = SubjectRecord(
                subject_id=pk, name=name, terms=[TermRecord(term=t) for t in terms]
            )
        return subjects[pk]

    term_index = {t.pk: i for i, t in enumerate(terms)}
    for cell in cells:
        record = subject(cell["lesson__subject_id"], cell["lesson__subject__name"])
        index = term_index.get(cell["lesson__term_id"])
        if index is None:
            continue
        line = record.terms[index]
        if cell["value"] is not None:
            line.marks.append(cell)
        if cell["attendance"] in ("absent", "excused", "sick"):
            line.absences += 1
    for grade in finals:
        record = subject(grade.subject_id, grade.subject.name)
        if grade.term_id is None:
            record.year = grade
        elif grade.term_id in term_index:
            record.terms[term_index[grade.term_id]].final = grade
    for row in changes:
        old, new = _shown_value(row["old"]), _shown_value(row["new"])
        if row["subject_id"] not in subjects or old is None or old == new:
            continue
        subjects[row["subject_id"]].changes.append(
            Change(
                when=row["changed_at"],
                old=old,
                new=new,
                lesson_date=row["lesson__date"],
                final=row["kind"] == MarkChange.Kind.FINAL,
            )
        )
    return Record(
        enrollment=enrollment,
        terms=terms,
        subjects=sorted(subjects.values(), key=lambda s: s.name),
        achievements=achievements,
    )


# --- the role homes ------------------------------------------------------------------------------
@dataclass
class Digest:
    today: datetime.date
    lessons: list[Lesson]
    due_tomorrow: list[Lesson]
    recent_marks: list[Mark]


def diary_digest(*, viewer: Any, student: Any, school_class_id: int) -> Digest:
    """What a student's or parent's home shows of the diary: three queries (the class with
    its time zone; the class's lessons of today and the homework due tomorrow together; the
    student's latest marks)."""
    school_class = (
        SchoolClass.objects.visible_to(viewer)
        .select_related("organization__municipality__region")
        .filter(pk=school_class_id)
        .first()
    )
    if school_class is None:
        return Digest(today=timezone.localdate(), lessons=[], due_tomorrow=[], recent_marks=[])
    today = school_today(school_class)
    tomorrow = today + datetime.timedelta(days=1)
    rows = list(
        Lesson.objects.visible_to(viewer)
        .filter(school_class_id=school_class.pk)
        .filter(Q(date=today) | (Q(homework_due=tomorrow) & ~Q(homework="")))
        .select_related("subject")
        .only(
            "date",
            "number",
            "starts_at",
            "ends_at",
            "room",
            "status",
            "substitute_id",
            "homework",
            "homework_due",
            "subject",
            "subject__name",
        )
        .order_by("date", "number", "pk")
    )
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    recent = list(
        Mark.objects.visible_to(viewer)
        .filter(
            student_id=student.pk,
            value__isnull=False,
            updated_at__gte=since,
            lesson__school_class_id=school_class.pk,
        )
        .select_related("lesson__subject")
        .only(
            "value",
            "comment",
            "updated_at",
            "lesson",
            "lesson__date",
            "lesson__subject",
            "lesson__subject__name",
        )
        .order_by("-updated_at", "-pk")[:RECENT_MARKS]
    )
    return Digest(
        today=today,
        lessons=[x for x in rows if x.date == today],
        due_tomorrow=[x for x in rows if x.homework_due == tomorrow and x.homework],
        recent_marks=recent,
    )
