"""Pages of the diary (JRN-8), achievements and the iCalendar feed. Thin: reads in
``selectors/diary.py``, writes in ``services/achievements.py`` and ``services/calendar.py``.

- A student and a parent: the week (``/diary/``), its printable view, the year's marks and
  final grades with the archive of past years (``/diary/grades/``). A parent switches
  between their children with ``?child=``; another family's child is a 404.
- The class teacher and the administration: the achievements of a class's students.
- Anyone with a timetable (student, parent, school staff): their secret calendar address;
  the feed itself opens without a session, by the token alone.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts.roles import active_role
from parta.core import access
from parta.core.access import cabinet
from parta.core.errors import DomainError, form_error
from parta.journal import ical
from parta.journal.forms_diary import AchievementForm
from parta.journal.models import Achievement
from parta.journal.selectors import diary as selectors
from parta.journal.services import achievements as achievement_services
from parta.journal.services import calendar as calendar_services
from parta.journal.services.marks import settings_joined

# The same key as the parent's home page: the diary opens on the child looked at last.
CHILD_SESSION_KEY = "parta_parent_child"


# --- whose diary --------------------------------------------------------------------------------
def _whose(request: HttpRequest) -> tuple[list[Any], Any | None]:
    """The people whose diary the visitor opens and the one chosen (``?child=``, else the
    child looked at last, else the visitor themself as a student, else the eldest child)."""
    people = selectors.diary_people(request.user)
    asked = request.GET.get("child")
    if asked:
        chosen = next((p for p in people if str(p.pk) == asked), None)
        if chosen is None:
            raise Http404
    else:
        remembered = request.session.get(CHILD_SESSION_KEY)
        chosen = next((p for p in people if p.pk == remembered and p.pk != request.user.pk), None)
        if chosen is None:
            role = active_role(request)
            own = next((p for p in people if p.pk == request.user.pk), None)
            children = [p for p in people if p.pk != request.user.pk]
            if role is not None and role.kind == access.PARENT and children:
                chosen = children[0]
            else:
                chosen = own or (children[0] if children else None)
    if (
        chosen is not None
        and chosen.pk != request.user.pk
        and request.session.get(CHILD_SESSION_KEY) != chosen.pk
    ):
        request.session[CHILD_SESSION_KEY] = chosen.pk
    return people, chosen


def _week_context(request: HttpRequest, *, kept_body: bool = False) -> dict[str, Any]:
    """Whose week, which class and which week (the visitor's access decided here, on every
    request); then the week itself — whole (``week``, the printable view) or, for the page,
    its head and body rendered and kept under its stamp (``week_nav``, ``week_body``) with
    the visitor's notices."""
    people, student = _whose(request)
    context: dict[str, Any] = {"people": people, "student": student, "week": None}
    if student is None:
        return context
    enrollments = selectors.enrollments_of(request.user, student)
    today_class = selectors.enrollment_on(enrollments, timezone.localdate())
    today = selectors.school_today(today_class.school_class if today_class else None)
    monday = selectors.parse_week(request.GET.get("week"), today)
    enrollment = selectors.enrollment_on(enrollments, monday + datetime.timedelta(days=5))
    context.update(
        enrollment=enrollment,
        today=today,
        monday=monday,
        previous_monday=monday - datetime.timedelta(days=7),
        next_monday=monday + datetime.timedelta(days=7),
        this_monday=selectors.monday_of(today),
        is_own=student.pk == request.user.pk,
    )
    if enrollment is None:
        return context
    school_class = enrollment.school_class
    journal = settings_joined(school_class.organization)
    context.update(
        school_class=school_class,
        is_archive=not school_class.academic_year.is_current,
        weighted=journal.weighted,
        scale=journal.scale,
    )
    if not kept_body:
        context["week"] = selectors.diary_week(
            viewer=request.user,
            student=student,
            school_class=school_class,
            monday=monday,
            today=today,
        )
        return context
    context["notices"] = selectors.week_notices(
        request.user, student, school_class, monday, selectors.school_zone(school_class)
    )
    context["week_nav"], context["week_body"] = _week_body(request, context)
    return context


