"""Invitations by email (ACC-3): sending, resending, revoking, accepting.

The inviter's right is checked twice: when the letter goes out and again when the invitee
accepts (a class teacher who has since lost the class cannot add anyone to it). The link is
single-use and expires after ``PARTA_INVITATION_DAYS``; resending makes a new link and the
old one stops working. Accepting creates exactly the place the invitation names — a
confirmed enrolment, guardianship or staff position (ADR 0008: places the school enters
itself are confirmed) — on a new account the invitee sets up, or on the account they sign
in with.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.accounts.tokens import hash_token
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import (
    Confirmation,
    Enrollment,
    Guardianship,
    Organization,
    SchoolClass,
    StaffPosition,
)
from parta.registration.access import staff_organizations
from parta.registration.models import Invitation, InvitationLetter

logger = logging.getLogger(__name__)

Kind = Invitation.Kind


def _expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.PARTA_INVITATION_DAYS)


# --- Who may invite whom ---------------------------------------------------------------------
def invitable_classes(user: Any) -> Any:
    """Classes of the current year ``user`` may invite students (and their parents) into."""
    return SchoolClass.objects.editable_by(user, "enrol").filter(academic_year__is_current=True)


def invitable_children(user: Any) -> Any:
    """Current, confirmed enrolments whose students' parents ``user`` may invite."""
    return Enrollment.objects.current().filter(school_class__in=invitable_classes(user))


def may_invite(
    user: Any,
    *,
    kind: str,
    organization_id: int,
    school_class_id: int | None = None,
    child_id: int | None = None,
) -> bool:
    """ACC-3: whether ``user`` may invite someone into this place now.

    A student into a class of the current year the person may enrol (its class teacher, the
    school's administration); a parent of a student currently enrolled in such a class; staff
    only by the director of the organization.
    """
    if kind == Kind.STUDENT:
        return invitable_classes(user).filter(pk=school_class_id).exists()
    if kind == Kind.PARENT:
        return (
            invitable_children(user)
            .filter(student_id=child_id, school_class__organization_id=organization_id)
            .exists()
        )
    if kind == Kind.STAFF:
        return organization_id in staff_organizations(user)
    return False


# --- Sending ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sent:
    invitation: Invitation
    token: str  # only ever in the letter (and in the caller's hands for tests)


def _letter(invitation: Invitation, *, by: User, site_url: str) -> str:
    """Issue a fresh link for ``invitation`` and send it; returns the link's token."""
    token = secrets.token_urlsafe(32)
    InvitationLetter.objects.create(invitation=invitation, token_hash=hash_token(token), sent_by=by)
    url = site_url.rstrip("/") + reverse("registration_accept", args=[token])
    inviter = invitation.created_by
    send_letter(
        "registration/letters/invitation",
        [invitation.email],
        {
            "invitation": invitation,
            "url": url,
            "inviter": inviter,
            "organization": invitation.organization,
            "expires_at": invitation.expires_at,
            "place": invitation.place_label,
        },
        language=invitation.language,
    )
    return token


def _clean_names(last_name: str, first_name: str, middle_name: str) -> tuple[str, str, str]:
    names = tuple(" ".join((v or "").split()) for v in (last_name, first_name, middle_name))
    if not names[0]:
        raise DomainError(_("Укажите фамилию."), field="last_name")
    if not names[1]:
        raise DomainError(_("Укажите имя."), field="first_name")
    return names  # type: ignore[return-value]


