"""Pages of organization access and directors' authority (VER-1, VER-2, VER-3).

Public pages: the access request and the change-of-director start; the pages behind a private
link sent to the official email (the token is the access check: an unknown token is a 404).
The director's own pages fetch only the person's own pending position. The operator's queues
fetch through ``visible_to`` / ``editable_by`` of the access engine: another region is a 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts.models import User
from parta.core import access
from parta.core.audit import record_view
from parta.core.errors import DomainError, form_error
from parta.core.uploads import document_response
from parta.directory.models import Municipality, Organization, StaffPosition
from parta.onboarding import services
from parta.onboarding.forms import (
    AccessRequestForm,
    ChangeForm,
    ChangeStartForm,
    DecisionForm,
    DirectorForm,
    DocumentForm,
    QueueFilterForm,
)
from parta.onboarding.models import AccessRequest, DirectorChange, DirectorSubmission, Verdict
from parta.onboarding.pdf import request_form_pdf
from parta.onboarding.selectors import pending_director_positions
from parta.privacy.consents import consent_give, consent_in_force
from parta.privacy.texts import DIRECTOR_VERIFICATION

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    """The signed-in person (views that call it are behind ``login_required``)."""
    return cast(User, request.user)


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


# --- VER-1: the public request ---------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """VER-1: an organization without access fills in its request."""
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.RequestData(
            municipality_id=d["municipality"].pk,
            kind=d["kind"],
            name=d["name"],
            short_name=d["short_name"],
            inn=d["inn"],
            address=d["address"],
            official_email=d["official_email"],
            last_name=d["last_name"],
            first_name=d["first_name"],
            middle_name=d["middle_name"],
            phone=d["phone"],
        )
        try:
            access_request = services.access_request_submit(data=data, site_url=_site(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            request.session["onboarding_sent_to"] = services.mask_email(
                access_request.official_email
            )
            return redirect("onboarding_request_sent")
    return render(request, "onboarding/request_new.html", {"form": form})


@never_cache
@require_GET
def request_sent(request: HttpRequest) -> HttpResponse:
    """VER-1: where the link went (masked), and what to do next."""
    return render(
        request,
        "onboarding/request_sent.html",
        {"sent_to": request.session.get("onboarding_sent_to", "")},
    )


def _request_by_token(token: str) -> AccessRequest:
    access_request = services.access_request_by_token(token)
    if access_request is None:
        raise Http404
    return access_request


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the address: it must not leak to other sites or into shared caches.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def request_status(request: HttpRequest, token: str) -> HttpResponse:
    """VER-1: the organization's page behind the official email's link: status and upload."""
    access_request = _request_by_token(token)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.access_request_upload(
                access_request=access_request, upload=form.cleaned_data["document"]
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Форма загружена. Региональный оператор проверит её и ответит на эту почту."),
            )
            return redirect("onboarding_request_status", token)
    context = {
        "access_request": access_request,
        "token": token,
        "form": form,
        "steps": _request_steps(access_request),
        "can_upload": access_request.status
        in (AccessRequest.Status.SUBMITTED, AccessRequest.Status.UPLOADED),
    }
    return _private(render(request, "onboarding/request_status.html", context))


def _request_steps(r: AccessRequest) -> list[dict[str, Any]]:
    """The timeline the organization sees: each step, whether reached, and when."""
    S = AccessRequest.Status
    decided = r.status in (S.APPROVED, S.REJECTED)
    final_label = (
        _("Заявка отклонена")
        if r.status == S.REJECTED
        else _("Доступ предоставлен")
        if r.status == S.APPROVED
        else _("Решение регионального оператора")
    )
    return [
        {"label": _("Заявка подана"), "at": r.submitted_at, "done": True},
        {
            "label": _("Подписанная форма загружена"),
            "at": r.uploaded_at,
            "done": bool(r.uploaded_at),
        },
        {
            "label": _("На проверке у регионального оператора"),
            "at": r.review_started_at,
            "done": bool(r.review_started_at),
        },
        {
            "label": final_label,
            "at": r.decided_at,
            "done": decided,
            "rejected": r.status == S.REJECTED,
        },
    ]


@require_GET
def request_form_download(request: HttpRequest, token: str) -> HttpResponse:
    """VER-1: the prefilled request form to print, sign and stamp."""
    access_request = _request_by_token(token)
    response = HttpResponse(request_form_pdf(access_request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="zayavka-{access_request.pk}.pdf"'
    return _private(response)


# --- VER-2: the director confirms their authority ------------------------------------------
def _own_position(request: HttpRequest, position_id: int) -> StaffPosition:
    return get_object_or_404(pending_director_positions(request.user), pk=position_id)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def director_verify(request: HttpRequest, position_id: int) -> HttpResponse:
    """VER-2: consent first; then the identity form; then the state of what was sent."""
    position = _own_position(request, position_id)
    organization = position.organization
    consent = consent_in_force(request.user, DIRECTOR_VERIFICATION.key)
    submissions = list(
        DirectorSubmission.objects.filter(staff_position=position).order_by("-submitted_at")[:1]
    )
    last = submissions[0] if submissions else None
    pending = last is not None and last.status == Verdict.PENDING
    form = None
    if consent is not None and not pending:
        user = _me(request)
        source: Any = last or user
        initial = {
            "last_name": source.last_name,
            "first_name": source.first_name,
            "middle_name": source.middle_name,
            "position_title": last.position_title if last else _("Директор"),
            "snils": getattr(source, "snils", ""),
            "phone": getattr(source, "phone", ""),
            "email": getattr(source, "email", ""),
            "inn": last.inn if last else "",
        }
        form = DirectorForm(
            request.POST or None,
            request.FILES or None,
            organization=organization,
            initial=initial,
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            data = services.DirectorData(
                **{k: d[k] for k in ("last_name", "first_name", "middle_name", "position_title")},
                snils=d["snils"],
                phone=d["phone"],
                email=d["email"],
                inn=d["inn"],
            )
            try:
                services.director_submission_submit(
                    staff_position=position,
                    person=_me(request),
                    data=data,
                    upload=d.get("order_scan") or None,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Данные отправлены региональному оператору. Ответ придёт на вашу почту."),
                )
                return redirect("onboarding_director_verify", position.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "onboarding/director_verify.html",
        {
            "position": position,
            "organization": organization,
            "consent": consent,
            "purpose": DIRECTOR_VERIFICATION,
            "last": last,
            "pending": pending,
            "form": form,
        },
    )


@login_required
@require_POST
def director_consent(request: HttpRequest, position_id: int) -> HttpResponse:
    """VER-2: the consent to personal-data processing that opens the identity form."""
    position = _own_position(request, position_id)
    if request.POST.get("agree") != "yes":
        messages.error(request, _("Чтобы продолжить, отметьте согласие."))
        return redirect("onboarding_director_verify", position.pk)
    consent_give(person=request.user, purpose_key=DIRECTOR_VERIFICATION.key, by=request.user)
    return redirect("onboarding_director_verify", position.pk)


# --- VER-3: the change of director -----------------------------------------------------------
def _change_data(form: ChangeForm) -> services.ChangeData:
    d = form.cleaned_data
    return services.ChangeData(
        inn=d["inn"],
        order_number=d["order_number"],
        order_date=d["order_date"],
        last_name=d["last_name"],
        first_name=d["first_name"],
        middle_name=d["middle_name"],
        email=d["email"],
        phone=d["phone"],
        snils=d["snils"],
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def change_cabinet(request: HttpRequest, organization_id: int) -> HttpResponse:
    """VER-3: the current director submits the order appointing their successor."""
    organization = get_object_or_404(
        Organization.objects.filter(
            access.allowed(request.user, "onboarding_organization", "change_director")
        ).select_related("municipality__region"),
        pk=organization_id,
    )
    changes = list(
        DirectorChange.objects.visible_to(request.user)
        .filter(organization=organization)
        .exclude(status=DirectorChange.Status.LINK_SENT)
        .order_by("-created_at")[:5]
    )
    waiting = next((c for c in changes if c.status == DirectorChange.Status.SUBMITTED), None)
    form = None
    if waiting is None:
        form = ChangeForm(request.POST or None, request.FILES or None, organization=organization)
        if request.method == "POST" and form.is_valid():
            try:
                services.director_change_submit(
                    organization=organization,
                    data=_change_data(form),
                    upload=form.cleaned_data["order_scan"],
                    submitted_by=_me(request),
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Приказ отправлен региональному оператору."))
                return redirect("onboarding_change_cabinet", organization.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "onboarding/change_cabinet.html",
        {"organization": organization, "changes": changes, "waiting": waiting, "form": form},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def change_start(request: HttpRequest) -> HttpResponse:
    """VER-3, public side: the INN; the link goes to the organization's official email."""
    form = ChangeStartForm(request.POST or None)
    sent_to = ""
    if request.method == "POST" and form.is_valid():
        try:
            _change, sent_to = services.director_change_link_send(
                inn=form.cleaned_data["inn"], site_url=_site(request)
            )
        except DomainError as exc:
            form_error(form, exc)
    return render(request, "onboarding/change_start.html", {"form": form, "sent_to": sent_to})


