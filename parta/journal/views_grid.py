"""The teacher's journal (JRN-4..7): my journals, the grid, cell saves, history, closing terms.

Thin: reads in ``selectors.grid``, writes in ``services.marks`` and ``services.grid``. The grid
page is rendered whole on the server (readable without JavaScript); ``static/journal/grid.js``
saves each cell on its own through the JSON endpoints here. A refused save answers 400 with
the rule's message; whatever a person may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parta.core.access import cabinet
from parta.core.errors import DomainError
from parta.journal.models import Lesson, MarkChange, Term
from parta.journal.selectors import grid as selectors
from parta.journal.services import grid as grid_services
from parta.journal.services import marks


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _refused(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": str(exc.message), "code": exc.code, "field": exc.field or ""},
        status=400,
    )


def _overwrote_warning(name: str, theirs: str, ours: str) -> str:
    return _("Эту клетку только что изменил(а) %(name)s: было %(old)s, теперь ваше %(new)s.") % {
        "name": name,
        "old": theirs or "—",
        "new": ours or "—",
    }


def _grid_texts() -> dict[str, str]:
    """What grid.js says, in the reader's language ({name} marks what the script fills in)."""
    return {
        "state_saving": _("сохраняется"),
        "state_saved": _("сохранено"),
        "state_failed": _("не сохранено"),
        "empty": _("пусто"),
        "reason": _("причина"),
        "comment": _("комментарий"),
        "editor": _("{student}, {where}: оценка или посещаемость"),
        "saved": _("Сохранено — {student}, {where}: {old} → {new}."),
        "savedNote": _("Сохранено — {student}, {where} ({text}): комментарий и причина."),
        "average": _("Средний балл: {value}."),
        "failedAt": _("Не сохранено — {student}, {where}: {error}"),
        "restored": _("Вернули прежнее — {student}, {where}: {text}."),
        "offline": _(
            "Нет связи с сервером: клетка не сохранена. Проверьте подключение и введите ещё раз."
        ),
        "notFound": _("Урок или ученик не найден: возможно, журнал изменился. Обновите страницу."),
        "session": _("Сессия закончилась: войдите в Парту снова и повторите ввод."),
        "serverError": _("Сервер не смог сохранить клетку. Повторите через минуту."),
        "nothingToUndo": _("Отменять нечего."),
        "undoing": _("Отменяем последнее сохранение — {student}, {where}…"),
        "loading": _("Загружаем историю…"),
        "historyFailed": _("Не удалось загрузить историю. Повторите позже."),
        "gradeType": _("вид работы"),
        "changeType": _("изменить вид работы"),
        "typeSaved": _("Вид работы урока {where}: {type}. Средние баллы пересчитаны."),
        "chooseCell": _("Сначала выберите клетку с отметкой."),
    }


# --- pages -------------------------------------------------------------------------------------
@login_required
@cabinet("journal")
@require_GET
def journal_list(request: HttpRequest) -> HttpResponse:
    """JRN-4: the journals a teacher keeps; the class teacher's class; the whole school."""
    return render(
        request, "journal/teacher_journals.html", {"mine": selectors.my_journals(request.user)}
    )


@login_required
@cabinet("journal")
@require_GET
def journal_grid(request: HttpRequest, class_id: int, subject_id: int) -> HttpResponse:
    """JRN-4..6: students × lessons of a term, with averages and final grades."""
    journal = selectors.journal_for(request.user, class_id=class_id, subject_id=subject_id)
    data = selectors.grid(journal, user=request.user, term_id=_int(request.GET.get("term")))
    return render(
        request,
        "journal/grid.html",
        {"grid": data, "journal": journal, "texts": _grid_texts()},
    )


@login_required
@cabinet("journal")
@require_GET
def journal_changes(request: HttpRequest, class_id: int, subject_id: int) -> HttpResponse:
    """JRN-7: the latest changes of the journal, fifty a page."""
    journal = selectors.journal_for(request.user, class_id=class_id, subject_id=subject_id)
    page, lines = selectors.journal_changes(request.user, journal, page=request.GET.get("page"))
    return render(
        request, "journal/history_changes.html", {"journal": journal, "page": page, "lines": lines}
    )


@login_required
@cabinet("journal")
@require_GET
def cell_history(request: HttpRequest, lesson_id: int, student_id: int) -> HttpResponse:
    """JRN-7: the changes of one cell; the list alone when asked by the grid (htmx)."""
    history = selectors.cell_history(request.user, lesson_id=lesson_id, student_id=student_id)
    template = (
        "journal/history_cell_list.html"
        if getattr(request, "htmx", False)
        else "journal/history_cell.html"
    )
    return render(request, template, {"history": history})