@transaction.atomic
def invitation_send(
    *,
    by: User,
    kind: str,
    email: str,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    language: str = "ru",
    site_url: str,
    school_class: SchoolClass | None = None,
    child: User | None = None,
    guardian_kind: str = "",
    position: str = "",
) -> Sent:
    """ACC-3: invite ``email`` into a place ``by`` may create; the letter goes after commit.

    An open invitation of the same address into the same place is not sent twice: the
    inviter resends it from the list instead.
    """
    last_name, first_name, middle_name = _clean_names(last_name, first_name, middle_name)
    email = (email or "").strip()
    organization: Organization
    if kind == Kind.STUDENT:
        if school_class is None:
            raise DomainError(_("Выберите класс."), field="school_class")
        organization = school_class.organization
        child, guardian_kind, position = None, "", ""
    elif kind == Kind.PARENT:
        if child is None:
            raise DomainError(_("Выберите ученика."), field="child")
        enrollment = invitable_children(by).filter(student_id=child.pk).first()
        if enrollment is None:
            raise DomainError(_("Выберите ученика."), field="child")
        school_class = enrollment.school_class
        organization = school_class.organization
        if guardian_kind not in Guardianship.Kind.values:
            raise DomainError(_("Выберите, кем человек приходится ребёнку."), field="guardian_kind")
        position = ""
    elif kind == Kind.STAFF:
        if position not in Invitation.STAFF_POSITIONS:
            raise DomainError(_("Выберите должность."), field="position")
        orgs = staff_organizations(by)
        if len(orgs) != 1:
            raise DomainError(_("Пригласить сотрудника может директор школы."))
        organization = Organization.objects.get(pk=orgs[0])
        school_class, child, guardian_kind = None, None, ""
    else:
        raise DomainError(_("Неизвестный вид приглашения."))
    if not may_invite(
        by,
        kind=kind,
        organization_id=organization.pk,
        school_class_id=school_class.pk if school_class else None,
        child_id=child.pk if child else None,
    ):
        raise DomainError(_("У вас нет права пригласить человека сюда."), code="forbidden")
    # Two quick submits must not both pass the check below: every invitation into the
    # organization waits for this row. NO KEY: rows that merely point at it are not blocked.
    Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
    same_place = Q(
        organization=organization,
        kind=kind,
        email__iexact=email,
        school_class=school_class,
        child=child,
        position=position,
    )
    duplicate = Invitation.objects.open().filter(same_place).first()
    if duplicate is not None:
        raise DomainError(
            _(
                "Такое приглашение на этот адрес уже отправлено %(date)s и ещё действует. Если "
                "письмо потерялось, отправьте его ещё раз из списка приглашений."
            )
            % {"date": timezone.localtime(duplicate.sent_at).strftime("%d.%m.%Y")},
            field="email",
            code="duplicate",
        )
    now = timezone.now()
    invitation = Invitation.objects.create(
        kind=kind,
        organization=organization,
        school_class=school_class,
        child=child,
        guardian_kind=guardian_kind,
        position=position,
        email=email,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
        created_by=by,
        created_at=now,
        sent_at=now,
        expires_at=_expiry(now),
    )
    token = _letter(invitation, by=by, site_url=site_url)
    logger.info("ACC-3: person %s invited %s (%s)", by.pk, invitation.pk, kind)
    return Sent(invitation, token)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, site_url: str) -> Sent:
    """ACC-3: a new letter with a new link and a new term; the earlier links stop working.

    The caller fetched ``invitation`` through ``Invitation.objects.editable_by(by)``; the
    right to invite into the place is checked again, as at the first sending.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(_("Приглашение уже принято: отправлять его снова не нужно."))
    if invitation.revoked_at is not None:
        raise DomainError(_("Приглашение отозвано. Если человек всё же нужен, пригласите заново."))
    if not may_invite(
        by,
        kind=invitation.kind,
        organization_id=invitation.organization_id,
        school_class_id=invitation.school_class_id,
        child_id=invitation.child_id,
    ):
        raise DomainError(_("У вас больше нет права пригласить человека сюда."), code="forbidden")
    now = timezone.now()
    invitation.sent_at = now
    invitation.expires_at = _expiry(now)
    invitation.save(update_fields=["sent_at", "expires_at"])
    return Sent(invitation, _letter(invitation, by=by, site_url=site_url))


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    """ACC-3: the link stops working at once; the invitee who opens it is told whom to ask."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise DomainError(
            _("Приглашение уже принято. Место человека меняют в списке класса или сотрудников.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = by
        invitation.save(update_fields=["revoked_at", "revoked_by"])
    return invitation


# --- Opening the link ------------------------------------------------------------------------
class LinkState:
    OPEN = "open"
    UNKNOWN = "unknown"
    REPLACED = "replaced"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Link:
    state: str
    invitation: Invitation | None = None


def invitation_by_token(token: str, *, for_update: bool = False) -> Link:
    """ACC-3: the invitation a link names and whether the link still works."""
    letters = InvitationLetter.objects.select_related(
        "invitation__organization",
        "invitation__school_class",
        "invitation__child",
        "invitation__created_by",
    )
    letter = letters.filter(token_hash=hash_token(token or "")).first()
    if letter is None:
        return Link(LinkState.UNKNOWN)
    invitation = letter.invitation
    if for_update:
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        invitation.accepted_at, invitation.revoked_at = locked.accepted_at, locked.revoked_at
        invitation.expires_at = locked.expires_at
    if invitation.accepted_at is not None:
        return Link(LinkState.ACCEPTED, invitation)
    if invitation.revoked_at is not None:
        return Link(LinkState.REVOKED, invitation)
    latest = InvitationLetter.objects.filter(invitation_id=invitation.pk).order_by("-pk").first()
    if latest is not None and latest.pk != letter.pk:
        return Link(LinkState.REPLACED, invitation)
    if invitation.expires_at <= timezone.now():
        return Link(LinkState.EXPIRED, invitation)
    return Link(LinkState.OPEN, invitation)


_CLOSED = {
    LinkState.UNKNOWN: _("Ссылка приглашения недействительна."),
    LinkState.REPLACED: _("Эту ссылку заменило более новое письмо с приглашением."),
    LinkState.ACCEPTED: _("Приглашение уже принято: ссылка действует один раз."),
    LinkState.REVOKED: _("Приглашение отозвано."),
    LinkState.EXPIRED: _("Срок приглашения истёк."),
}


def _open_invitation(token: str) -> Invitation:
    link = invitation_by_token(token, for_update=True)
    if link.state != LinkState.OPEN or link.invitation is None:
        raise DomainError(_CLOSED[link.state], code=link.state)
    return link.invitation


# --- Accepting -------------------------------------------------------------------------------
def _place_create(invitation: Invitation, person: User, inviter: User) -> Any:
    now = timezone.now()
    decided = {
        "status": Confirmation.CONFIRMED,
        "decided_by": inviter,
        "decided_at": now,
        "rejection_reason": "",
    }
    if invitation.kind == Kind.STUDENT:
        school_class = invitation.school_class
        assert school_class is not None
        elsewhere = (
            Enrollment.objects.filter(
                student_id=person.pk,
                is_active=True,
                school_class__organization_id=school_class.organization_id,
                school_class__academic_year_id=school_class.academic_year_id,
            )
            .exclude(school_class_id=school_class.pk)
            .select_related("school_class")
            .first()
        )
        if elsewhere is not None:
            raise DomainError(
                _(
                    "Вы уже учитесь в классе %(class)s этой школы. Перевести вас в другой класс "
                    "может администрация школы."
                )
                % {"class": elsewhere.school_class},
                code="enrolled_elsewhere",
            )
        enrollment, created = Enrollment.objects.get_or_create(
            student=person,
            school_class=school_class,
            defaults={"since": timezone.localdate(), **decided},
        )
        if not created:
            for attr, value in {"is_active": True, **decided}.items():
                setattr(enrollment, attr, value)
            enrollment.save()
        return enrollment
    if invitation.kind == Kind.PARENT:
        child = invitation.child
        assert child is not None
        if child.pk == person.pk:
            raise DomainError(
                _("Приглашение родителя нельзя принять учётной записью самого ученика."),
                code="parent_is_child",
            )
        guardianship, _created = Guardianship.objects.get_or_create(
            guardian=person,
            child=child,
            defaults={"kind": invitation.guardian_kind or Guardianship.Kind.REPRESENTATIVE},
        )
        return guardianship
    position, created = StaffPosition.objects.get_or_create(
        person=person,
        organization=invitation.organization,
        position=invitation.position,
        defaults={"since": timezone.localdate(), **decided},
    )
    if not created:
        for attr, value in {"is_active": True, **decided}.items():
            setattr(position, attr, value)
        position.save()
    return position


@transaction.atomic
def invitation_accept(*, token: str, person: User) -> Invitation:
    """ACC-3: attach the invitation's place to ``person`` (signed in, or just created).

    The link must still work, and the inviter must still have the right to create the place;
    otherwise nothing changes and the error says what happened.
    """
    return _accept(_open_invitation(token), person)


def _accept(invitation: Invitation, person: User) -> Invitation:
    """The rest of ``invitation_accept`` for an invitation ``_open_invitation`` has locked."""
    inviter = User.objects.get(pk=invitation.created_by_id)  # fresh: roles as of now
    if not invitation.organization.is_active or not may_invite(
        inviter,
        kind=invitation.kind,
        organization_id=invitation.organization_id,
        school_class_id=invitation.school_class_id,
        child_id=invitation.child_id,
    ):
        raise DomainError(
            _(
                "Пригласивший вас человек больше не может добавить вас сюда (например, он уже "
                "не ведёт этот класс). Обратитесь в администрацию школы «%(school)s»."
            )
            % {"school": invitation.organization.short_name},
            code="inviter_lost_rights",
        )
    _place_create(invitation, person, inviter)
    Invitation.objects.filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=person
    )
    invitation.refresh_from_db()
    logger.info("ACC-3: person %s accepted invitation %s", person.pk, invitation.pk)
    return invitation


@transaction.atomic
def invitation_accept_new_account(
    *,
    token: str,
    username: str,
    last_name: str,
    first_name: str,
    middle_name: str,
    password: str,
    language: str = "",
) -> User:
    """ACC-3: the invitee sets their own login and password; the account gets the place.

    The letter reached the invitation's address, so that address is the account's confirmed
    email. The form has already run the login and password validators.
    """
    invitation = _open_invitation(token)
    last_name, first_name, middle_name = _clean_names(last_name, first_name, middle_name)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(
            _(
                "На адрес %(email)s в Парте уже есть учётная запись. Войдите в неё, чтобы принять "
                "приглашение: у одного человека одна учётная запись."
            )
            % {"email": invitation.email},
            code="email_has_account",
        )
    user = User(
        username=username,
        last_name=last_name,
        first_name=first_name,
        middle_name=middle_name,
        email=invitation.email,
        language=language or invitation.language,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise DomainError(
            _("Этот логин уже занят. Придумайте другой."), field="username", code="username_taken"
        ) from exc
    EmailAddress.objects.create(user=user, email=invitation.email, verified=True, primary=True)
    _accept(invitation, user)
    return user
