"""/api/v1/ endpoints of the journal for the mobile app (JRN-4, JRN-5, JRN-7, JRN-8).

- ``GET /diary/week`` — a student's week (the caller's own, or a child's for a parent);
- ``GET /journals/{class_id}/{subject_id}`` — the journal grid of a class × subject;
- ``PUT /lessons/{lesson_id}/marks/{student_id}`` — set (or clear) a grade;
- ``PUT /lessons/{lesson_id}/attendance/{student_id}`` — set (or clear) attendance;
- ``GET /homework`` — a student's homework due in a date range;
- ``GET /lessons/{lesson_id}`` and ``PUT /lessons/{lesson_id}/homework`` — a lesson's topic
  and homework, and setting them as its teacher.

Every object is read through the policy (404 when not visible); every write goes through the
same services as the pages, so the rules and the history are the same.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from parta.accounts.api.auth import person
from parta.accounts.api.common import AUTH_ERRORS, INVALID, MAX_ID, NOT_FOUND
from parta.accounts.api.schemas import ErrorOut
from parta.core import access
from parta.core.errors import DomainError
from parta.journal.models import Attendance, Lesson
from parta.journal.selectors import diary as diary_selectors
from parta.journal.selectors import grid as grid_selectors
from parta.journal.services import homework as homework_services
from parta.journal.services import marks

router = Router(tags=["journal"])
REFUSED: dict[int, Any] = {400: ErrorOut}


# --- schemas ----------------------------------------------------------------------------------
class MarkOut(Schema):
    lesson_id: int
    student_id: int
    value: int | None
    attendance: str = Field(description="'', absent, late, excused or sick")
    reason: str
    comment: str
    grade_type: str = Field(description="short name of the kind of work, '' when none")
    weight: Decimal
    version: int
    overwrote: str = Field(
        "", description="set when somebody else changed the cell after the version sent"
    )


class FileOut(Schema):
    name: str
    url: str
    size: int = 0


class LinkOut(Schema):
    title: str
    url: str


class DiaryLessonOut(Schema):
    lesson_id: int
    date: datetime.date
    number: int
    starts_at: datetime.time | None
    ends_at: datetime.time | None
    subject: str
    teacher: str
    substitute: str
    room: str
    cancelled: bool
    topic: str
    homework_html: str
    homework_due: datetime.date | None
    links: list[LinkOut]
    files: list[FileOut]
    mark: int | None
    attendance: str
    comment: str
    grade_type: str
    subject_average: Decimal | None


class SubjectAverageOut(Schema):
    subject_id: int
    subject: str
    marks: int
    average: Decimal | None
    weighted_average: Decimal | None


class NoticeOut(Schema):
    kind: str
    text: str
    created_at: datetime.datetime


class DiaryWeekOut(Schema):
    student_id: int
    school_class: str
    monday: datetime.date
    term: str
    lessons: list[DiaryLessonOut]
    averages: list[SubjectAverageOut]
    notices: list[NoticeOut]


class GridLessonOut(Schema):
    lesson_id: int
    date: datetime.date
    number: int
    grade_type: str
    locked: str = Field(description="why its cells cannot be changed now; '' when they can")


class GridRowOut(Schema):
    student_id: int
    name: str
    cells: list[str] = Field(description="what each lesson's cell shows, in the lessons' order")
    versions: list[int]
    average: str
    weighted_average: str
    suggested: str
    term_grade: int | None


class GridOut(Schema):
    class_id: int
    subject_id: int
    term_id: int | None
    term: str
    can_change: bool
    lessons: list[GridLessonOut]
    rows: list[GridRowOut]


class GradeIn(Schema):
    value: int | None = Field(None, description="the grade; null clears it")
    comment: str | None = Field(None, max_length=300)
    seen_version: int | None = Field(None, ge=0, description="the cell's version shown")


class AttendanceIn(Schema):
    attendance: str = Field(description="'', absent, late, excused or sick")
    reason: str | None = Field(None, max_length=200)
    seen_version: int | None = Field(None, ge=0)


class HomeworkOut(Schema):
    lesson_id: int
    date: datetime.date
    subject: str
    topic: str
    homework_html: str
    due: datetime.date | None
    links: list[LinkOut]


class LessonOut(HomeworkOut):
    school_class: str
    number: int
    teacher: str
    cancelled: bool


class HomeworkIn(Schema):
    topic: str | None = Field(None, max_length=300)
    homework_html: str | None = Field(None, max_length=20000)
    due: datetime.date | None = None


# --- helpers ----------------------------------------------------------------------------------
def _mark_out(result: marks.MarkResult) -> dict[str, Any]:
    mark = result.mark
    overwrote = ""
    if result.overwrote is not None:
        who = result.overwrote.changed_by
        overwrote = who.short_name if who is not None else "—"
    return {
        "lesson_id": mark.lesson_id,
        "student_id": mark.student_id,
        "value": mark.value,
        "attendance": mark.attendance,
        "reason": mark.reason,
        "comment": mark.comment,
        "grade_type": mark.grade_type.short_name if mark.grade_type else "",
        "weight": mark.weight,
        "version": mark.version,
        "overwrote": overwrote,
    }


def _student_and_class(user: Any, student_id: int | None, day: datetime.date) -> tuple[Any, Any]:
    people = diary_selectors.diary_people(user)
    if not people:
        raise Http404
    student = (
        people[0] if student_id is None else next((p for p in people if p.pk == student_id), None)
    )
    if student is None:
        raise Http404
    enrollment = diary_selectors.enrollment_on(diary_selectors.enrollments_of(user, student), day)
    if enrollment is None:
        raise Http404
    return student, enrollment.school_class


def _name(user: Any) -> str:
    return user.short_name if user is not None else ""


# --- the diary --------------------------------------------------------------------------------
@router.get(
    "/diary/week",
    response={200: DiaryWeekOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="A student's diary week",
    description=(
        "The week from Monday of `week` (default: this week): lessons, topics, homework, "
        "marks with comments, attendance, the term's subject averages and the week's notices. "
        "A parent passes `student_id` of one of their children (default: the first); "
        "a student sees their own. 404 for anybody else's child."
    ),
)
def diary_week(
    request: HttpRequest,
    student_id: int | None = Query(None, ge=1, le=MAX_ID),
    week: datetime.date | None = None,
) -> dict[str, Any]:
    user = person(request)
    student, school_class = _student_and_class(user, student_id, week or datetime.date.today())
    today = diary_selectors.school_today(school_class)
    monday = diary_selectors.monday_of(week or today)
    found = diary_selectors.diary_week(
        viewer=user, student=student, school_class=school_class, monday=monday, today=today
    )
    lessons = []
    for day in found.days:
        for line in day.lessons:
            lesson, mark = line.lesson, line.mark
            lessons.append(
                {
                    "lesson_id": lesson.pk,
                    "date": lesson.date,
                    "number": lesson.number,
                    "starts_at": lesson.starts_at,
                    "ends_at": lesson.ends_at,
                    "subject": lesson.subject.name,
                    "teacher": _name(lesson.teacher),
                    "substitute": _name(lesson.substitute),
                    "room": lesson.room,
                    "cancelled": lesson.is_cancelled,
                    "topic": lesson.topic,
                    "homework_html": lesson.homework,
                    "homework_due": lesson.homework_due,
                    "links": line.links,
                    "files": [
                        {
                            "name": f.get("name", ""),
                            "url": f.get("url", ""),
                            "size": f.get("size", 0),
                        }
                        for f in line.homework_files + line.material_files
                    ],
                    "mark": mark.value if mark else None,
                    "attendance": mark.attendance if mark else "",
                    "comment": mark.comment if mark else "",
                    "grade_type": mark.grade_type.short_name if mark and mark.grade_type else "",
                    "subject_average": (
                        line.average.weighted if line.average is not None else None
                    ),
                }
            )
    return {
        "student_id": student.pk,
        "school_class": str(school_class),
        "monday": found.monday,
        "term": found.term_name,
        "lessons": lessons,
        "averages": [
            {
                "subject_id": a.subject_id,
                "subject": a.name,
                "marks": a.average.count,
                "average": a.average.plain,
                "weighted_average": a.average.weighted,
            }
            for a in found.averages
        ],
        "notices": [
            {"kind": n.kind, "text": n.text, "created_at": n.created_at} for n in found.notices
        ],
    }


@router.get(
    "/homework",
    response={200: list[HomeworkOut], **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="A student's homework due in a date range",
    description=(
        "Homework of the student's class due from `due_from` to `due_to` (default: today and "
        "the next 7 days), at most 200 items. `student_id` as for the diary week."
    ),
)
def homework(
    request: HttpRequest,
    student_id: int | None = Query(None, ge=1, le=MAX_ID),
    due_from: datetime.date | None = None,
    due_to: datetime.date | None = None,
) -> list[dict[str, Any]]:
    user = person(request)
    start = due_from or datetime.date.today()
    end = due_to or start + datetime.timedelta(days=7)
    if end < start or (end - start).days > 120:
        raise DomainError(
            _("Конец периода — не раньше начала и не дальше 120 дней от него."), field="due_to"
        )
    _student, school_class = _student_and_class(user, student_id, start)
    lessons = (
        Lesson.objects.visible_to(user)
        .filter(
            school_class=school_class,
            homework_due__gte=start,
            homework_due__lte=end,
            status=Lesson.Status.PLANNED,
        )
        .exclude(homework="")
        .select_related("subject")
        .order_by("homework_due", "date", "number")[:200]
    )
    return [_homework_out(x) for x in lessons]


def _homework_out(lesson: Lesson) -> dict[str, Any]:
    return {
        "lesson_id": lesson.pk,
        "date": lesson.date,
        "subject": lesson.subject.name,
        "topic": lesson.topic,
        "homework_html": lesson.homework,
        "due": lesson.homework_due,
        "links": diary_selectors.safe_links(lesson.homework_links),
    }


@router.get(
    "/lessons/{lesson_id}",
    response={200: LessonOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="One lesson: topic and homework",
    description="404 unless the caller may see the lesson (its class's people and the school).",
)
def lesson(request: HttpRequest, lesson_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    user = person(request)
    found = get_object_or_404(
        Lesson.objects.visible_to(user).select_related(
            "subject", "teacher", "substitute", "school_class"
        ),
        pk=lesson_id,
    )
    return {
        **_homework_out(found),
        "school_class": str(found.school_class),
        "number": found.number,
        "teacher": _name(found.substitute or found.teacher),
        "cancelled": found.is_cancelled,
    }


@router.put(
    "/lessons/{lesson_id}/homework",
    response={200: LessonOut, **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Set a lesson's topic and homework",
    description=(
        "The lesson's teacher (or substitute) and the school's administration. The homework "
        "is rich text, cleaned to a safe subset of HTML; fields left out keep their value."
    ),
)
def lesson_homework(
    request: HttpRequest, payload: HomeworkIn, lesson_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    user = person(request)
    found = get_object_or_404(Lesson.objects.editable_by(user), pk=lesson_id)
    links = [
        homework_services.LinkInput(title=x["title"], url=x["url"])
        for x in diary_selectors.safe_links(found.homework_links)
    ]
    homework_services.lesson_content_set(
        actor=user,
        lesson=found,
        topic=found.topic if payload.topic is None else payload.topic,
        homework=found.homework if payload.homework_html is None else payload.homework_html,
        homework_due=found.homework_due if payload.due is None else payload.due,
        links=links,
        materials=found.materials,
    )
    return lesson(request, lesson_id)


# --- the journal ------------------------------------------------------------------------------
@router.get(
    "/journals/{class_id}/{subject_id}",
    response={200: GridOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="The journal grid of a class × subject",
    description=(
        "Students × lessons of the term (`term_id`, default: the current one), each cell as "
        "the grid shows it, with averages, the suggested term grade and the term grade. The "
        "subject's teacher, the class teacher and the school's administration; 404 otherwise."
    ),
)
def journal_grid(
    request: HttpRequest,
    class_id: int = Path(..., ge=1, le=MAX_ID),
    subject_id: int = Path(..., ge=1, le=MAX_ID),
    term_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = person(request)
    # Those who keep journals, as for the page (the authorities read reports, not grids).
    if not access.has_role(user, *access.page_roles("journal")):
        raise Http404
    journal = grid_selectors.journal_for(user, class_id=class_id, subject_id=subject_id)
    found = grid_selectors.grid(journal, user=user, term_id=term_id)
    return {
        "class_id": class_id,
        "subject_id": subject_id,
        "term_id": found.term.pk if found.term else None,
        "term": found.term.name if found.term else "",
        "can_change": journal.can_change,
        "lessons": [
            {
                "lesson_id": c.lesson.pk,
                "date": c.lesson.date,
                "number": c.lesson.number,
                "grade_type": c.type_label,
                "locked": c.lock,
            }
            for c in found.columns
        ],
        "rows": [
            {
                "student_id": r.student_id,
                "name": r.full_name,
                "cells": [cell.text for cell in r.cells],
                "versions": [cell.version for cell in r.cells],
                "average": r.plain,
                "weighted_average": r.weighted,
                "suggested": r.suggested,
                "term_grade": r.term_final.value,
            }
            for r in found.rows
        ],
    }


@router.put(
    "/lessons/{lesson_id}/marks/{student_id}",
    response={200: MarkOut, **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Set a student's grade on a lesson",
    description=(
        "The subject's teacher (or the lesson's substitute) and the administration. Refused "
        "with 400 and a reason on a closed term, a past year, a cancelled or future lesson, "
        "or past the school's editing window. Every change is kept in the history; when "
        "`seen_version` is older than the cell, `overwrote` names who changed it meanwhile."
    ),
)
def mark_put(
    request: HttpRequest,
    payload: GradeIn,
    lesson_id: int = Path(..., ge=1, le=MAX_ID),
    student_id: int = Path(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = person(request)
    found = marks.lesson_for_marking(user, lesson_id)
    fields: dict[str, Any] = {"value": payload.value}
    if payload.comment is not None:
        fields["comment"] = payload.comment
    result = marks.mark_set(
        actor=user,
        lesson=found,
        student_id=student_id,
        seen_version=payload.seen_version,
        **fields,
    )
    return _mark_out(result)


@router.put(
    "/lessons/{lesson_id}/attendance/{student_id}",
    response={200: MarkOut, **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Set a student's attendance on a lesson",
    description="As for grades. `attendance`: '' (present), absent, late, excused or sick.",
)
def attendance_put(
    request: HttpRequest,
    payload: AttendanceIn,
    lesson_id: int = Path(..., ge=1, le=MAX_ID),
    student_id: int = Path(..., ge=1, le=MAX_ID),
) -> dict[str, Any]:
    user = person(request)
    if payload.attendance not in ("", *Attendance.values):
        raise DomainError(_("Неизвестная отметка посещаемости."), field="attendance")
    found = marks.lesson_for_marking(user, lesson_id)
    fields: dict[str, Any] = {"attendance": payload.attendance}
    if payload.reason is not None:
        fields["reason"] = payload.reason
    result = marks.mark_set(
        actor=user,
        lesson=found,
        student_id=student_id,
        seen_version=payload.seen_version,
        **fields,
    )
    return _mark_out(result)
