"""Login settings (ACC-8) and the organization's two-factor rule (MFA).

Everything under /settings/ except the organizations' rule is about the signed-in person's
own account: it reads and writes ``request.user`` only, so there is nobody else's data to
reach. The rule is set through ``SecurityPolicy``'s policy in ``parta.security.access``.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts.models import User
from parta.core import access
from parta.core.access import cabinet
from parta.core.errors import DomainError
from parta.directory.models import Confirmation, Organization, StaffPosition
from parta.security import services
from parta.security.forms import NameForm, PhoneCodeForm, PhoneForm, SecurityPolicyForm
from parta.security.middleware import record_session, refresh
from parta.security.models import NameChange, PhoneCode
from parta.security.templatetags.security import phone_display

POLICY_PAGE_SIZE = 50
_DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def sessions_of(request: HttpRequest, user: User) -> list[UserSession]:
    """The person's live sessions: this device first, then the most recently seen (ACC-8).

    A fixed number of queries however many sessions there are: with database sessions the
    ones that expired or were ended are dropped in one statement (allauth's own list checks
    them one by one).
    """
    record_session(request)  # this device is always in the list, with its current address
    current = request.session.session_key
    mine = UserSession.objects.filter(user_id=user.pk)
    if settings.SESSION_ENGINE in _DB_SESSION_ENGINES:
        live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
        mine.exclude(session_key__in=live).delete()
        found = list(mine.order_by("-last_seen_at", "-pk"))
    else:
        found = sorted(
            UserSession.objects.purge_and_list(user), key=lambda s: s.last_seen_at, reverse=True
        )
    return sorted(found, key=lambda s: s.session_key != current)


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    """ACC-8: name, password, phone, two-factor sign-in, sessions — one page."""
    user = _me(request)
    pending = PhoneCode.objects.owned_by(user).open().first()
    totp = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).first()
    return render(
        request,
        "security/settings.html",
        {
            "pending_code": pending,
            "totp": totp,
            "mfa_required": services.mfa_required_by_organization(user),
            "sessions": sessions_of(request, user),
            "last_name_change": NameChange.objects.filter(person_id=user.pk).first(),
            "may_set_policies": access.may(user, "security_policy", "change"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def name_page(request: HttpRequest) -> HttpResponse:
    """ACC-8: change one's name; the history of changes stays below the form."""
    user = _me(request)
    initial = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "middle_name": user.middle_name,
    }
    form = NameForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.name_change(person=user, by=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field, str(exc.message))
        else:
            if record is None:
                messages.info(request, _("Имя не изменилось."))
            else:
                messages.success(
                    request, _("Имя изменено: %(name)s.") % {"name": record.new_full_name}
                )
            return redirect("security_settings")
    history = NameChange.objects.filter(person_id=user.pk).select_related("changed_by")[:20]
    return render(request, "security/name.html", {"form": form, "history": history})


