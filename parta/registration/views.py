"""Pages of registration (ACC-1) and invitations (ACC-3).

Self-registration itself is allauth's sign-up page (``LearnerSignupForm``); this module adds
"send the confirmation letter again". The invitation pages are open to class teachers and the
school's administration (``registration.access``): invitations are fetched through
``Invitation.objects.visible_to`` / ``editable_by``, classes and children through the
directory's policy, so anything else is a 404. The link an invitee opens is public: its
token is the check.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.internal.stagekit import unstash_login
from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts import logins
from parta.accounts.models import User
from parta.core import access
from parta.core.access import cabinet
from parta.core.audit import record_view
from parta.core.errors import DomainError, form_error
from parta.registration import services
from parta.registration.forms import (
    InvitationAccountForm,
    ParentInvitationForm,
    StaffInvitationForm,
    StudentInvitationForm,
)
from parta.registration.models import Invitation
from parta.registration.services import LinkState

PAGE_SIZE = 50


# --- ACC-1: send the confirmation letter again ----------------------------------------------
@never_cache
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """ACC-1: the confirmation letter again, to whoever this browser just registered or tried
    to sign in as. No address is typed here, so nothing can be learnt about other people.

    Allauth's pending sign-in in the session names the account (or, for an address that
    already had an account, only the address: that address gets the "you already have an
    account" letter again — both look the same). Allauth's limit of one letter per address
    every few minutes applies.
    """
    login = unstash_login(request, peek=True)
    address: EmailAddress | None = None
    if login is not None and login.user is not None:
        address = (
            EmailAddress.objects.filter(user_id=login.user.pk, verified=False)
            .order_by("-primary")
            .first()
        )
    elif login is not None and login.email:
        address = EmailAddress(user=None, email=login.email)
    if address is None:
        messages.info(
            request,
            _(
                "Чтобы получить письмо ещё раз, войдите со своими почтой и паролем: Парта "
                "пришлёт новое письмо со ссылкой."
            ),
        )
        return redirect("account_login")
    # Sent: allauth adds its own "the letter went to …" note, as on the first sending.
    if not send_verification_email_to_address(request, address, signup=True):
        messages.warning(
            request,
            _(
                "Письмо уже отправлено несколько минут назад. Подождите его; новое можно "
                "запросить чуть позже."
            ),
        )
    return redirect("account_email_verification_sent")


# --- ACC-3: the inviter's pages -------------------------------------------------------------
def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _status_q(status: str) -> Q:
    now = timezone.now()
    if status == Invitation.Status.ACCEPTED:
        return Q(accepted_at__isnull=False)
    if status == Invitation.Status.REVOKED:
        return Q(accepted_at__isnull=True, revoked_at__isnull=False)
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    if status == Invitation.Status.EXPIRED:
        return open_ & Q(expires_at__lte=now)
    return open_ & Q(expires_at__gt=now)


@login_required
@cabinet("registration_invitations")
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    """ACC-3: the invitations the person may see, by status, with resend and revoke.

    A fixed number of queries whatever their count: counts by status in one aggregate, one
    page of rows with what they name joined, one query for which rows the person may change.
    """
    user = _user(request)
    visible = Invitation.objects.visible_to(user)
    school_class = None
    class_id = request.GET.get("class", "")
    if class_id:
        if not class_id.isdigit():
            raise Http404
        school_class = get_object_or_404(services.invitable_classes(user), pk=int(class_id))
        visible = visible.filter(school_class_id=school_class.pk)
    counts = visible.aggregate(
        all=Count("pk"),
        **{status: Count("pk", filter=_status_q(status)) for status in Invitation.Status.values},
    )
    status = request.GET.get("status", "")
    rows = visible
    if status in Invitation.Status.values:
        rows = rows.filter(_status_q(status))
    else:
        status = ""
    rows = rows.select_related(
        "organization", "school_class", "child", "created_by", "accepted_by"
    ).order_by("-sent_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    editable = set(
        Invitation.objects.editable_by(user)
        .filter(pk__in=[i.pk for i in items])
        .values_list("pk", flat=True)
    )
    # 152-FZ: the children named on the page (parent invitations name whose parent).
    record_view(request, (i.child_id for i in items if i.child_id), "invitations")
    classes = list(services.invitable_classes(user))
    query = {k: v for k, v in (("class", class_id), ("status", status)) if v}
    return render(
        request,
        "registration/invitations.html",
        {
            "page": page,
            "items": items,
            "editable": editable,
            "counts": counts,
            "status": status,
            "statuses": Invitation.Status.choices,
            "school_class": school_class,
            "classes": classes,
            "may_invite_staff": access.has_role(user, access.DIRECTOR),
            "class_query": urlencode({"class": class_id}) if class_id else "",
            "query": urlencode(query),
        },
    )


def _invite(request: HttpRequest, kind: str, form: Any, **extra: Any) -> HttpResponse | None:
    """Send the invitation of a form the caller has validated; None when the form must be
    shown again."""
    data = form.cleaned_data
    try:
        sent = services.invitation_send(
            by=_user(request),
            kind=kind,
            email=data["email"],
            last_name=data["last_name"],
            first_name=data["first_name"],
            middle_name=data.get("middle_name", ""),
            language=data["language"],
            site_url=_site_url(request),
            **extra,
        )
    except DomainError as exc:
        form_error(form, exc)
        return None
    invitation = sent.invitation
    messages.success(
        request,
        _(
            "Приглашение отправлено на %(email)s. Ссылка действует до %(date)s; принятое "
            "приглашение появится в списке."
        )
        % {
            "email": invitation.email,
            "date": timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y"),
        },
    )
    target = reverse("registration_invitations")
    if invitation.school_class_id and request.GET.get("class"):
        target += "?" + urlencode({"class": invitation.school_class_id})
    return redirect(target)


def _preselected_class(request: HttpRequest) -> Any:
    class_id = request.GET.get("class", "")
    if not class_id:
        return None
    if not class_id.isdigit():
        raise Http404
    # A class the person may not invite into is answered as if it did not exist.
    return get_object_or_404(services.invitable_classes(_user(request)), pk=int(class_id))


def _form_page(
    request: HttpRequest,
    form: Any,
    kind: str,
    school_class: Any = None,
    *,
    no_children: bool = False,
) -> HttpResponse:
    return render(
        request,
        "registration/invite.html",
        {
            "form": form,
            "kind": kind,
            "school_class": school_class,
            "days": settings.PARTA_INVITATION_DAYS,
            "back_query": urlencode({"class": school_class.pk}) if school_class else "",
            "no_children": no_children,
        },
    )


@login_required
@cabinet("registration_invite_student")
@require_http_methods(["GET", "POST"])
def invite_student(request: HttpRequest) -> HttpResponse:
    """ACC-3: invite a student into a class by email."""
    user = _user(request)
    preselected = _preselected_class(request)
    classes = services.invitable_classes(user).order_by("grade", "letter")
    initial = {"school_class": preselected.pk} if preselected else {}
    data = request.POST if request.method == "POST" else None
    form = StudentInvitationForm(data, classes=classes, initial=initial)
    done = form.is_valid() and _invite(
        request, Invitation.Kind.STUDENT, form, school_class=form.cleaned_data["school_class"]
    )
    return done or _form_page(request, form, Invitation.Kind.STUDENT, preselected)


@login_required
@cabinet("registration_invite_parent")
@require_http_methods(["GET", "POST"])
def invite_parent(request: HttpRequest) -> HttpResponse:
    """ACC-3: invite a parent of a student of one's class or school by email."""
    user = _user(request)
    preselected = _preselected_class(request)
    enrollments = services.invitable_children(user)
    if preselected is not None:
        enrollments = enrollments.filter(school_class_id=preselected.pk)
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    child_id = request.GET.get("child", "")
    if child_id.isdigit():
        chosen = enrollments.filter(student_id=int(child_id)).first()
        if chosen is not None:
            initial["child"] = chosen.pk
    form = ParentInvitationForm(data, enrollments=enrollments, initial=initial)
    done = form.is_valid() and _invite(
        request,
        Invitation.Kind.PARENT,
        form,
        child=form.cleaned_data["child"].student,
        guardian_kind=form.cleaned_data["guardian_kind"],
    )
    return done or _form_page(
        request,
        form,
        Invitation.Kind.PARENT,
        preselected,
        no_children=not enrollments.exists(),
    )


