"""Pages of the school year's structure (JRN-1, JRN-2, JRN-4). Thin: rules in services.

The administration (director, deputy, secretary) of a school: the hub of the year and the
classes' timetables, the terms, the bells, the journal settings, the school's own kinds of
work, and the list of one-off changes. A school the person does not administer is a 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from parta.core.access import cabinet
from parta.core.errors import DomainError, form_error
from parta.directory.models import AcademicYear, Organization, SchoolClass
from parta.journal import forms
from parta.journal.models import GradeType, JournalSettings, Term
from parta.journal.selectors import timetable as selectors
from parta.journal.services import lessons as lesson_service
from parta.journal.services import timetable as services
from parta.journal.services.marks import settings_of

PAGE_SIZE = 50


def _school(request: HttpRequest, org_id: int) -> Organization:
    """A school the person administers, else 404."""
    if org_id not in selectors.administered_organization_ids(request.user):
        raise Http404
    return get_object_or_404(
        Organization.objects.visible_to(request.user).select_related("municipality__region"),
        pk=org_id,
    )


def _current_year(organization: Organization) -> AcademicYear | None:
    return AcademicYear.objects.filter(organization=organization, is_current=True).first()


# --- the administration's hub -------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_GET
def school(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-1, JRN-2: the year's structure and the classes' timetables of one school."""
    organization = _school(request, org_id)
    year = _current_year(organization)
    terms = list(Term.objects.filter(academic_year=year).order_by("number")) if year else []
    bells = list(selectors.bells_of(organization.pk).values())
    bells.sort(key=lambda b: b.number)
    today = selectors.school_today(organization)
    classes = (
        SchoolClass.objects.visible_to(request.user)
        .filter(organization=organization, academic_year=year)
        .annotate(
            slots=Count(
                "timetable",
                filter=Q(timetable__valid_from__lte=today)
                & (Q(timetable__valid_to__isnull=True) | Q(timetable__valid_to__gte=today)),
            )
        )
        .order_by("grade", "letter")
        if year
        else SchoolClass.objects.none()
    )
    changes = list(selectors.school_changes(organization.pk)[:8])
    return render(
        request,
        "journal/timetable_school.html",
        {
            "organization": organization,
            "year": year,
            "terms": terms,
            "bells": bells,
            "journal": settings_of(organization.pk),
            "classes": classes,
            "changes": [(c, lesson_service.change_summary(c)) for c in changes],
            "today": today,
        },
    )


# --- terms ----------------------------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def terms(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-1: the terms of the current year: choose the division, adjust the dates."""
    organization = _school(request, org_id)
    year = _current_year(organization)
    journal = settings_of(organization.pk)
    existing = list(Term.objects.filter(academic_year=year).order_by("number")) if year else []
    if year is None:
        return render(
            request, "journal/admin_terms.html", {"organization": organization, "year": None}
        )
    if request.method == "POST":
        system_form = forms.TermSystemForm(request.POST)
        formset = forms.TermRowFormSet(request.POST, prefix="term")
        if request.POST.get("action") == "suggest" and system_form.is_valid():
            system = system_form.cleaned_data["system"]
            formset = _suggested(year, system)
        elif system_form.is_valid() and formset.is_valid():
            rows = [
                services.TermInput(
                    f.cleaned_data["name"], f.cleaned_data["starts_on"], f.cleaned_data["ends_on"]
                )
                for f in formset.forms
                if f.cleaned_data
            ]
            try:
                services.term_set(
                    actor=request.user,
                    academic_year=year,
                    system=system_form.cleaned_data["system"],
                    terms=rows,
                )
            except DomainError as exc:
                formset_error = str(exc.message)
                return render(
                    request,
                    "journal/admin_terms.html",
                    _terms_context(
                        organization, year, existing, system_form, formset, formset_error
                    ),
                )
            messages.success(request, _("Учебные периоды сохранены."))
            return redirect("timetable_terms", org_id=organization.pk)
    else:
        system_form = forms.TermSystemForm(initial={"system": journal.term_system})
        if existing:
            formset = forms.TermRowFormSet(
                prefix="term",
                initial=[
                    {"name": t.name, "starts_on": t.starts_on, "ends_on": t.ends_on}
                    for t in existing
                ],
            )
        else:
            formset = _suggested(year, journal.term_system)
    return render(
        request,
        "journal/admin_terms.html",
        _terms_context(organization, year, existing, system_form, formset, ""),
    )


def _suggested(year: AcademicYear, system: str) -> Any:
    rows = services.terms_suggest(year=year, system=system)
    return forms.TermRowFormSet(
        prefix="term",
        initial=[{"name": t.name, "starts_on": t.starts_on, "ends_on": t.ends_on} for t in rows],
    )


def _terms_context(
    organization: Organization,
    year: AcademicYear,
    existing: list[Term],
    system_form: Any,
    formset: Any,
    error: str,
) -> dict[str, Any]:
    closed = {t.number for t in existing if t.is_closed}
    rows = [(i + 1, form, (i + 1) in closed) for i, form in enumerate(formset.forms)]
    return {
        "organization": organization,
        "year": year,
        "system_form": system_form,
        "formset": formset,
        "rows": rows,
        "error": error,
        "existing": existing,
    }