@login_required
@require_http_methods(["GET", "POST"])
def phone_page(request: HttpRequest) -> HttpResponse:
    """ACC-8: type a new number; Parta sends a code by SMS to it."""
    user = _me(request)
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_code_send(person=user, phone=form.cleaned_data["phone"])
        except DomainError as exc:
            form.add_error("phone", str(exc.message))
        else:
            messages.success(request, _("Код отправлен. Введите его, чтобы подтвердить номер."))
            return redirect("security_phone_confirm")
    return render(request, "security/phone.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def phone_confirm(request: HttpRequest) -> HttpResponse:
    """ACC-8: the code from the SMS sets the new number."""
    user = _me(request)
    pending = PhoneCode.objects.owned_by(user).open().first()
    form = PhoneCodeForm(request.POST or None, minutes=settings.PARTA_PHONE_CODE_MINUTES)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.phone_code_confirm(person=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
            pending = PhoneCode.objects.owned_by(user).open().first()
        else:
            messages.success(
                request, _("Номер %(phone)s подтверждён.") % {"phone": phone_display(person.phone)}
            )
            return redirect("security_settings")
    if pending is None and request.method == "GET":
        messages.info(request, _("Действующего кода нет. Введите номер, и мы пришлём новый код."))
        return redirect("security_phone")
    return render(
        request,
        "security/phone_confirm.html",
        {
            "form": form,
            "pending": pending,
            "resend_form": PhoneForm(initial={"phone": pending.phone if pending else ""}),
        },
    )


@login_required
@require_POST
def phone_remove(request: HttpRequest) -> HttpResponse:
    user = _me(request)
    services.phone_remove(person=user)
    messages.success(request, _("Номер телефона удалён из учётной записи."))
    return redirect("security_settings")


@login_required
@require_POST
def sessions_end(request: HttpRequest) -> HttpResponse:
    """ACC-8: sign out on every other device."""
    ended = services.sessions_end_others(request=request, user=_me(request))
    if ended:
        messages.success(
            request,
            ngettext(
                "Выполнен выход на %(n)d другом устройстве.",
                "Выполнен выход на %(n)d других устройствах.",
                ended,
            )
            % {"n": ended},
        )
    else:
        messages.info(request, _("Других активных сеансов нет."))
    return redirect("security_settings")


@login_required
@require_GET
def mfa_required(request: HttpRequest) -> HttpResponse:
    """MFA: why the person is here, and the way to set up the authenticator app."""
    user = _me(request)
    if not services.mfa_setup_required(user):
        return redirect("security_settings")
    organizations = services.mfa_requiring_organizations(user)
    return render(request, "security/mfa_required.html", {"organizations": organizations})


# --- The organizations' rule ---------------------------------------------------------------
def _policy_organizations(user: Any) -> Any:
    with_totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    confirmed = Q(staff__status=Confirmation.CONFIRMED, staff__is_active=True)
    return (
        Organization.objects.filter(
            access.allowed(user, "security_policy", "change"), is_active=True
        )
        .select_related("security_policy", "municipality")
        .annotate(
            staff_count=Count("staff__person", filter=confirmed, distinct=True),
            staff_without_totp=Count(
                "staff__person",
                filter=confirmed & ~Q(staff__person__in=with_totp),
                distinct=True,
            ),
        )
        .order_by("municipality__name", "short_name", "pk")
    )


@login_required
@cabinet("security_policies")
@require_GET
def policies(request: HttpRequest) -> HttpResponse:
    """MFA: the director (for their school) or the operator (for the region) sees which
    organizations require two-factor sign-in from staff and how many staff are ready."""
    page = Paginator(_policy_organizations(request.user), POLICY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "security/policies.html", {"page": page})


@login_required
@cabinet("security_policies")
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    """MFA: turn the organization's two-factor requirement for staff on or off."""
    organization = get_object_or_404(_policy_organizations(request.user), pk=organization_id)
    current = getattr(organization, "security_policy", None)
    initial = {"require_staff_mfa": bool(current and current.require_staff_mfa)}
    form = SecurityPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        policy = services.security_policy_set(
            organization=organization,
            require_staff_mfa=form.cleaned_data["require_staff_mfa"],
            by=_me(request),
        )
        refresh(request, request.user)  # the rule binds whoever set it, if they work there
        if policy.require_staff_mfa:
            messages.success(
                request,
                _(
                    "Теперь сотрудники «%(org)s» входят с кодом из приложения. Кто его ещё не настроил, настроит при следующем входе."
                )
                % {"org": organization.short_name},
            )
        else:
            messages.success(
                request,
                _("Для сотрудников «%(org)s» код из приложения больше не обязателен.")
                % {"org": organization.short_name},
            )
        return redirect("security_policies")
    return render(
        request,
        "security/policy_edit.html",
        {
            "organization": organization,
            "form": form,
            "policy": current,
            "staff": _staff_with_totp(organization),
        },
    )


def _staff_with_totp(organization: Organization) -> list[User]:
    """Confirmed staff of the organization, each with ``has_totp``: one query."""
    totp = Authenticator.objects.filter(user_id=OuterRef("pk"), type=Authenticator.Type.TOTP)
    return list(
        User.objects.filter(
            pk__in=StaffPosition.objects.confirmed()
            .filter(organization=organization)
            .values("person_id")
        )
        .annotate(has_totp=Exists(totp))
        .order_by("last_name", "first_name", "middle_name", "pk")
    )


@login_required
@cabinet("security_policies")
@require_POST
def two_factor_reset(request: HttpRequest, organization_id: int, person_id: int) -> HttpResponse:
    """MFA: remove a staff member's authenticator app (a lost phone)."""
    organization = get_object_or_404(_policy_organizations(request.user), pk=organization_id)
    person = get_object_or_404(
        User.objects.filter(
            pk__in=StaffPosition.objects.confirmed()
            .filter(organization=organization)
            .values("person_id")
        ),
        pk=person_id,
    )
    try:
        removed = services.two_factor_reset(
            organization=organization, person=person, by=_me(request), request=request
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if removed:
            policy = getattr(organization, "security_policy", None)
            if policy is not None and policy.require_staff_mfa:
                text = _(
                    "Вход с кодом для %(name)s сброшен. После входа с паролем Парта предложит "
                    "настроить приложение заново."
                )
            else:
                text = _("Вход с кодом для %(name)s сброшен. Теперь для входа достаточно пароля.")
            messages.success(request, text % {"name": person.full_name})
        else:
            messages.info(
                request, _("У %(name)s вход с кодом не был включён.") % {"name": person.full_name}
            )
    return redirect("security_policy_edit", organization.pk)