@login_required
@cabinet("registration_invite_staff")
@require_http_methods(["GET", "POST"])
def invite_staff(request: HttpRequest) -> HttpResponse:
    """ACC-3: the director invites a teacher, a deputy or a secretary by email."""
    data = request.POST if request.method == "POST" else None
    form = StaffInvitationForm(data)
    done = form.is_valid() and _invite(
        request, Invitation.Kind.STAFF, form, position=form.cleaned_data["position"]
    )
    return done or _form_page(request, form, Invitation.Kind.STAFF)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("back", "")
    target = reverse("registration_invitations")
    # Only our own list's filters come back, never an arbitrary address.
    allowed = {k: v for k, v in (p.split("=", 1) for p in query.split("&") if "=" in p)}
    kept = {k: v for k, v in allowed.items() if k in {"class", "status", "page"} and v.isdigit()}
    if "status" in allowed and allowed["status"] in Invitation.Status.values:
        kept["status"] = allowed["status"]
    return redirect(target + ("?" + urlencode(kept) if kept else ""))


@never_cache
@login_required
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """ACC-3: send the letter again with a new link and a new term."""
    user = _user(request)
    invitation = get_object_or_404(Invitation.objects.editable_by(user), pk=invitation_id)
    try:
        sent = services.invitation_resend(
            invitation=invitation, by=user, site_url=_site_url(request)
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "Письмо отправлено ещё раз на %(email)s; ссылка из прежнего письма больше не "
                "действует. Новая действует до %(date)s."
            )
            % {
                "email": sent.invitation.email,
                "date": timezone.localtime(sent.invitation.expires_at).strftime("%d.%m.%Y"),
            },
        )
    return _back_to_list(request)


