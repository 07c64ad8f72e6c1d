"""The lesson page and the teacher's lessons (JRN-2, JRN-3). Thin: rules in services.

- ``lesson_detail``: everyone who may see the lesson reads its topic, homework, links, files
  and materials; the teacher who teaches it (or substitutes), and the administration, write
  them (the policy's lesson "change").
- ``lesson_reschedule``: the administration's one-off changes of the lesson (cancel, restore,
  substitute, move, room) — the policy's lesson "reschedule".
- ``lesson_file``: a file of the lesson, streamed from the private storage, only to people who
  may see the lesson (404 for everyone else).
- ``lessons_mine``: the teacher's lessons today and this week, the ones still to fill in first.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.core.access import cabinet
from parta.core.errors import DomainError, form_error
from parta.core.uploads import private_file_response
from parta.journal import forms
from parta.journal.models import GradeType, Lesson, LessonFile, ScheduleChange
from parta.journal.selectors import timetable as selectors
from parta.journal.services import homework as homework_service
from parta.journal.services import lessons as lesson_service

LESSON_RELATED = (
    "school_class__academic_year",
    "school_class__organization__municipality__region",
    "subject",
    "teacher",
    "substitute",
    "term",
    "grade_type",
)


def _lesson(request: HttpRequest, lesson_id: int) -> Lesson:
    return get_object_or_404(
        Lesson.objects.visible_to(request.user).select_related(*LESSON_RELATED), pk=lesson_id
    )


def _may_change(request: HttpRequest, lesson: Lesson) -> bool:
    return Lesson.objects.editable_by(request.user, "change").filter(pk=lesson.pk).exists()


def _may_reschedule(request: HttpRequest, lesson: Lesson) -> bool:
    return lesson.school_class.organization_id in selectors.administered_organization_ids(
        request.user
    )


def _grade_types(lesson: Lesson) -> Any:
    return GradeType.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=lesson.school_class.organization_id)
    ).order_by("position", "name")


def _links_initial(lesson: Lesson) -> list[dict[str, str]]:
    rows = [{"title": x.get("title", ""), "url": x.get("url", "")} for x in lesson.homework_links]
    return rows + [{} for _ in range(max(1, 3 - len(rows)))]


@login_required
@require_http_methods(["GET", "POST"])
def lesson_detail(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """JRN-3: the lesson's topic, homework, links, files and materials."""
    lesson = _lesson(request, lesson_id)
    may_change = _may_change(request, lesson)
    if request.method == "POST" and not may_change:
        raise Http404
    grade_types = _grade_types(lesson)
    due_default = homework_service.homework_due_default(lesson=lesson)
    if request.method == "POST":
        form = forms.LessonForm(
            request.POST, request.FILES, grade_types=grade_types, due_default=due_default
        )
        links = forms.LinkFormSet(request.POST, prefix="link")
        if form.is_valid() and links.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    homework_service.lesson_content_set(
                        actor=request.user,
                        lesson=lesson,
                        topic=data["topic"],
                        homework=data["homework"],
                        homework_due=data["homework_due"],
                        links=[
                            homework_service.LinkInput(
                                f.cleaned_data.get("title", ""), f.cleaned_data.get("url", "")
                            )
                            for f in links.forms
                            if f.cleaned_data
                        ],
                        materials=data["materials"],
                        grade_type=data["grade_type"],
                    )
                    for field, purpose in (
                        ("homework_file", LessonFile.Purpose.HOMEWORK),
                        ("material_file", LessonFile.Purpose.MATERIAL),
                    ):
                        if data.get(field):
                            homework_service.lesson_file_add(
                                actor=request.user,
                                lesson=lesson,
                                upload=data[field],
                                purpose=purpose,
                            )
            except DomainError as exc:
                if exc.field == "links":
                    links_error = str(exc.message)
                    return _render(
                        request, lesson, form, links, may_change, due_default, links_error
                    )
                form_error(form, exc)
            else:
                messages.success(request, _("Урок сохранён."))
                return redirect("lesson_detail", lesson_id=lesson.pk)
    else:
        form = forms.LessonForm(
            initial={
                "topic": lesson.topic,
                "homework": lesson.homework,
                "homework_due": lesson.homework_due,
                "materials": lesson.materials,
                "grade_type": lesson.grade_type_id,
            },
            grade_types=grade_types,
            due_default=due_default,
        )
        links = forms.LinkFormSet(prefix="link", initial=_links_initial(lesson))
    return _render(request, lesson, form, links, may_change, due_default, "")