@never_cache
@require_http_methods(["GET", "POST"])
def change_public(request: HttpRequest, token: str) -> HttpResponse:
    """VER-3, public side: the form behind the official email's link, then its state."""
    try:
        change = services.director_change_by_token(token)
    except DomainError as exc:
        # An expired link says so (and where to ask for a new one) rather than "not found".
        page = render(
            request, "onboarding/change_public.html", {"expired": str(exc.message)}, status=410
        )
        return _private(page)
    if change is None:
        raise Http404
    organization = change.organization
    form = None
    if change.status == DirectorChange.Status.LINK_SENT:
        form = ChangeForm(request.POST or None, request.FILES or None, organization=organization)
        if request.method == "POST" and form.is_valid():
            try:
                services.director_change_submit(
                    organization=organization,
                    data=_change_data(form),
                    upload=form.cleaned_data["order_scan"],
                    via_link=change,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Приказ отправлен региональному оператору."))
                return redirect("onboarding_change_public", token)
    elif request.method == "POST":
        raise Http404
    return _private(
        render(
            request,
            "onboarding/change_public.html",
            {"organization": organization, "change": change, "form": form},
        )
    )


# --- The operator's queues -------------------------------------------------------------------
def _municipalities(request: HttpRequest) -> QuerySet[Municipality]:
    return Municipality.objects.visible_to(request.user).select_related("region")


def _queue(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    statuses: list[tuple[str, Any]],
    municipality_field: str,
    default_status: str,
) -> dict[str, Any]:
    """Filters, counts by status (one query) and one page of rows (two queries)."""
    municipalities = _municipalities(request)
    data = request.GET.copy()
    data.setdefault("status", default_status)
    form = QueueFilterForm(data, statuses=statuses, municipalities=municipalities)
    form.is_valid()
    chosen = form.cleaned_data.get("municipality")
    base = queryset
    if chosen is not None:
        base = base.filter(**{municipality_field: chosen.pk})
    counts = base.aggregate(
        **{code: Count("pk", filter=Q(status=code)) for code, _label in statuses}
    )
    status = form.cleaned_data.get("status") or ""
    rows = base.filter(status=status) if status else base
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "counts": [(code, label, counts[code]) for code, label in statuses],
        "total": sum(counts.values()),
        "status": status,
        "page": page,
        "query": query.urlencode(),
    }


