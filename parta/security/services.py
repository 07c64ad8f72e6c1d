"""Every write of the login settings (ACC-8) and the two-factor rule (MFA).

Plain keyword-only functions; a refusal is a ``DomainError`` whose message the person reads.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.context import request_context
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.core.sms import SmsError, send_sms
from parta.core.validators import normalize_phone
from parta.directory.models import Enrollment, Guardianship, Organization, StaffPosition
from parta.security.models import NameChange, PhoneCode, SecurityPolicy, TwoFactorReset

CODE_DIGITS = 6


# --- Name ---------------------------------------------------------------------------------
def _has_school_record(person: User) -> bool:
    """Whether a school entered this person (an issued account: student, parent, staff)."""
    return (
        Enrollment.objects.filter(student_id=person.pk).exists()
        or Guardianship.objects.filter(guardian_id=person.pk).exists()
        or StaffPosition.objects.filter(person_id=person.pk).exists()
    )


@transaction.atomic
def name_change(
    *, person: User, last_name: str, first_name: str, middle_name: str, by: User
) -> NameChange | None:
    """ACC-8: change one's name; every change is recorded with the old and the new name.

    A name a school entered (issued account, ACC-2) may be changed too — the record says so,
    for the school to see. Returns ``None`` when nothing changed.
    """
    person = User.objects.select_for_update().get(pk=person.pk)
    new = (last_name.strip(), first_name.strip(), middle_name.strip())
    old = (person.last_name, person.first_name, person.middle_name)
    if not new[0] or not new[1]:
        raise DomainError(_("Фамилия и имя обязательны."))
    if new == old:
        return None
    record = NameChange.objects.create(
        person=person,
        old_last_name=old[0],
        old_first_name=old[1],
        old_middle_name=old[2],
        new_last_name=new[0],
        new_first_name=new[1],
        new_middle_name=new[2],
        changed_by=by,
        school_record=_has_school_record(person),
    )
    person.last_name, person.first_name, person.middle_name = new
    person.save(update_fields=["last_name", "first_name", "middle_name"])
    return record


# --- Phone ---------------------------------------------------------------------------------
def _code_hash(code_id: int, code: str) -> str:
    """A keyed hash: a leaked table alone does not give the codes away."""
    return salted_hmac(
        "parta.security.phone_code", f"{code_id}:{code}", algorithm="sha256"
    ).hexdigest()


def _wait_text(seconds: float) -> str:
    minutes = max(1, int(seconds // 60) + (1 if seconds % 60 else 0))
    return ngettext(
        "Новый код можно запросить через %(n)d минуту.",
        "Новый код можно запросить через %(n)d минут.",
        minutes,
    ) % {"n": minutes}


def phone_code_send(*, person: User, phone: str) -> PhoneCode:
    """ACC-8: send a 6-digit code by SMS to a new phone; the number is set only with the code.

    At most ``PARTA_PHONE_CODES_PER_HOUR`` codes per person and per number in an hour; a new
    code, once its SMS is sent, closes the previous ones. If the SMS cannot be sent the code
    is dropped, the previous one still works, and the person is told why (it does not count
    against the limit).
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise DomainError(
            _("Номер телефона: 10 цифр после +7, например +7 912 345-67-89."), field="phone"
        ) from exc
    now = timezone.now()
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        if phone == person.phone:
            raise DomainError(_("Этот номер уже указан в вашей учётной записи."), field="phone")
        if User.objects.filter(phone=phone).exclude(pk=person.pk).exists():
            raise DomainError(
                _(
                    "Этот номер указан в другой учётной записи Парты. Если это ваш номер, обратитесь в школу."
                ),
                field="phone",
            )
        hour_ago = now - timedelta(hours=1)
        limit = settings.PARTA_PHONE_CODES_PER_HOUR
        recent = PhoneCode.objects.filter(created_at__gt=hour_ago).order_by("created_at")
        by_person = list(recent.filter(person_id=person.pk).values_list("created_at", flat=True))
        to_number = list(recent.filter(phone=phone).values_list("created_at", flat=True))
        full = [times for times in (by_person, to_number) if len(times) >= limit]
        if full:
            # The limit frees up when the oldest code of the full hour turns an hour old.
            frees_at = max(times[len(times) - limit] for times in full) + timedelta(hours=1)
            raise DomainError(
                _("Слишком много кодов за час. %(wait)s")
                % {"wait": _wait_text(max((frees_at - now).total_seconds(), 60))},
                field="phone",
                code="too_many_codes",
            )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        record = PhoneCode.objects.create(
            person=person,
            phone=phone,
            code_hash="",
            created_at=now,
            expires_at=now + timedelta(minutes=settings.PARTA_PHONE_CODE_MINUTES),
        )
        record.code_hash = _code_hash(record.pk, code)
        record.save(update_fields=["code_hash"])
    text = str(
        _("Парта: код %(code)s для подтверждения номера. Никому его не сообщайте.") % {"code": code}
    )
    try:
        result = send_sms(phone, text)
    except SmsError as exc:
        record.delete()
        raise DomainError(exc.message, field="phone", code="sms") from exc
    with transaction.atomic():
        # Only now that the new code is on its way: earlier ones (not a later one sent in
        # parallel) stop working.
        PhoneCode.objects.owned_by(person).open().filter(pk__lt=record.pk).update(closed_at=now)
        record.sms_id = result.sms_id[:64]
        record.sms_cost = result.cost
        record.save(update_fields=["sms_id", "sms_cost"])
    return record


