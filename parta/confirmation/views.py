"""Pages of confirmation (VER-4, VER-5). Thin: the rules live in ``services``.

- Anyone signed in: their places and claims, claiming a place at a school, withdrawing a
  claim that still waits.
- The confirmed director: the table of staff claims, decisions in batches, reports.
- A confirmed class teacher: the table of student claims of their classes.
- The municipal authority and the regional operator: the reports of their organizations.
Every object is fetched through the policy; whatever a person may not see is a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.confirmation import selectors, services
from parta.confirmation.forms import (
    ClaimFilterForm,
    DecideForm,
    SchoolSearchForm,
    StaffClaimForm,
    StudyClaimForm,
)
from parta.confirmation.models import Decision
from parta.confirmation.pdf import report_pdf
from parta.core.access import cabinet
from parta.core.audit import record_view
from parta.core.errors import DomainError, form_error
from parta.directory.models import (
    Confirmation,
    Enrollment,
    Organization,
    SchoolClass,
    StaffPosition,
)

PAGE_SIZE = 100
SEARCH_LIMIT = 20


# --- the person's own places ---------------------------------------------------------------
@login_required
@require_GET
def my_places(request: HttpRequest) -> HttpResponse:
    positions, enrollments = selectors.my_claims(request.user)
    return render(
        request,
        "confirmation/my_places.html",
        {"positions": positions, "enrollments": enrollments, "Confirmation": Confirmation},
    )


def _claimable_organizations() -> Any:
    return Organization.objects.filter(is_active=True).select_related("municipality")


@login_required
@require_GET
def claim_start(request: HttpRequest) -> HttpResponse:
    """Find the school by name or INN (the names of schools are public)."""
    form = SchoolSearchForm(request.GET or None)
    results: list[Organization] = []
    searched = False
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        query = " ".join(form.cleaned_data["q"].split())
        organizations = _claimable_organizations().order_by("short_name")
        digits = "".join(ch for ch in query if ch.isdigit())
        if len(digits) >= 4 and len(digits) == len(query.replace(" ", "")):
            results = list(organizations.filter(inn__startswith=digits)[:SEARCH_LIMIT])
        else:
            # The phrase as typed first ("школа № 1"), else every word anywhere in the name.
            phrase = Q(name__icontains=query) | Q(short_name__icontains=query)
            results = list(organizations.filter(phrase)[:SEARCH_LIMIT])
            if not results:
                words = Q()
                for word in query.split()[:5]:
                    words &= Q(name__icontains=word) | Q(short_name__icontains=word)
                results = list(organizations.filter(words)[:SEARCH_LIMIT])
    return render(
        request,
        "confirmation/claim_start.html",
        {"form": form, "results": results, "searched": searched, "limit": SEARCH_LIMIT},
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_work(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(_claimable_organizations(), pk=organization_id)
    form = StaffClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_claim(
                person=request.user,
                organization=organization,
                position=form.cleaned_data["position"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Заявка отправлена. Директор «%(org)s» подтвердит её или напишет причину отказа.")
                % {"org": organization.short_name},
            )
            return redirect("confirmation_my_places")
    return render(
        request, "confirmation/claim_work.html", {"form": form, "organization": organization}
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim_study(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = get_object_or_404(_claimable_organizations(), pk=organization_id)
    form = StudyClaimForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        school_class: SchoolClass = form.cleaned_data["school_class"]
        try:
            services.enrollment_claim(person=request.user, school_class=school_class)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Заявка отправлена. Классный руководитель %(name)s подтвердит её или "
                    "напишет причину отказа."
                )
                % {"name": school_class.name},
            )
            return redirect("confirmation_my_places")
    return render(
        request, "confirmation/claim_study.html", {"form": form, "organization": organization}
    )


@login_required
@require_POST
def claim_withdraw(request: HttpRequest, kind: str, claim_id: int) -> HttpResponse:
    """The person's own claim only: anyone else's is a 404, like a claim that does not exist."""
    if kind == Decision.Kind.STAFF:
        claim: StaffPosition | Enrollment = get_object_or_404(
            selectors.own_positions(request.user), pk=claim_id
        )
    elif kind == Decision.Kind.STUDENT:
        claim = get_object_or_404(selectors.own_enrollments(request.user), pk=claim_id)
    else:
        raise Http404
    try:
        services.claim_withdraw(claim=claim)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Заявка отозвана."))
    return redirect("confirmation_my_places")


# --- deciding claims (VER-4) ------------------------------------------------------------------
def _query(request: HttpRequest) -> str:
    """The filters of the page as a query string, without the page number."""
    return urlencode(
        [(k, v) for k, v in request.GET.items() if k in ("status", "group", "q") and v]
    )


def _claims_page(
    request: HttpRequest,
    *,
    template: str,
    subject: str,
    what: str,
    groups: list[tuple[str, str]],
    group_label: str,
    fetch: Any,
    decide: Any,
    extra: dict[str, Any],
) -> HttpResponse:
    filters = ClaimFilterForm(request.GET, groups=groups, group_label=group_label)
    status, group, q = filters.value("status"), filters.value("group"), filters.value("q")
    decide_form = DecideForm(request.POST or None)
    ticked: set[str] = set()
    if request.method == "POST":
        ticked = set(request.POST.getlist("ids"))
        verdict = request.POST.get("verdict", "")
        try:
            result = decide(
                decider=request.user,
                ids=request.POST.getlist("ids"),
                verdict=verdict,
                reason=request.POST.get("reason", ""),
                site_url=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            decide_form.is_valid()
            decide_form.add_error("reason" if exc.field == "reason" else None, str(exc.message))
        else:
            if result.verdict == Decision.Verdict.CONFIRMED:
                text = ngettext(
                    "Подтверждена %(n)s заявка.", "Подтверждено заявок: %(n)s.", result.decided
                )
            else:
                text = ngettext(
                    "Отклонена %(n)s заявка.", "Отклонено заявок: %(n)s.", result.decided
                )
            messages.success(request, text % {"n": result.decided})
            if result.ignored:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s отмеченная строка уже решена или недоступна — она не изменена.",
                        "%(n)s отмеченных строк уже решены или недоступны — они не изменены.",
                        result.ignored,
                    )
                    % {"n": result.ignored},
                )
            query = _query(request)
            return redirect(f"{request.path}?{query}" if query else request.path)
    elif request.GET.get("select") == "all":
        ticked = {"*"}
    claims = fetch(request.user, status=status, group=group, q=q)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # 152-FZ: the staff see these people's names and birth dates.
    record_view(request, [getattr(r, subject) for r in rows], what)
    context = {
        "filters": filters,
        "decide_form": decide_form,
        "page": page,
        "rows": rows,
        "ticked": _ticked(rows, ticked),
        "status": status,
        "query": _query(request),
        "pending_shown": any(r.status == Confirmation.PENDING for r in rows),
        "Confirmation": Confirmation,
        **extra,
    }
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _ticked(rows: list[Any], ticked: set[str]) -> set[int]:
    if "*" in ticked:
        return {r.pk for r in rows}
    return {r.pk for r in rows if str(r.pk) in ticked}


@login_required
@cabinet("confirmation_staff")
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """VER-4: the director's table of staff claims; one POST decides the ticked rows."""

    def fetch(user: Any, *, status: str, group: str, q: str) -> Any:
        return selectors.staff_claims(user, status=status, position=group, q=q)

    response = _claims_page(
        request,
        template="confirmation/staff.html",
        subject="person_id",
        what="confirmation_staff",
        groups=[(p.value, str(p.label)) for p in services.CLAIMABLE_POSITIONS],
        group_label=_("Должность"),
        fetch=fetch,
        decide=services.staff_decide,
        extra={"organizations": selectors.director_organizations(request.user)},
    )
    return response