# --- cell and final grade saves (JSON) ---------------------------------------------------------
@login_required
@cabinet("journal")
@require_POST
def cell_save(request: HttpRequest, lesson_id: int, student_id: int) -> JsonResponse:
    """JRN-4, JRN-5, JRN-7: save one cell: ``value`` is what was typed ("5", "н", "4о"),
    ``comment`` and ``reason`` when sent, ``seen_version`` the version the screen showed."""
    lesson = marks.lesson_for_marking(request.user, lesson_id)
    journal = marks.settings_joined(lesson.school_class.organization)
    fields: dict[str, Any] = {}
    try:
        if "value" in request.POST:
            parsed = marks.cell_parse(request.POST["value"], scale=journal.scale)
            fields.update(value=parsed.value, attendance=parsed.attendance)
        for name in ("comment", "reason"):
            if name in request.POST:
                fields[name] = request.POST[name]
        result = marks.mark_set(
            actor=request.user,
            lesson=lesson,
            student_id=student_id,
            seen_version=_int(request.POST.get("seen_version")),
            journal=journal,
            **fields,
        )
    except DomainError as exc:
        return _refused(exc)
    letters = selectors.attendance_letters()
    mark = result.mark
    text = selectors.cell_text(mark.value, mark.attendance, letters)
    warning = ""
    if result.overwrote is not None:
        theirs = result.overwrote.new
        warning = _overwrote_warning(
            result.overwrote.changed_by.short_name if result.overwrote.changed_by else "—",
            selectors.cell_text(theirs.get("value"), theirs.get("attendance", ""), letters),
            text,
        )
    summary = selectors.term_summaries(
        school_class_id=lesson.school_class_id,
        subject_id=lesson.subject_id,
        term_id=lesson.term_id,
        settings=journal,
        student_ids=[student_id],
    )[student_id]
    return JsonResponse(
        {
            "ok": True,
            "text": text,
            "version": mark.version,
            "changed": result.change is not None,
            "comment": mark.comment,
            "reason": mark.reason,
            "summary": summary.as_dict(),
            "warning": warning,
        }
    )


@login_required
@cabinet("journal")
@require_POST
def final_save(
    request: HttpRequest, class_id: int, subject_id: int, student_id: int
) -> JsonResponse:
    """JRN-6: set a term grade (``term`` = its id) or the year grade (``term`` = "year")."""
    journal = selectors.journal_for(request.user, class_id=class_id, subject_id=subject_id)
    if not journal.can_change:
        raise Http404
    klass = journal.school_class
    term: Term | None = None
    if request.POST.get("term") != "year":
        term = get_object_or_404(
            Term.objects.visible_to(request.user).filter(academic_year_id=klass.academic_year_id),
            pk=_int(request.POST.get("term")),
        )
    seen = _int(request.POST.get("seen_version"))
    try:
        parsed = marks.cell_parse(request.POST.get("value", ""), scale=journal.settings.scale)
        if parsed.attendance:
            raise DomainError(
                _("Итоговая оценка — число от 1 до %(scale)s.") % {"scale": journal.settings.scale},
                field="value",
                code="final",
            )
        grade = marks.final_grade_set(
            actor=request.user,
            student_id=student_id,
            school_class=klass,
            subject=journal.subject,
            term=term,
            value=parsed.value,
            seen_version=seen,
        )
    except DomainError as exc:
        return _refused(exc)
    text = "" if grade.value is None else str(grade.value)
    warning = ""
    if seen is not None and grade.version > seen + 1:
        between = (
            MarkChange.objects.filter(final_grade=grade, version=grade.version - 1)
            .select_related("changed_by")
            .first()
        )
        if between is not None and between.changed_by_id != request.user.pk:
            warning = _overwrote_warning(
                between.changed_by.short_name if between.changed_by else "—",
                str(between.new.get("value") or ""),
                text,
            )
    year_suggested = selectors.year_suggestion_of(
        student_id=student_id,
        subject_id=journal.subject.pk,
        academic_year_id=klass.academic_year_id,
        settings=journal.settings,
    )
    return JsonResponse(
        {
            "ok": True,
            "text": text,
            "version": grade.version,
            "summary": {"year_suggested": year_suggested},
            "warning": warning,
        }
    )


@login_required
@cabinet("journal")
@require_POST
def lesson_grade_type(request: HttpRequest, lesson_id: int) -> JsonResponse:
    """JRN-4: the grade type of a lesson's column; the averages of every row come back."""
    lesson = get_object_or_404(Lesson.objects.editable_by(request.user, "change"), pk=lesson_id)
    try:
        grade_type_id = _int(request.POST.get("grade_type"))
        if grade_type_id is None:
            raise DomainError(_("Выберите вид работы."), field="grade_type")
        lesson = grid_services.lesson_grade_type_set(
            actor=request.user, lesson=lesson, grade_type_id=grade_type_id
        )
    except DomainError as exc:
        return _refused(exc)
    settings = marks.settings_of(lesson.school_class.organization_id)
    summaries = selectors.term_summaries(
        school_class_id=lesson.school_class_id,
        subject_id=lesson.subject_id,
        term_id=lesson.term_id,
        settings=settings,
    )
    kind = lesson.grade_type
    return JsonResponse(
        {
            "ok": True,
            "label": selectors.type_label(kind),
            "name": kind.name if kind else "",
            "summaries": {str(k): v.as_dict() for k, v in summaries.items()},
        }
    )


# --- closing a term (the administration) -------------------------------------------------------
def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("journal_list")


@login_required
@cabinet("journal_admin")
@require_POST
def term_close(request: HttpRequest, term_id: int) -> HttpResponse:
    """JRN-6: close a term; its marks and term grades freeze."""
    term = get_object_or_404(Term.objects.editable_by(request.user), pk=term_id)
    try:
        marks.term_close(actor=request.user, term=term)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(term)s закрыта: оценки, посещаемость и итоговые оценки за неё больше не меняются.")
            % {"term": term.name},
        )
    return redirect(_back(request))


@login_required
@cabinet("journal_admin")
@require_POST
def term_reopen(request: HttpRequest, term_id: int) -> HttpResponse:
    """JRN-6: reopen a closed term of the current year for a correction."""
    term = get_object_or_404(Term.objects.editable_by(request.user), pk=term_id)
    try:
        marks.term_reopen(actor=request.user, term=term)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(term)s снова открыта: учителя могут исправлять отметки за неё.")
            % {"term": term.name},
        )
    return redirect(_back(request))