# How long a rendered week is kept at most. Its stamp moves with every change of its lessons,
# cells and terms; this bounds the rest (a renamed subject or teacher).
DIARY_BODY_SECONDS = 3600


def _week_body(request: HttpRequest, context: dict[str, Any]) -> tuple[str, str]:
    """JRN-8: the head of the week (its dates, the links to the weeks around it, the archive
    note) and its days and averages, rendered once per change of their data.

    The parents of a class open the same weeks every evening; both parts are the same for
    each of them and for the student until a lesson, a cell or a term changes, which moves
    the stamp (``selectors.week_stamp``, one prepared statement). Everything that depends on
    the visitor — the access decision above, the notices, the child switcher, the header —
    is not kept."""
    student, school_class, monday = context["student"], context["school_class"], context["monday"]
    stamp = selectors.week_stamp(student_id=student.pk, school_class=school_class, monday=monday)
    parts = (
        student.pk,
        school_class.pk,
        monday.isoformat(),
        context["today"].isoformat(),
        get_language(),
        int(context["weighted"]),
        context["scale"],
        int(context["is_own"]),
        int(context["is_archive"]),
        stamp,
    )
    key = "diary-week:2:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    kept = cache.get(key) if settings.DIARY_KEEP_BODY else None
    if kept is not None:
        return kept
    week = selectors.diary_week(
        viewer=request.user,
        student=student,
        school_class=school_class,
        monday=monday,
        today=context["today"],
        notices=False,
    )
    with timezone.override(selectors.school_zone(school_class)):
        nav = render_to_string(
            "journal/_diary_week_nav.html",
            {
                "week_last_day": week.last_day,
                **{
                    name: context[name]
                    for name in (
                        "student",
                        "school_class",
                        "is_archive",
                        "monday",
                        "previous_monday",
                        "next_monday",
                        "this_monday",
                    )
                },
            },
        )
        body = render_to_string(
            "journal/_diary_week_body.html",
            {"week": week, "weighted": context["weighted"], "scale": context["scale"]},
        )
    kept = (mark_safe(nav), mark_safe(body))  # noqa: S308 (our own templates' output)
    cache.set(key, kept, DIARY_BODY_SECONDS)
    return kept


@login_required
@cabinet("diary")
@require_GET
def diary_week(request: HttpRequest) -> HttpResponse:
    """JRN-8: the week of lessons, topics, homework, marks, attendance and announcements."""
    context = _week_context(request, kept_body=True)
    with timezone.override(selectors.school_zone(context.get("school_class"))):
        return render(request, "journal/diary_week.html", context)


@login_required
@cabinet("diary")
@require_GET
def diary_print(request: HttpRequest) -> HttpResponse:
    """JRN-8: the week on one sheet of paper: no navigation, the child, the class, the date."""
    context = _week_context(request)
    zone = selectors.school_zone(context.get("school_class"))
    context["printed_at"] = timezone.localtime(timezone=zone)
    with timezone.override(zone):
        return render(request, "journal/diary_print.html", context)


@login_required
@cabinet("diary")
@require_GET
def diary_record(request: HttpRequest) -> HttpResponse:
    """JRN-4, JRN-6, JRN-7, JRN-8: marks and final grades of a year, past years included."""
    people, student = _whose(request)
    context: dict[str, Any] = {"people": people, "student": student, "record": None}
    if student is None:
        return render(request, "journal/diary_record.html", context)
    enrollments = selectors.enrollments_of(request.user, student)
    years: list[Any] = []
    for place in enrollments:
        if place.school_class.academic_year not in [p.school_class.academic_year for p in years]:
            years.append(place)
    asked = request.GET.get("year")
    if asked:
        enrollment = next((p for p in years if str(p.school_class.academic_year_id) == asked), None)
        if enrollment is None:
            raise Http404
    else:
        enrollment = selectors.enrollment_on(enrollments, timezone.localdate())
    context["years"] = years
    if enrollment is not None:
        school_class = enrollment.school_class
        journal = settings_joined(school_class.organization)
        context.update(
            enrollment=enrollment,
            school_class=school_class,
            weighted=journal.weighted,
            scale=journal.scale,
            is_archive=not school_class.academic_year.is_current,
            record=selectors.diary_record(
                viewer=request.user, student=student, enrollment=enrollment
            ),
        )
    return render(request, "journal/diary_record.html", context)