@login_required
@access.cabinet("onboarding_operator_requests")
@require_GET
def operator_requests(request: HttpRequest) -> HttpResponse:
    """VER-1: the queue of access requests of the operator's region."""
    queryset = (
        AccessRequest.objects.visible_to(request.user)
        .select_related("municipality")
        .order_by("submitted_at")
    )
    context = _queue(
        request,
        queryset,
        statuses=list(AccessRequest.Status.choices),
        municipality_field="municipality_id",
        default_status=AccessRequest.Status.UPLOADED,
    )
    return render(request, "onboarding/operator_requests.html", context)


def _decide(
    request: HttpRequest,
    form: DecisionForm,
    approve: Any,
    reject: Any,
    done: dict[str, str],
) -> bool:
    """Run the operator's decision; ``True`` when it went through."""
    if not form.is_valid():
        return False
    try:
        if form.cleaned_data["decision"] == "approve":
            approve()
            messages.success(request, done["approve"])
        else:
            reject(form.cleaned_data["reason"])
            messages.success(request, done["reject"])
    except DomainError as exc:
        form_error(form, exc)
        return False
    return True


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def operator_request(request: HttpRequest, request_id: int) -> HttpResponse:
    """VER-1: one request: the data, the uploaded scan, approve or reject."""
    access_request = get_object_or_404(
        AccessRequest.objects.editable_by(request.user).select_related(
            "municipality__region", "decided_by", "director"
        ),
        pk=request_id,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        user = _me(request)
        if _decide(
            request,
            form,
            lambda: services.access_request_approve(
                access_request=access_request, by=user, site_url=_site(request)
            ),
            lambda reason: services.access_request_reject(
                access_request=access_request, by=user, reason=reason, site_url=_site(request)
            ),
            {
                "approve": _(
                    "Доступ предоставлен; логин и пароль отправлены на официальную почту."
                ),
                "reject": _("Заявка отклонена; причина отправлена на официальную почту."),
            },
        ):
            return redirect("onboarding_operator_request", access_request.pk)
    elif access_request.status == AccessRequest.Status.UPLOADED:
        services.access_request_review_start(access_request=access_request)
    # What Parta already knows under this INN, and earlier requests of it.
    known = (
        Organization.objects.visible_to(request.user)
        .filter(inn=access_request.inn)
        .select_related("municipality")
        .first()
    )
    earlier = list(
        AccessRequest.objects.visible_to(request.user)
        .filter(inn=access_request.inn)
        .exclude(pk=access_request.pk)
        .order_by("-submitted_at")[:5]
    )
    return render(
        request,
        "onboarding/operator_request.html",
        {
            "r": access_request,
            "form": form,
            "steps": _request_steps(access_request),
            "known": known,
            "earlier": earlier,
        },
    )


@login_required
@require_GET
def operator_request_scan(request: HttpRequest, request_id: int) -> HttpResponseBase:
    """VER-1: the signed form, after the access check."""
    access_request = get_object_or_404(
        AccessRequest.objects.visible_to(request.user), pk=request_id
    )
    if not access_request.form_scan:
        raise Http404
    return document_response(access_request.form_scan, f"zayavka-{access_request.pk}")


@login_required
@access.cabinet("onboarding_operator_directors")
@require_GET
def operator_directors(request: HttpRequest) -> HttpResponse:
    """VER-2: the queue of directors' identity submissions of the region."""
    queryset = (
        DirectorSubmission.objects.visible_to(request.user)
        .select_related("organization__municipality")
        .order_by("submitted_at")
    )
    context = _queue(
        request,
        queryset,
        statuses=list(Verdict.choices),
        municipality_field="organization__municipality_id",
        default_status=Verdict.PENDING,
    )
    return render(request, "onboarding/operator_directors.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def operator_director(request: HttpRequest, submission_id: int) -> HttpResponse:
    """VER-2: one director's data; confirm (the role appears) or reject with a reason."""
    submission = get_object_or_404(
        DirectorSubmission.objects.editable_by(request.user).select_related(
            "organization__municipality", "person", "staff_position", "decided_by", "consent"
        ),
        pk=submission_id,
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        user = _me(request)
        if _decide(
            request,
            form,
            lambda: services.director_submission_confirm(
                submission=submission, by=user, site_url=_site(request)
            ),
            lambda reason: services.director_submission_reject(
                submission=submission, by=user, reason=reason, site_url=_site(request)
            ),
            {
                "approve": _("Руководитель подтверждён."),
                "reject": _("Данные отклонены; руководитель увидит причину."),
            },
        ):
            return redirect("onboarding_operator_director", submission.pk)
    record_view(request, [submission.person_id], "onboarding_director_submission")
    org = submission.organization
    checks = {
        "inn": submission.inn == org.inn,
        "name": submission.full_name.casefold() == submission.person.full_name.casefold(),
    }
    return render(
        request,
        "onboarding/operator_director.html",
        {"s": submission, "form": form, "checks": checks},
    )


@login_required
@require_GET
def operator_director_scan(request: HttpRequest, submission_id: int) -> HttpResponseBase:
    submission = get_object_or_404(
        DirectorSubmission.objects.visible_to(request.user), pk=submission_id
    )
    if not submission.order_scan:
        raise Http404
    record_view(request, [submission.person_id], "onboarding_director_order")
    return document_response(submission.order_scan, f"prikaz-{submission.pk}")


@login_required
@access.cabinet("onboarding_operator_changes")
@require_GET
def operator_changes(request: HttpRequest) -> HttpResponse:
    """VER-3: the queue of changes of director of the region."""
    queryset = (
        DirectorChange.objects.visible_to(request.user)
        .exclude(status=DirectorChange.Status.LINK_SENT)
        .select_related("organization__municipality")
        .order_by("submitted_at")
    )
    statuses = [
        (code, label)
        for code, label in DirectorChange.Status.choices
        if code != DirectorChange.Status.LINK_SENT
    ]
    context = _queue(
        request,
        queryset,
        statuses=statuses,
        municipality_field="organization__municipality_id",
        default_status=DirectorChange.Status.SUBMITTED,
    )
    return render(request, "onboarding/operator_changes.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def operator_change(request: HttpRequest, change_id: int) -> HttpResponse:
    """VER-3: one order; apply it (the director changes at once) or reject with a reason."""
    change = get_object_or_404(
        DirectorChange.objects.editable_by(request.user)
        .exclude(status=DirectorChange.Status.LINK_SENT)
        .select_related(
            "organization__municipality", "submitted_by", "decided_by", "new_director",
            "old_director",
        ),
        pk=change_id,
    )  # fmt: skip
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        user = _me(request)
        if _decide(
            request,
            form,
            lambda: services.director_change_apply(change=change, by=user, site_url=_site(request)),
            lambda reason: services.director_change_reject(
                change=change, by=user, reason=reason, site_url=_site(request)
            ),
            {
                "approve": _("Руководитель сменён; новый руководитель получил письмо."),
                "reject": _("Приказ отклонён; причина отправлена организации."),
            },
        ):
            return redirect("onboarding_operator_change", change.pk)
    current = list(
        StaffPosition.objects.filter(
            organization_id=change.organization_id,
            position=StaffPosition.Position.DIRECTOR,
            is_active=True,
        ).select_related("person")
    )
    candidate, candidate_problem = None, ""
    if change.status == DirectorChange.Status.SUBMITTED:
        try:
            candidate = services.director_change_candidate(change)
        except DomainError as exc:
            candidate_problem = str(exc.message)
    record_view(
        request,
        [p.person_id for p in current] + [change.new_director_id, change.old_director_id],
        "onboarding_director_change",
    )
    return render(
        request,
        "onboarding/operator_change.html",
        {
            "c": change,
            "form": form,
            "current": current,
            "candidate": candidate,
            "candidate_problem": candidate_problem,
        },
    )


@login_required
@require_GET
def operator_change_scan(request: HttpRequest, change_id: int) -> HttpResponseBase:
    change = get_object_or_404(DirectorChange.objects.editable_by(request.user), pk=change_id)
    if not change.order_scan:
        raise Http404
    return document_response(change.order_scan, f"prikaz-{change.pk}")
