"""Pages of the timetable (JRN-2). Thin: rules in services.

- The administration (director, deputy, secretary) of a school: the weekly template of each
  class and extra lessons (the year's structure is in ``views_year``).
- Everyone who may see a class (its students, their parents, the school's staff, the
  authorities): the class's day and week; a teacher: their own week, substitutions included.

Every object is fetched through the policy; whatever a person may not see is a 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts.roles import active_role
from parta.core import access
from parta.core.access import cabinet
from parta.core.errors import DomainError, form_error
from parta.directory.models import (
    Enrollment,
    Guardianship,
    Organization,
    SchoolClass,
    Subject,
)
from parta.journal import forms
from parta.journal.models import TimetableEntry
from parta.journal.selectors import timetable as selectors
from parta.journal.services import lessons as lesson_service
from parta.journal.services import timetable as services

PAGE_SIZE = 50


# --- helpers ------------------------------------------------------------------------------------
def _administered_class(request: HttpRequest, class_id: int) -> SchoolClass:
    return get_object_or_404(
        SchoolClass.objects.visible_to(request.user)
        .filter(organization_id__in=sorted(selectors.administered_organization_ids(request.user)))
        .select_related("academic_year", "organization__municipality__region"),
        pk=class_id,
    )


def _subjects(organization_id: int) -> Any:
    return Subject.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id)
    ).order_by("name")


def _day(request: HttpRequest, default: datetime.date) -> datetime.date:
    form = forms.DayForm(request.GET)
    if form.is_valid() and form.cleaned_data["date"]:
        return form.cleaned_data["date"]
    return default


def _kept_message(request: HttpRequest, result: lesson_service.GenerateResult) -> None:
    if not result.kept:
        return
    listed = ", ".join(f"{x.date:%d.%m} {x.subject.name}" for x in result.kept[:5])
    messages.warning(
        request,
        ngettext(
            "%(n)s урок с темой, заданием или разовым изменением оставлен как был (%(list)s): "
            "при необходимости отмените или перенесите его на странице урока.",
            "%(n)s урока с темой, заданием или разовыми изменениями оставлены как были "
            "(%(list)s): при необходимости отмените или перенесите их на странице урока.",
            len(result.kept),
        )
        % {"n": len(result.kept), "list": listed},
    )


# --- the weekly template editor -------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_GET
def edit(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-2: the week grid of a class's template as it stands on a date."""
    school_class = _administered_class(request, class_id)
    today = selectors.school_today(school_class.organization)
    year = school_class.academic_year
    default = min(max(today, year.starts_on), year.ends_on)
    on = _day(request, default)
    grid = selectors.template_grid(school_class, on)
    return render(
        request,
        "journal/timetable_edit.html",
        {
            "school_class": school_class,
            "organization": school_class.organization,
            "grid": grid,
            "weekday_names": selectors.WEEKDAYS,
            "weekday_short": selectors.WEEKDAYS_SHORT,
            "today": today,
            "day_form": forms.DayForm(initial={"date": on}),
        },
    )


def _slot_kwargs(school_class: SchoolClass) -> dict[str, Any]:
    return {
        "subjects": _subjects(school_class.organization_id),
        "teachers": selectors.confirmed_staff(school_class.organization_id),
    }


def _back_to_grid(school_class: SchoolClass, on: datetime.date) -> HttpResponse:
    return redirect(f"{reverse('timetable_edit', args=[school_class.pk])}?date={on.isoformat()}")


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def slot_add(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-2: add a slot to the class's template (and make its lessons)."""
    school_class = _administered_class(request, class_id)
    today = selectors.school_today(school_class.organization)
    year = school_class.academic_year
    initial = {
        "weekday": request.GET.get("weekday", 1),
        "number": request.GET.get("number", 1),
        "valid_from": min(max(today, year.starts_on), year.ends_on)
        if year.starts_on < today
        else year.starts_on,
    }
    form = forms.SlotAddForm(request.POST or None, initial=initial, **_slot_kwargs(school_class))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry, result = services.timetable_entry_add(
                actor=request.user,
                school_class=school_class,
                weekday=data["weekday"],
                number=data["number"],
                slot=services.SlotInput(data["subject"], data["teacher"], data["room"]),
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "Урок добавлен в расписание; создан %(n)s урок в журнале.",
                    "Урок добавлен в расписание; создано %(n)s уроков в журнале.",
                    result.created,
                )
                % {"n": result.created},
            )
            return _back_to_grid(school_class, max(entry.valid_from, today))
    return render(
        request,
        "journal/timetable_slot.html",
        {
            "school_class": school_class,
            "organization": school_class.organization,
            "form": form,
            "mode": "add",
        },
    )