@dataclass
class _Outcome:
    error: Any = None
    person: User | None = None


def phone_code_confirm(*, person: User, code: str) -> User:
    """ACC-8: the right code sets the new phone. A code works once, until it expires, and for
    ``PARTA_PHONE_CODE_TRIES`` wrong tries at most; then a new one must be requested."""
    code = "".join(ch for ch in (code or "") if not ch.isspace())
    outcome = _phone_code_check(person=person, code=code)
    if outcome.error is not None:
        raise DomainError(outcome.error, field="code")
    assert outcome.person is not None
    return outcome.person


@transaction.atomic
def _phone_code_check(*, person: User, code: str) -> _Outcome:
    # The wrong-try counter must be saved even when the answer is "no": errors are returned,
    # not raised, so that this transaction commits.
    now = timezone.now()
    record = (
        PhoneCode.objects.select_for_update()
        .owned_by(person)
        .filter(used_at__isnull=True, closed_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if record is None:
        return _Outcome(_("Сначала запросите код: введите номер и нажмите «Получить код»."))
    if record.expires_at <= now:
        record.closed_at = now
        record.save(update_fields=["closed_at"])
        return _Outcome(_("Срок действия кода истёк. Запросите новый код."))
    if not code.isdigit() or len(code) != CODE_DIGITS:
        return _Outcome(_("Код — это 6 цифр из SMS."))
    if not constant_time_compare(record.code_hash, _code_hash(record.pk, code)):
        record.failed_tries += 1
        left = settings.PARTA_PHONE_CODE_TRIES - record.failed_tries
        if left <= 0:
            record.closed_at = now
            record.save(update_fields=["failed_tries", "closed_at"])
            return _Outcome(_("Код неверный, и попытки закончились. Запросите новый код."))
        record.save(update_fields=["failed_tries"])
        return _Outcome(
            ngettext(
                "Код неверный. Осталась %(n)d попытка.",
                "Код неверный. Осталось %(n)d попыток.",
                left,
            )
            % {"n": left}
        )
    record.used_at = now
    record.save(update_fields=["used_at"])
    owner = User.objects.select_for_update().get(pk=person.pk)
    owner.phone = record.phone
    try:
        with transaction.atomic():
            owner.save(update_fields=["phone"])
    except IntegrityError:
        return _Outcome(_("Пока вы вводили код, этот номер указали в другой учётной записи Парты."))
    return _Outcome(person=owner)


@transaction.atomic
def phone_remove(*, person: User) -> None:
    """ACC-8: remove one's phone; it stops being a way to sign in."""
    User.objects.filter(pk=person.pk).update(phone="")
    PhoneCode.objects.owned_by(person).open().update(closed_at=timezone.now())


# --- Sessions ------------------------------------------------------------------------------
def sessions_end_others(*, request: HttpRequest, user: Any) -> int:
    """ACC-8: sign out on every device but this one; returns how many sessions ended."""
    from allauth.usersessions.models import UserSession

    current = request.session.session_key
    others = [s for s in UserSession.objects.filter(user_id=user.pk) if s.session_key != current]
    for session in others:
        session.end()
    return len(others)


# --- Two-factor rule -----------------------------------------------------------------------
def _positions_requiring_mfa(user: Any) -> QuerySet[StaffPosition]:
    """MFA: ``user``'s confirmed staff positions at active organizations that require a second
    factor from their staff."""
    return StaffPosition.objects.confirmed().filter(
        person_id=user.pk,
        organization__is_active=True,
        organization__security_policy__require_staff_mfa=True,
    )


def mfa_required_by_organization(user: Any) -> bool:
    """MFA: whether ``user`` works (confirmed) at an organization that requires a second
    factor from its staff."""
    if not getattr(user, "pk", None):
        return False
    return _positions_requiring_mfa(user).exists()


def mfa_requiring_organizations(user: Any) -> QuerySet[Organization]:
    """MFA: the organizations that make ``user`` sign in with a second factor."""
    if not getattr(user, "pk", None):
        return Organization.objects.none()
    return Organization.objects.filter(
        pk__in=_positions_requiring_mfa(user).values("organization_id")
    )


def mfa_setup_required(user: Any) -> bool:
    """MFA: ``user`` must set up TOTP before anything else (one query)."""
    if not getattr(user, "pk", None):
        return False
    totp = Authenticator.objects.filter(user_id=OuterRef("person_id"), type=Authenticator.Type.TOTP)
    return _positions_requiring_mfa(user).filter(~Exists(totp)).exists()


@transaction.atomic
def security_policy_set(
    *, organization: Organization, require_staff_mfa: bool, by: User
) -> SecurityPolicy:
    """MFA: the director (or the regional operator) decides whether the organization's
    staff must sign in with a code from an authenticator app."""
    policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(
        organization=organization
    )
    policy.require_staff_mfa = require_staff_mfa
    policy.changed_by = by
    policy.changed_at = timezone.now()
    policy.save()
    return policy


@transaction.atomic
def two_factor_reset(
    *, organization: Organization, person: User, by: User, request: HttpRequest
) -> int:
    """MFA: the director (or the operator) removes a staff member's authenticator and recovery
    codes when the phone is lost; the person signs in with the password and, if the
    organization requires it, sets up a new app. Returns how many authenticators were removed.
    One's own second factor is changed in one's own settings, not here.

    Once the removal is committed the person gets allauth's "authenticator app deactivated"
    letter (when ``ACCOUNT_EMAIL_NOTIFICATIONS`` is on), so that a reset they did not ask
    for does not go unnoticed. ``request`` is the director's: the letter names where it
    came from.
    """
    if person.pk == by.pk:
        raise DomainError(_("Свой вход с кодом меняйте в своих настройках входа."))
    if (
        not StaffPosition.objects.confirmed()
        .filter(organization=organization, person=person)
        .exists()
    ):
        raise DomainError(_("Этот человек не работает в организации."))
    removed, _details = Authenticator.objects.filter(user_id=person.pk).delete()
    if removed:
        TwoFactorReset.objects.create(person=person, organization=organization, reset_by=by)

        def tell_the_person() -> None:
            with request_context(request):  # allauth's mail reads the request from here
                get_account_adapter(request).send_notification_mail(
                    "mfa/email/totp_deactivated",
                    person,
                    context={"reset_by_organization": organization.short_name},
                )

        # A mail server that is down neither undoes nor fails the reset.
        transaction.on_commit(tell_the_person, robust=True)
    return removed