def _render(
    request: HttpRequest,
    lesson: Lesson,
    form: Any,
    links: Any,
    may_change: bool,
    due_default: datetime.date | None,
    links_error: str,
) -> HttpResponse:
    changes = list(ScheduleChange.objects.filter(lesson=lesson).select_related("changed_by")[:10])
    return render(
        request,
        "journal/lesson_detail.html",
        {
            "lesson": lesson,
            "form": form,
            "links": links,
            "links_error": links_error,
            "may_change": may_change,
            "may_reschedule": _may_reschedule(request, lesson),
            "due_default": due_default,
            "homework_files": homework_service.files_of(lesson, LessonFile.Purpose.HOMEWORK),
            "material_files": homework_service.files_of(lesson, LessonFile.Purpose.MATERIAL),
            "changes": [(c, lesson_service.change_summary(c)) for c in changes],
            "week_url": lesson_service.class_week_url(lesson.school_class_id, lesson.date),
        },
    )


@login_required
@require_GET
def lesson_file(request: HttpRequest, lesson_id: int, file_id: int) -> FileResponse:
    """JRN-3: a file of the lesson, for people who may see the lesson; 404 for others."""
    lesson = get_object_or_404(Lesson.objects.visible_to(request.user), pk=lesson_id)
    attachment = get_object_or_404(LessonFile.objects.filter(lesson=lesson), pk=file_id)
    try:
        stream = homework_service.lesson_file_open(attachment)
    except FileNotFoundError as exc:
        raise Http404 from exc
    return private_file_response(stream, attachment.name, attachment.content_type)


@login_required
@require_POST
def lesson_file_delete(request: HttpRequest, lesson_id: int, file_id: int) -> HttpResponse:
    """JRN-3: the teacher (or the administration) removes a file from the lesson."""
    lesson = get_object_or_404(Lesson.objects.editable_by(request.user, "change"), pk=lesson_id)
    attachment = get_object_or_404(
        LessonFile.objects.filter(lesson=lesson).select_related("lesson"), pk=file_id
    )
    try:
        homework_service.lesson_file_remove(actor=request.user, lesson_file=attachment)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Файл «%(name)s» удалён.") % {"name": attachment.name})
    return redirect("lesson_detail", lesson_id=lesson.pk)


# --- one-off changes of a lesson ------------------------------------------------------------------
RESCHEDULE_ACTIONS = ("cancel", "restore", "substitute", "move", "room")