def _entry(request: HttpRequest, entry_id: int) -> TimetableEntry:
    return get_object_or_404(
        TimetableEntry.objects.editable_by(request.user)
        .filter(
            school_class__organization_id__in=sorted(
                selectors.administered_organization_ids(request.user)
            )
        )
        .select_related(
            "subject",
            "teacher",
            "school_class__academic_year",
            "school_class__organization__municipality__region",
        ),
        pk=entry_id,
    )


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def slot_change(request: HttpRequest, entry_id: int) -> HttpResponse:
    """JRN-2: change a slot from a date on; the past stays as it was."""
    entry = _entry(request, entry_id)
    school_class = entry.school_class
    today = selectors.school_today(school_class.organization)
    form = forms.SlotChangeForm(
        request.POST or None,
        initial={
            "from_date": max(today, entry.valid_from),
            "subject": entry.subject_id,
            "teacher": entry.teacher_id,
            "room": entry.room,
        },
        **_slot_kwargs(school_class),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _target, result = services.timetable_entry_change(
                actor=request.user,
                entry=entry,
                from_date=data["from_date"],
                slot=services.SlotInput(data["subject"], data["teacher"], data["room"]),
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Расписание изменено с %(date)s.") % {"date": f"{data['from_date']:%d.%m.%Y}"},
            )
            _kept_message(request, result)
            return _back_to_grid(school_class, data["from_date"])
    return render(
        request,
        "journal/timetable_slot.html",
        {
            "school_class": school_class,
            "organization": school_class.organization,
            "form": form,
            "entry": entry,
            "mode": "change",
            "weekday": selectors.WEEKDAYS[entry.weekday],
        },
    )


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def slot_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    """JRN-2: take a slot out of the template from a date on."""
    entry = _entry(request, entry_id)
    school_class = entry.school_class
    today = selectors.school_today(school_class.organization)
    form = forms.SlotRemoveForm(
        request.POST or None, initial={"from_date": max(today, entry.valid_from)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.timetable_entry_remove(
                actor=request.user, entry=entry, from_date=form.cleaned_data["from_date"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Урок убран из расписания."))
            _kept_message(request, result)
            return _back_to_grid(school_class, form.cleaned_data["from_date"])
    return render(
        request,
        "journal/timetable_slot.html",
        {
            "school_class": school_class,
            "organization": school_class.organization,
            "form": form,
            "entry": entry,
            "mode": "remove",
            "weekday": selectors.WEEKDAYS[entry.weekday],
        },
    )


@login_required
@cabinet("journal_admin")
@require_POST
def generate(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-2: make the lessons of the whole year from the class's template (idempotent)."""
    school_class = _administered_class(request, class_id)
    year = school_class.academic_year
    result = lesson_service.lessons_generate(
        school_class=school_class, date_from=year.starts_on, date_to=year.ends_on
    )
    if result.created or result.removed:
        messages.success(
            request,
            _("Уроки по расписанию обновлены: добавлено %(created)s, убрано %(removed)s.")
            % {"created": result.created, "removed": result.removed},
        )
    else:
        messages.info(request, _("Все уроки по расписанию уже есть в журнале."))
    _kept_message(request, result)
    return redirect("timetable_edit", class_id=school_class.pk)


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def extra_lesson(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-2: an extra lesson outside the template."""
    school_class = _administered_class(request, class_id)
    today = selectors.school_today(school_class.organization)
    form = forms.ExtraLessonForm(
        request.POST or None,
        initial={"date": request.GET.get("date") or today, "number": request.GET.get("number", 1)},
        **_slot_kwargs(school_class),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lesson = lesson_service.lesson_add(
                actor=request.user,
                school_class=school_class,
                date=data["date"],
                number=data["number"],
                subject=data["subject"],
                teacher=data["teacher"],
                room=data["room"],
                reason=data["reason"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Дополнительный урок добавлен; класс и родители узнают о нём.")
            )
            return redirect("lesson_detail", lesson_id=lesson.pk)
    return render(
        request,
        "journal/lesson_add.html",
        {"school_class": school_class, "organization": school_class.organization, "form": form},
    )


# --- the timetable as people read it --------------------------------------------------------------
@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The timetable a person most likely wants: their class, their child's, their own week."""
    role = active_role(request)
    roles = access.roles_of(request.user)
    for r in [role, *roles] if role else roles:
        if r.kind == access.STUDENT and r.context_id:
            return redirect("timetable_class", class_id=r.context_id)
        if r.kind == access.PARENT:
            child_class = (
                Enrollment.objects.current()
                .filter(
                    student_id__in=Guardianship.objects.filter(guardian_id=request.user.pk).values(
                        "child_id"
                    )
                )
                .order_by("student__last_name", "student__first_name")
                .values_list("school_class_id", flat=True)
                .first()
            )
            if child_class:
                return redirect("timetable_class", class_id=child_class)
        if r.kind in (access.TEACHER, access.CLASS_TEACHER):
            return redirect("timetable_teacher")
        if r.kind in access.SCHOOL_ADMINISTRATION and r.organization_id:
            return redirect("timetable_school", org_id=r.organization_id)
    raise Http404


def _week_context(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    today = selectors.school_today(organization)
    day = _day(request, today)
    view = "day" if request.GET.get("view") == "day" else "week"
    monday = selectors.monday_of(day)
    step = datetime.timedelta(days=1 if view == "day" else 7)
    return {
        "today": today,
        "day": day,
        "view": view,
        "monday": monday,
        "previous": day - step,
        "next": day + step,
        "day_form": forms.DayForm(initial={"date": day}),
    }


def _the_day(week: selectors.Week, day: datetime.date) -> selectors.Day:
    return next((d for d in week.days if d.date == day), None) or selectors.Day(day)


def _children_classes(request: HttpRequest) -> list[tuple[Any, int]]:
    """A parent's children and their classes, for the child switcher."""
    if not access.has_role(request.user, access.PARENT):
        return []
    enrollments = (
        Enrollment.objects.current()
        .filter(
            student_id__in=Guardianship.objects.filter(guardian_id=request.user.pk).values(
                "child_id"
            )
        )
        .select_related("student", "school_class")
        .order_by("student__last_name", "student__first_name")
    )
    return [(e.student, e.school_class_id) for e in enrollments]


@login_required
@require_GET
def class_timetable(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-2: the day or the week of a class, with bells, rooms and changes."""
    school_class = get_object_or_404(
        SchoolClass.objects.visible_to(request.user).select_related(
            "organization__municipality__region", "academic_year"
        ),
        pk=class_id,
    )
    context = _week_context(request, school_class.organization)
    week = selectors.class_week(request.user, school_class, context["monday"])
    is_admin = school_class.organization_id in selectors.administered_organization_ids(request.user)
    context.update(
        {
            "school_class": school_class,
            "week": week,
            "the_day": _the_day(week, context["day"]),
            "mode": "class",
            "is_admin": is_admin,
            "children": _children_classes(request),
            "base_url": reverse("timetable_class", args=[school_class.pk]),
        }
    )
    return render(request, "journal/timetable_week.html", context)


@login_required
@cabinet("journal")
@require_GET
def teacher_timetable(request: HttpRequest) -> HttpResponse:
    """JRN-2: a teacher's own week (or day), their substitutions included."""
    orgs = selectors.staff_organization_ids(request.user)
    if not orgs:
        raise Http404
    organization = (
        Organization.objects.select_related("municipality__region").filter(pk__in=orgs).first()
    )
    if organization is None:
        raise Http404
    context = _week_context(request, organization)
    week = selectors.teacher_week(request.user, int(request.user.pk or 0), context["monday"], orgs)
    context.update(
        {
            "teacher": request.user,
            "week": week,
            "the_day": _the_day(week, context["day"]),
            "mode": "teacher",
            "own": True,
            "base_url": reverse("timetable_teacher"),
        }
    )
    return render(request, "journal/timetable_week.html", context)


@login_required
@cabinet("journal_admin")
@require_GET
def teacher_timetable_of(request: HttpRequest, person_id: int) -> HttpResponse:
    """JRN-2: the administration looks at the week of a teacher of their school."""
    orgs = selectors.administered_organization_ids(request.user)
    teacher = None
    for org in sorted(orgs):
        teacher = selectors.confirmed_staff(org).filter(pk=person_id).first()
        if teacher is not None:
            break
    if teacher is None:
        raise Http404
    organization = Organization.objects.select_related("municipality__region").get(pk=org)
    context = _week_context(request, organization)
    week = selectors.teacher_week(request.user, teacher.pk, context["monday"], [org])
    context.update(
        {
            "teacher": teacher,
            "week": week,
            "the_day": _the_day(week, context["day"]),
            "mode": "teacher",
            "own": False,
            "organization": organization,
            "base_url": reverse("timetable_teacher_of", args=[teacher.pk]),
        }
    )
    return render(request, "journal/timetable_week.html", context)
