"""Sign-in through ESIA / Gosuslugi and linking it to an account (ACC-4).

Every view answers 404 while the provider is not configured (``oidc.enabled``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from parta.accounts import throttle
from parta.accounts.models import User
from parta.core.access import cabinet
from parta.core.audit import record_view
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, Guardianship, StaffPosition
from parta.esia import oidc, services
from parta.esia.forms import LinkByPasswordForm, LinkRequestForm, RejectForm, UnlinkForm
from parta.esia.models import EsiaLink, LinkCandidate

logger = logging.getLogger(__name__)

SESSION_IDENTITY = "esia_identity"
# How long the portal's answer may wait for the person to link it.
_IDENTITY_SECONDS = 30 * 60


def esia_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc.enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _person(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the views below are behind login_required
        raise Http404
    return user


def _error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(request, "esia/error.html", {"message": message}, status=status)


# --- the flow ------------------------------------------------------------------------------
@esia_enabled
@require_GET
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    """Send the person to the portal (ACC-4)."""
    next_url = _safe_next(request, request.GET.get("next"))
    try:
        url = oidc.begin(
            request,
            redirect_uri=request.build_absolute_uri(reverse("esia_callback")),
            next_url=next_url,
        )
    except oidc.OidcError as exc:
        logger.warning("ESIA sign-in could not start: %s", exc.code)
        return _error(request, str(exc.message), status=503)
    return redirect(url)


@esia_enabled
@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The portal sends the person back here; check everything, then sign in or link."""
    try:
        completed = oidc.complete(request)
    except oidc.OidcError as exc:
        logger.warning("ESIA sign-in refused: %s", exc.code)
        status = 503 if exc.code in {"unavailable", "metadata"} else 400
        return _error(request, str(exc.message), status=status)
    identity = completed.identity
    link = services.link_of(identity)
    if link is not None:
        request.session.pop(SESSION_IDENTITY, None)
        try:
            return services.esia_sign_in(request, link=link, next_url=completed.next_url)
        except DomainError as exc:
            return _error(request, str(exc.message), status=403)
    request.session[SESSION_IDENTITY] = {
        **identity.to_session(),
        "at": time.time(),
        "next": completed.next_url,
    }
    return redirect("esia_link")


def _pending_identity(request: HttpRequest) -> tuple[oidc.Identity, str] | None:
    data = request.session.get(SESSION_IDENTITY)
    if not isinstance(data, dict) or data.get("at", 0) < time.time() - _IDENTITY_SECONDS:
        return None
    return oidc.Identity.from_session(data), str(data.get("next") or "")


@esia_enabled
@never_cache
def link(request: HttpRequest) -> HttpResponse:
    """Link the portal identity to an account: by its password, or by asking the school."""
    pending = _pending_identity(request)
    if pending is None:
        messages.info(request, _("Начните вход через Госуслуги заново."))
        return redirect("account_login")
    identity, next_url = pending
    password_form = LinkByPasswordForm(prefix="password")
    request_form = LinkRequestForm(prefix="request")
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "password":
        password_form = LinkByPasswordForm(request.POST, prefix="password")
        if password_form.is_valid():
            response = _link_by_password(request, password_form, identity, next_url)
            if response is not None:
                return response
    elif action == "request":
        request_form = LinkRequestForm(request.POST, prefix="request")
        if request_form.is_valid():
            try:
                services.link_request_create(
                    identity=identity, message=request_form.cleaned_data["message"]
                )
            except DomainError as exc:
                request_form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _(
                        "Заявка отправлена в школу. Когда администрация её подтвердит, "
                        "войдите через Госуслуги ещё раз."
                    ),
                )
                return redirect("esia_link")
    last_request = services.pending_request_of(identity)
    return render(
        request,
        "esia/link.html",
        {
            "identity": identity,
            "password_form": password_form,
            "request_form": request_form,
            "last_request": last_request,
            "snils_display": oidc_snils(identity),
        },
    )


def oidc_snils(identity: oidc.Identity) -> str:
    from parta.core.validators import format_snils

    return format_snils(identity.snils) if identity.snils else ""


def _link_by_password(
    request: HttpRequest, form: LinkByPasswordForm, identity: oidc.Identity, next_url: str
) -> HttpResponse | None:
    """Check the password under the sign-in throttle; link and sign in, or add the error."""
    login = form.cleaned_data["login"]
    attempt = throttle.attempt_for(request, login)
    wait = throttle.retry_after(attempt)
    if wait:
        form.add_error(None, throttle.throttled_message(wait))
        return None
    user = authenticate(request, login=login, password=form.cleaned_data["password"])
    if not isinstance(user, User):
        throttle.record_failure(attempt)
        form.add_error(
            None,
            _(
                "Неверный логин или пароль. Проверьте раскладку клавиатуры и не включён ли "
                "Caps Lock."
            ),
        )
        return None
    try:
        esia_link = services.link_by_password(identity=identity, user=user)
        request.session.pop(SESSION_IDENTITY, None)
        response = services.esia_sign_in(request, link=esia_link, next_url=next_url)
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return None
    messages.success(request, _("Госуслуги связаны с вашей учётной записью Парты."))
    return response