@login_required
@cabinet("confirmation_students")
@require_http_methods(["GET", "POST"])
def students(request: HttpRequest) -> HttpResponse:
    """VER-4: a class teacher's table of student claims of their own classes."""

    def fetch(user: Any, *, status: str, group: str, q: str) -> Any:
        return selectors.student_claims(user, status=status, class_id=group, q=q)

    classes = selectors.led_classes(request.user)
    return _claims_page(
        request,
        template="confirmation/students.html",
        subject="student_id",
        what="confirmation_students",
        groups=classes,
        group_label=_("Класс"),
        fetch=fetch,
        decide=services.students_decide,
        extra={"classes": classes},
    )


# --- reports (VER-5) --------------------------------------------------------------------------
@login_required
@cabinet("confirmation_reports")
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    organizations = selectors.director_organizations(request.user)
    by_organization: dict[int, list[Any]] = {org_id: [] for org_id, _name in organizations}
    for decision in selectors.unreported_decisions(request.user, by_organization):
        by_organization[decision.organization_id].append(decision)
    unreported = [(org_id, name, by_organization[org_id]) for org_id, name in organizations]
    page = Paginator(selectors.reports_for(request.user), 50).get_page(request.GET.get("page"))
    shown = {d.person_id for _id, _name, items in unreported for d in items}
    record_view(request, shown, "confirmation_decisions")
    return render(
        request,
        "confirmation/reports.html",
        {"unreported": unreported, "page": page, "query": ""},
    )


@login_required
@cabinet("confirmation_report_send")
@require_POST
def report_send(request: HttpRequest) -> HttpResponse:
    """VER-5: the director sends the unreported decisions of one of their organizations."""
    allowed = {org_id for org_id, _name in selectors.director_organizations(request.user)}
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404 from None
    if organization_id not in allowed:
        raise Http404
    organization = get_object_or_404(
        Organization.objects.visible_to(request.user), pk=organization_id
    )
    try:
        report = services.report_send(
            organization=organization,
            sent_by=request.user,
            site_url=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        messages.info(request, str(exc.message))
        return redirect("confirmation_reports")
    messages.success(
        request,
        ngettext(
            "Отчёт отправлен: %(n)s решение.",
            "Отчёт отправлен: решений — %(n)s.",
            report.decisions_count,
        )
        % {"n": report.decisions_count},
    )
    return redirect("confirmation_report", report.pk)


def _report(request: HttpRequest, report_id: int) -> Any:
    return get_object_or_404(
        selectors.reports_for(request.user).select_related("organization__municipality"),
        pk=report_id,
    )


@login_required
@require_GET
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    item = _report(request, report_id)
    decisions = list(selectors.report_decisions(item))
    record_view(request, [d.person_id for d in decisions], "confirmation_report")
    return render(request, "confirmation/report.html", {"report": item, "decisions": decisions})


@login_required
@require_GET
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    item = _report(request, report_id)
    decisions = list(selectors.report_decisions(item))
    record_view(request, [d.person_id for d in decisions], "confirmation_report")
    response = HttpResponse(
        report_pdf(report=item, decisions=decisions), content_type="application/pdf"
    )
    filename = services.report_filename(item)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response