# --- achievements (the class teacher and the administration) ----------------------------------
@login_required
@require_GET
def achievements_class(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-8: the students of a class with their achievements, to add to them."""
    school_class = (
        achievement_services.managed_classes(request.user)
        .filter(pk=class_id)
        .select_related("organization", "academic_year")
        .first()
    )
    if school_class is None:
        raise Http404
    counted = (
        Achievement.objects.visible_to(request.user)
        .filter(student_id=OuterRef("student_id"))
        .order_by()
        .values("student_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    places = (
        achievement_services.managed_enrollments(request.user)
        .filter(school_class_id=school_class.pk)
        .select_related("student")
        .annotate(
            achievements_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
        )
        .order_by("student__last_name", "student__first_name")
    )
    return render(
        request,
        "journal/achievement_class.html",
        {"school_class": school_class, "places": places},
    )


@login_required
@require_http_methods(["GET", "POST"])
def achievements_student(request: HttpRequest, student_id: int) -> HttpResponse:
    """JRN-8: a student's achievements; the class teacher and the administration add them."""
    place = achievement_services.managed_place(request.user, student_id)
    form = AchievementForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            achievement = achievement_services.achievement_add(
                actor=request.user,
                student_id=student_id,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                date=form.cleaned_data["date"],
                description=form.cleaned_data["description"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Достижение «%(title)s» добавлено в дневник.") % {"title": achievement.title},
            )
            return redirect("achievements_student", student_id=student_id)
    items = Achievement.objects.visible_to(request.user).filter(student_id=student_id)
    return render(
        request,
        "journal/achievement_student.html",
        {
            "place": place,
            "student": place.student,
            "school_class": place.school_class,
            "achievements": items,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def achievement_remove(request: HttpRequest, student_id: int, achievement_id: int) -> HttpResponse:
    achievement_services.achievement_remove(
        actor=request.user, achievement_id=achievement_id, student_id=student_id
    )
    messages.success(request, _("Достижение убрано из дневника."))
    return redirect("achievements_student", student_id=student_id)


# --- the iCalendar feed ------------------------------------------------------------------------
def _feed_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The person's secret calendar address: make it (shown once), replace it, revoke it."""
    if not calendar_services.may_subscribe(request.user):
        raise Http404
    token = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            try:
                token = calendar_services.feed_create(person=request.user)
            except DomainError as error:
                messages.error(request, str(error.message))
                return redirect("calendar_settings")
        elif action == "revoke":
            if calendar_services.feed_revoke(person=request.user):
                messages.success(
                    request, _("Ссылка на календарь отключена: по ней больше ничего не откроется.")
                )
            return redirect("calendar_settings")
        else:
            return redirect("calendar_settings")
    feed = calendar_services.feed_of(request.user)
    url = _feed_url(request, token) if token else ""
    return render(
        request,
        "journal/calendar.html",
        {
            "feed": feed,
            "token": token,
            "feed_url": url,
            "webcal_url": url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
            "days_back": ical.DAYS_BACK,
            "weeks_ahead": ical.DAYS_AHEAD // 7,
        },
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar program fetches: no session, the token is the key; 404 otherwise."""
    person = calendar_services.feed_person(token)
    if person is None:
        raise Http404
    response = HttpResponse(
        ical.person_calendar(person), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="parta.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