# --- one's own linked sign-ins ---------------------------------------------------------------
@esia_enabled
@login_required
@never_cache
def links(request: HttpRequest) -> HttpResponse:
    """The person's linked portal sign-ins, each with "unlink" (ACC-4, ACC-8)."""
    return _links_page(request)


def _links_page(
    request: HttpRequest, *, failed: int | None = None, form: UnlinkForm | None = None
) -> HttpResponse:
    own = list(EsiaLink.objects.owned_by(request.user).select_related("confirmed_by"))
    rows = [
        (item, form if item.pk == failed and form else UnlinkForm(prefix=f"u{item.pk}"))
        for item in own
    ]
    return render(
        request,
        "esia/links.html",
        {"rows": rows, "button_label": oidc.button_label()},
        status=400 if failed else 200,
    )


@esia_enabled
@login_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    item = EsiaLink.objects.owned_by(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    form = UnlinkForm(request.POST, prefix=f"u{pk}")
    if form.is_valid():
        try:
            services.link_remove(
                link_id=pk, user=_person(request), password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            form.add_error("password" if exc.field == "password" else None, str(exc.message))
        else:
            messages.success(request, _("Вход через Госуслуги отвязан от учётной записи."))
            return redirect("esia_links")
    return _links_page(request, failed=pk, form=form)


# --- the school's queue --------------------------------------------------------------------
@esia_enabled
@login_required
@cabinet("esia_queue")
@never_cache
def queue(request: HttpRequest) -> HttpResponse:
    """Requests to link a portal sign-in to an account of this school (ACC-4)."""
    return _queue_page(request)


def _queue_page(
    request: HttpRequest, *, failed: int | None = None, form: RejectForm | None = None
) -> HttpResponse:
    candidates = list(
        LinkCandidate.objects.visible_to(request.user)
        .filter(request__status="pending")
        .select_related("request", "user", "organization")
        .order_by("request__created_at", "pk")
    )
    places = _places(candidates)
    rows = [
        {
            "candidate": c,
            "places": places.get((c.user_id, c.organization_id), []),
            "reject_form": form if c.pk == failed and form else RejectForm(prefix=f"r{c.pk}"),
        }
        for c in candidates
    ]
    record_view(request, [c.user_id for c in candidates], "esia_link_requests")
    return render(request, "esia/queue.html", {"rows": rows}, status=400 if failed else 200)


def _places(candidates: list[LinkCandidate]) -> dict[tuple[int, int], list[str]]:
    """Who each candidate is at the school, in three queries whatever their number."""
    people = {c.user_id for c in candidates}
    orgs = {c.organization_id for c in candidates}
    found: dict[tuple[int, int], list[str]] = {}
    if not people:
        return found
    enrolments: QuerySet[Enrollment] = (
        Enrollment.objects.current()
        .filter(student_id__in=people, school_class__organization_id__in=orgs)
        .select_related("school_class")
    )
    for e in enrolments:
        found.setdefault((e.student_id, e.school_class.organization_id), []).append(
            _("ученик, класс %(class)s") % {"class": e.school_class.name}
        )
    for s in StaffPosition.objects.confirmed().filter(
        person_id__in=people, organization_id__in=orgs
    ):
        found.setdefault((s.person_id, s.organization_id), []).append(s.get_position_display())
    children = Enrollment.objects.current().filter(
        school_class__organization_id__in=orgs,
        student_id__in=Guardianship.objects.filter(guardian_id__in=people).values("child_id"),
    )
    wards = Guardianship.objects.filter(
        guardian_id__in=people, child_id__in=children.values("student_id")
    ).select_related("child")
    child_classes = {e.student_id: e.school_class for e in children.select_related("school_class")}
    for g in wards:
        klass = child_classes.get(g.child_id)
        if klass is None:
            continue
        found.setdefault((g.guardian_id, klass.organization_id), []).append(
            _("родитель: %(child)s, класс %(class)s")
            % {"child": g.child.full_name, "class": klass.name}
        )
    return found


@esia_enabled
@login_required
@cabinet("esia_queue")
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    if not LinkCandidate.objects.editable_by(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        esia_link = services.link_request_confirm(candidate_id=pk, by=_person(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Связь подтверждена: %(name)s может входить через Госуслуги.")
            % {"name": esia_link.user.full_name},
        )
    return redirect("esia_queue")


@esia_enabled
@login_required
@cabinet("esia_queue")
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    if not LinkCandidate.objects.editable_by(request.user).filter(pk=pk).exists():
        raise Http404
    form = RejectForm(request.POST, prefix=f"r{pk}")
    if form.is_valid():
        try:
            services.link_request_reject(
                candidate_id=pk, by=_person(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error("reason" if exc.field == "reason" else None, str(exc.message))
        else:
            messages.success(request, _("Заявка отклонена."))
            return redirect("esia_queue")
    return _queue_page(request, failed=pk, form=form)