@never_cache
@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """ACC-3: revoke an invitation; its link stops working at once."""
    user = _user(request)
    invitation = get_object_or_404(Invitation.objects.editable_by(user), pk=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Приглашение для %(name)s отозвано: ссылка больше не действует.")
            % {"name": invitation.full_name},
        )
    return _back_to_list(request)


# --- ACC-3: the invitee's page --------------------------------------------------------------
def _closed_page(request: HttpRequest, link: services.Link, message: str = "") -> HttpResponse:
    return render(
        request,
        "registration/invitation_closed.html",
        {"link": link, "invitation": link.invitation, "state": link.state, "message": message},
        status=410 if link.state != LinkState.UNKNOWN else 404,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """ACC-3: the invitation's link. A new person sets their login and password here; someone
    with an account signs in and accepts. An expired, used, replaced or revoked link says what
    happened and whom to ask, in the reader's language."""
    link = services.invitation_by_token(token)
    invitation = link.invitation
    if link.state != LinkState.OPEN or invitation is None:
        return _closed_page(request, link)
    signed_in = request.user.is_authenticated
    existing_account = User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if not signed_in and not existing_account:
        initial = {
            "last_name": invitation.last_name,
            "first_name": invitation.first_name,
            "middle_name": invitation.middle_name,
            "username": logins.next_free_login(logins.login_base(invitation.last_name)),
        }
        data = request.POST if request.method == "POST" else None
        form = InvitationAccountForm(data, invitation=invitation, initial=initial)
    if request.method == "POST":
        try:
            if signed_in:
                services.invitation_accept(token=token, person=_user(request))
                messages.success(
                    request,
                    _("Приглашение принято: %(place)s, %(school)s.")
                    % {"place": invitation.place_label, "school": invitation.organization},
                )
                return redirect("home")
            if form is not None and form.is_valid():
                typed = form.cleaned_data
                user = services.invitation_accept_new_account(
                    token=token,
                    username=typed["username"],
                    last_name=typed["last_name"],
                    first_name=typed["first_name"],
                    middle_name=typed.get("middle_name", ""),
                    password=typed["password1"],
                    language=translation.get_language() or "",
                )
                messages.success(
                    request,
                    _(
                        "Учётная запись создана, приглашение принято. Ваш логин: %(login)s; "
                        "войти можно и по адресу %(email)s."
                    )
                    % {"login": user.username, "email": user.email},
                )
                return perform_login(request, user, email_verification="none", redirect_url="/")
        except DomainError as exc:
            if exc.code in {
                LinkState.ACCEPTED,
                LinkState.REVOKED,
                LinkState.EXPIRED,
                LinkState.REPLACED,
                LinkState.UNKNOWN,
            }:
                return _closed_page(request, services.invitation_by_token(token))
            if form is not None and exc.field in form.fields:
                form.add_error(exc.field, str(exc.message))
            elif form is not None and not signed_in:
                form.add_error(None, str(exc.message))
            else:
                return render(
                    request,
                    "registration/accept.html",
                    _accept_context(request, invitation, token, form, existing_account, exc),
                    status=409,
                )
    return render(
        request,
        "registration/accept.html",
        _accept_context(request, invitation, token, form, existing_account, None),
    )


def _accept_context(
    request: HttpRequest,
    invitation: Invitation,
    token: str,
    form: Any,
    existing_account: bool,
    error: DomainError | None,
) -> dict[str, Any]:
    here = reverse("registration_accept", args=[token])
    return {
        "invitation": invitation,
        "form": form,
        "existing_account": existing_account,
        "error": error.message if error else "",
        "login_url": reverse("account_login") + "?" + urlencode({"next": here}),
        "logout_url": reverse("account_logout"),
        "here": here,
    }