@login_required
@require_http_methods(["GET", "POST"])
def lesson_reschedule(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """JRN-2: cancel or restore, substitute, move, change the room of one lesson."""
    lesson = get_object_or_404(
        Lesson.objects.editable_by(request.user, "reschedule")
        .filter(
            school_class__organization_id__in=sorted(
                selectors.administered_organization_ids(request.user)
            )
        )
        .select_related(*LESSON_RELATED),
        pk=lesson_id,
    )
    organization_id = lesson.school_class.organization_id
    teachers = selectors.confirmed_staff(organization_id).exclude(pk=lesson.teacher_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and action not in RESCHEDULE_ACTIONS:
        raise Http404

    def bound(name: str) -> Any:
        return request.POST if action == name else None

    cancel_form = forms.CancelForm(bound("cancel") or bound("restore"), prefix="cancel")
    substitute_form = forms.SubstituteForm(
        bound("substitute"),
        prefix="substitute",
        teachers=teachers,
        initial={"substitute": lesson.substitute_id},
    )
    move_form = forms.MoveForm(
        bound("move"), prefix="move", initial={"date": lesson.date, "number": lesson.number}
    )
    room_form = forms.RoomForm(bound("room"), prefix="room", initial={"room": lesson.room})
    chosen = {
        "cancel": cancel_form,
        "restore": cancel_form,
        "substitute": substitute_form,
        "move": move_form,
        "room": room_form,
    }.get(action)
    if chosen is not None and chosen.is_valid():
        data = chosen.cleaned_data
        try:
            if action == "cancel":
                lesson_service.lesson_cancel(
                    actor=request.user, lesson=lesson, reason=data["reason"]
                )
                done = _("Урок отменён. Ученики, родители и учитель получат уведомление.")
            elif action == "restore":
                lesson_service.lesson_restore(
                    actor=request.user, lesson=lesson, reason=data["reason"]
                )
                done = _("Урок снова в расписании.")
            elif action == "substitute":
                lesson_service.lesson_substitute(
                    actor=request.user,
                    lesson=lesson,
                    substitute=data["substitute"],
                    reason=data["reason"],
                )
                done = _("Замена сохранена. Ученики, родители и учителя получат уведомление.")
            elif action == "move":
                lesson_service.lesson_move(
                    actor=request.user,
                    lesson=lesson,
                    date=data["date"],
                    number=data["number"],
                    reason=data["reason"],
                )
                done = _("Урок перенесён. Ученики, родители и учитель получат уведомление.")
            else:
                lesson_service.lesson_room_set(
                    actor=request.user, lesson=lesson, room=data["room"], reason=data["reason"]
                )
                done = _("Кабинет изменён. Ученики, родители и учитель получат уведомление.")
        except DomainError as exc:
            form_error(chosen, exc)
        else:
            messages.success(request, done)
            return redirect("lesson_reschedule", lesson_id=lesson.pk)
    changes = list(ScheduleChange.objects.filter(lesson=lesson).select_related("changed_by")[:20])
    return render(
        request,
        "journal/lesson_reschedule.html",
        {
            "lesson": lesson,
            "cancel_form": cancel_form,
            "substitute_form": substitute_form,
            "move_form": move_form,
            "room_form": room_form,
            "action": action,
            "changes": [(c, lesson_service.change_summary(c)) for c in changes],
            "week_url": lesson_service.class_week_url(lesson.school_class_id, lesson.date),
            "edit_url": reverse("timetable_edit", args=[lesson.school_class_id]),
        },
    )


# --- the teacher's lessons ------------------------------------------------------------------------
@login_required
@cabinet("journal")
@require_GET
def lessons_mine(request: HttpRequest) -> HttpResponse:
    """JRN-3: what to fill in: the teacher's lessons today and this week, and the days before.

    A lesson without a topic or without homework is marked; cancelled lessons are shown
    struck out and need nothing.
    """
    orgs = selectors.staff_organization_ids(request.user)
    organization = None
    if orgs:
        from parta.directory.models import Organization

        organization = (
            Organization.objects.select_related("municipality__region").filter(pk__in=orgs).first()
        )
    today = selectors.school_today(organization)
    monday = selectors.monday_of(today)
    # The week so far and the previous one: what was taught and may still lack a record.
    since = monday - datetime.timedelta(days=7)
    until = monday + datetime.timedelta(days=6)
    rows = []
    for lesson in selectors.teacher_lessons(request.user, since, until):
        missing = []
        ahead = lesson.date > today
        if not lesson.is_cancelled and not ahead:
            if not lesson.topic:
                missing.append(_("тема"))
            if not homework_service.has_homework(lesson):
                missing.append(_("домашнее задание"))
        rows.append((lesson, missing, ahead))
    today_rows = [r for r in rows if r[0].date == today]
    week_rows = [r for r in rows if r[0].date != today and r[0].date >= monday]
    earlier = [r for r in rows if r[0].date < monday and r[1]]
    unfilled = sum(1 for _lesson, missing, _ahead in rows if missing)
    return render(
        request,
        "journal/lessons_mine.html",
        {
            "today": today,
            "monday": monday,
            "today_rows": today_rows,
            "week_rows": week_rows,
            "earlier": earlier,
            "unfilled": unfilled,
        },
    )