# --- bells ----------------------------------------------------------------------------------------
BELL_ROWS = 10


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def bells(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-2: the bell schedule: lesson number, start, end."""
    organization = _school(request, org_id)
    error = ""
    if request.method == "POST":
        formset = forms.BellRowFormSet(request.POST, prefix="bell")
        if formset.is_valid():
            rows = [
                services.BellInput(
                    f.cleaned_data["number"], f.cleaned_data["starts_at"], f.cleaned_data["ends_at"]
                )
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("empty")
            ]
            try:
                services.bell_set(actor=request.user, organization=organization, bells=rows)
            except DomainError as exc:
                error = str(exc.message)
            else:
                messages.success(request, _("Расписание звонков сохранено."))
                return redirect("timetable_bells", org_id=organization.pk)
    else:
        current = sorted(selectors.bells_of(organization.pk).values(), key=lambda b: b.number)
        initial: list[dict[str, Any]] = [
            {"number": b.number, "starts_at": b.starts_at, "ends_at": b.ends_at} for b in current
        ] or [{"number": n, "starts_at": start, "ends_at": end} for n, start, end in _DEFAULT_BELLS]
        initial += [{} for _ in range(max(2, BELL_ROWS - len(initial)))]
        formset = forms.BellRowFormSet(prefix="bell", initial=initial)
    return render(
        request,
        "journal/admin_bells.html",
        {"organization": organization, "formset": formset, "error": error},
    )


_DEFAULT_BELLS = [
    (1, datetime.time(8, 0), datetime.time(8, 45)),
    (2, datetime.time(8, 55), datetime.time(9, 40)),
    (3, datetime.time(10, 0), datetime.time(10, 45)),
    (4, datetime.time(11, 5), datetime.time(11, 50)),
    (5, datetime.time(12, 0), datetime.time(12, 45)),
    (6, datetime.time(12, 55), datetime.time(13, 40)),
    (7, datetime.time(13, 50), datetime.time(14, 35)),
]


# --- journal settings -----------------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def journal_settings(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-4, JRN-6: scale, weights, thresholds of the term grade, the editing window."""
    organization = _school(request, org_id)
    current = JournalSettings.objects.filter(organization=organization).first() or (
        JournalSettings(organization=organization)
    )
    form = forms.JournalSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.journal_settings_set(
                actor=request.user,
                organization=organization,
                scale=data["scale"],
                weighted=data["weighted"],
                threshold_5=data["threshold_5"],
                threshold_4=data["threshold_4"],
                threshold_3=data["threshold_3"],
                edit_window_days=data["edit_window_days"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Настройки журнала сохранены."))
            return redirect("timetable_settings", org_id=organization.pk)
    return render(
        request, "journal/admin_settings.html", {"organization": organization, "form": form}
    )


# --- grade types ----------------------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def grade_types(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-4: the catalogue's kinds of work and the school's own, with their weights."""
    organization = _school(request, org_id)
    form = forms.GradeTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.grade_type_create(
                actor=request.user, organization=organization, **form.cleaned_data
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Вид работы «%(name)s» добавлен.") % {"name": created.name})
            return redirect("timetable_grade_types", org_id=organization.pk)
    kinds = list(
        GradeType.objects.visible_to(request.user)
        .filter(Q(organization__isnull=True) | Q(organization=organization))
        .order_by("organization_id", "position", "name")
    )
    return render(
        request,
        "journal/admin_grade_types.html",
        {
            "organization": organization,
            "form": form,
            "catalogue": [k for k in kinds if k.organization_id is None],
            "own": [k for k in kinds if k.organization_id is not None],
        },
    )


@login_required
@cabinet("journal_admin")
@require_http_methods(["GET", "POST"])
def grade_type(request: HttpRequest, pk: int) -> HttpResponse:
    """JRN-4: rename, reweigh or remove one of the school's own kinds of work."""
    kind = get_object_or_404(
        GradeType.objects.editable_by(request.user).filter(
            organization_id__in=sorted(selectors.administered_organization_ids(request.user))
        ),
        pk=pk,
    )
    organization = _school(request, kind.organization_id or 0)
    form = forms.GradeTypeForm(
        request.POST or None,
        initial={"name": kind.name, "short_name": kind.short_name, "weight": kind.weight},
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                services.grade_type_delete(actor=request.user, grade_type=kind)
                messages.success(request, _("Вид работы «%(name)s» удалён.") % {"name": kind.name})
                return redirect("timetable_grade_types", org_id=organization.pk)
            if form.is_valid():
                services.grade_type_change(actor=request.user, grade_type=kind, **form.cleaned_data)
                messages.success(request, _("Вид работы сохранён."))
                return redirect("timetable_grade_types", org_id=organization.pk)
        except DomainError as exc:
            form_error(form, exc)
    return render(
        request,
        "journal/admin_grade_type.html",
        {"organization": organization, "kind": kind, "form": form},
    )


# --- the list of one-off changes ------------------------------------------------------------------
@login_required
@cabinet("journal_admin")
@require_GET
def changes(request: HttpRequest, org_id: int) -> HttpResponse:
    """JRN-2: every one-off change of the school's timetable, newest first."""
    organization = _school(request, org_id)
    classes = list(
        SchoolClass.objects.visible_to(request.user)
        .filter(organization=organization, academic_year__is_current=True)
        .order_by("grade", "letter")
    )
    chosen = request.GET.get("class", "")
    class_id = int(chosen) if chosen.isdigit() and int(chosen) in {c.pk for c in classes} else None
    paginator = Paginator(
        selectors.school_changes(organization.pk, school_class_id=class_id), PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "journal/timetable_changes.html",
        {
            "organization": organization,
            "classes": classes,
            "class_id": class_id,
            "page": page,
            "rows": [(c, lesson_service.change_summary(c)) for c in page],
        },
    )
