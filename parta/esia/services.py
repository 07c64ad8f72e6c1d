"""Linking portal sign-ins to Parta accounts and signing in through them (ACC-4).

The rule: a portal identity opens an account only after a link was made by proof — the
account's own password, or the confirmation of the administration of the account's school.
A name, an email or a SNILS that matches is never proof by itself: it only tells Parta which
school to ask. No account and no school role is ever created from the portal's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from allauth.account.utils import perform_login
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.issuing import has_own_password, initial_password_expired
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.directory.models import Confirmation, Enrollment, Guardianship, StaffPosition
from parta.esia.models import EsiaLink, LinkCandidate, LinkRequest
from parta.esia.oidc import Identity

_BACKEND = "parta.accounts.backends.IdentifierBackend"


def link_of(identity: Identity) -> EsiaLink | None:
    return (
        EsiaLink.objects.select_related("user")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )


def esia_sign_in(request: HttpRequest, *, link: EsiaLink, next_url: str | None) -> HttpResponse:
    """Sign in the account a portal identity is linked to (ACC-4).

    The rest of sign-in still applies: allauth's login flow refuses a disabled account and
    runs its stages (two-factor), the adapter clears the throttle's failures and marks the
    browser as a known device, and the middleware asks an issued account for its own password
    first. An issued password that expired (ACC-2) signs in nobody, through the portal neither.

    A link made before the school last issued the account a password is void and removed:
    the school re-issues a password when the account must be taken back (a forgotten or
    leaked password), and that must close every way in, not only the password.
    """
    user = link.user
    issued_at = user.credentials_issued_at
    if issued_at is not None and link.created_at < issued_at:
        EsiaLink.objects.filter(pk=link.pk).delete()
        raise DomainError(
            _(
                "Школа выдала этой учётной записи новый пароль, поэтому прежняя связь с "
                "Госуслугами отменена. Войдите в Парту по логину и паролю с нового листка, "
                "придумайте свой пароль, а затем снова войдите через Госуслуги, чтобы связать "
                "их заново."
            ),
            code="reissued",
        )
    if initial_password_expired(user):
        raise DomainError(
            _(
                "Срок действия выданного пароля истёк, поэтому вход в эту учётную запись "
                "закрыт. Попросите классного руководителя выдать новый листок с данными для "
                "входа."
            ),
            code="expired",
        )
    EsiaLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    user.backend = _BACKEND  # type: ignore[attr-defined]
    verification = allauth_settings.EmailVerificationMethod.NONE
    if EmailAddress.objects.filter(user_id=user.pk, primary=True).exists():
        verification = allauth_settings.EmailVerificationMethod.MANDATORY
    return perform_login(
        request, user, email_verification=verification, redirect_url=next_url or None
    )


@transaction.atomic
def link_by_password(*, identity: Identity, user: User) -> EsiaLink:
    """Link a portal identity to ``user``, whose password the person has just typed (ACC-4).

    Only the account's own password proves it: a password the school issued is printed on a
    slip that others may have seen (ACC-2), so an issued account links through the school's
    confirmation, or by password after the person has set their own.
    """
    if not has_own_password(user):
        raise DomainError(
            _(
                "Эта учётная запись Парты пока открывается паролем, который выдала школа. "
                "Сначала войдите в Парту по логину и паролю с листка и придумайте свой пароль, "
                "а затем снова войдите через Госуслуги — или попросите школу подтвердить связь."
            ),
            code="issued_password",
        )
    existing = EsiaLink.objects.filter(issuer=identity.issuer, user=user).first()
    if existing is not None and existing.subject != identity.subject:
        raise DomainError(
            _(
                "Эта учётная запись Парты уже связана с другой учётной записью Госуслуг. "
                "Войдите в Парту по паролю и отвяжите прежнюю в настройках входа."
            ),
            code="other_subject",
        )
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            link = EsiaLink.objects.create(
                user=user,
                issuer=identity.issuer,
                subject=identity.subject,
                method=EsiaLink.Method.PASSWORD,
                display_name=identity.full_name,
            )
    except IntegrityError as exc:  # the identity was linked meanwhile (another tab)
        raise DomainError(
            _("Эта учётная запись Госуслуг уже связана с учётной записью Парты."),
            code="linked",
        ) from exc
    # A request to the school is no longer needed.
    LinkRequest.objects.pending().filter(issuer=identity.issuer, subject=identity.subject).update(
        status=Confirmation.REJECTED,
        decided_at=timezone.now(),
        rejection_reason=_("Связано по паролю Парты."),
    )
    return link


@dataclass(frozen=True)
class Candidate:
    user_id: int
    organization_id: int
    match: str


def find_candidates(identity: Identity) -> list[Candidate]:
    """The accounts (and their schools) the portal's data point to — a few queries.

    Matches by SNILS, or by the full name *together with* the birth date; a name alone points
    to nobody. Accounts already linked to an identity of this portal are left out. Schools are
    those where the account holds a confirmed place: a current enrolment, a staff position, or
    a child's current enrolment.
    """
    conditions: list[tuple[str, Q]] = []
    if identity.snils:
        conditions.append((LinkCandidate.Match.SNILS, Q(snils=identity.snils)))
    if identity.last_name and identity.first_name and identity.birth_date:
        conditions.append(
            (
                LinkCandidate.Match.NAME_BIRTH_DATE,
                Q(
                    last_name__iexact=identity.last_name,
                    first_name__iexact=identity.first_name,
                    middle_name__iexact=identity.middle_name,
                    birth_date=identity.birth_date,
                ),
            )
        )
    if not conditions:
        return []
    linked = EsiaLink.objects.filter(issuer=identity.issuer).values("user_id")
    matches: dict[int, str] = {}
    for match, condition in conditions:
        people = User.objects.filter(condition, is_active=True).exclude(pk__in=linked)
        for pk in people.values_list("pk", flat=True)[:20]:
            matches.setdefault(pk, match)
    if not matches:
        return []
    people_ids = list(matches)
    places: set[tuple[int, int]] = set()
    places |= set(
        Enrollment.objects.current()
        .filter(student_id__in=people_ids)
        .values_list("student_id", "school_class__organization_id")
    )
    places |= set(
        StaffPosition.objects.confirmed()
        .filter(person_id__in=people_ids)
        .values_list("person_id", "organization_id")
    )
    children = Guardianship.objects.filter(guardian_id__in=people_ids)
    for guardian_id, organization_id in (
        Enrollment.objects.current()
        .filter(student_id__in=children.values("child_id"))
        .values_list("student__guardians__guardian_id", "school_class__organization_id")
    ):
        if guardian_id in matches:
            places.add((guardian_id, organization_id))
    return [
        Candidate(user_id=user_id, organization_id=org_id, match=matches[user_id])
        for user_id, org_id in sorted(places)
    ]


@transaction.atomic
def link_request_create(*, identity: Identity, message: str = "") -> LinkRequest:
    """Ask the schools of the matching accounts to confirm the link (ACC-4).

    Nothing is linked here: the request waits for the administration of one of those schools.
    """
    if link_of(identity) is not None:
        raise DomainError(
            _("Эта учётная запись Госуслуг уже связана с учётной записью Парты."), code="linked"
        )
    existing = LinkRequest.objects.pending().filter(
        issuer=identity.issuer, subject=identity.subject
    )
    if existing.exists():
        raise DomainError(_("Заявка уже отправлена в школу и ждёт решения."), code="pending")
    candidates = find_candidates(identity)
    if not candidates:
        raise DomainError(
            _(
                "Школа не сможет подтвердить связь: по данным Госуслуг (СНИЛС или ФИО с датой "
                "рождения) в Парте не найдено ни ученика, ни родителя, ни сотрудника школы. "
                "Войдите по логину и паролю Парты или обратитесь в свою школу, чтобы там "
                "проверили СНИЛС и дату рождения в вашей учётной записи."
            ),
            code="no_candidates",
        )
    try:
        with transaction.atomic():
            request = LinkRequest.objects.create(
                issuer=identity.issuer,
                subject=identity.subject,
                last_name=identity.last_name,
                first_name=identity.first_name,
                middle_name=identity.middle_name,
                snils=identity.snils,
                birth_date=identity.birth_date,
                message=message.strip()[:1000],
            )
    except IntegrityError as exc:  # the same request from another tab a moment ago
        raise DomainError(
            _("Заявка уже отправлена в школу и ждёт решения."), code="pending"
        ) from exc
    LinkCandidate.objects.bulk_create(
        LinkCandidate(
            request=request,
            user_id=c.user_id,
            organization_id=c.organization_id,
            match=c.match,
        )
        for c in candidates
    )
    return request


def pending_request_of(identity: Identity) -> LinkRequest | None:
    return (
        LinkRequest.objects.filter(issuer=identity.issuer, subject=identity.subject)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def link_request_confirm(*, candidate_id: int, by: User) -> EsiaLink:
    """The school's administration confirms that the portal identity is this account (ACC-4).

    Only a candidate of the decider's own school (the access engine's ``decide`` scope), only
    while the request is pending, and never one's own account.
    """
    candidate = (
        LinkCandidate.objects.editable_by(by)
        .select_related("request")
        .filter(pk=candidate_id)
        .first()
    )
    if candidate is None:
        raise DomainError(_("Заявка не найдена."), code="missing")
    request = LinkRequest.objects.select_for_update().get(pk=candidate.request_id)
    if request.status != Confirmation.PENDING:
        raise DomainError(_("По этой заявке уже принято решение."), code="decided")
    if candidate.user_id == by.pk:
        raise DomainError(
            _("Свою учётную запись подтвердить нельзя: это сделает другой сотрудник школы."),
            code="self",
        )
    if EsiaLink.objects.filter(issuer=request.issuer, user_id=candidate.user_id).exists():
        raise DomainError(
            _("Эта учётная запись Парты уже связана с другой учётной записью Госуслуг."),
            code="other_subject",
        )
    try:
        with transaction.atomic():
            link = EsiaLink.objects.create(
                user_id=candidate.user_id,
                issuer=request.issuer,
                subject=request.subject,
                method=EsiaLink.Method.SCHOOL,
                confirmed_by=by,
                display_name=request.full_name,
            )
    except IntegrityError as exc:
        raise DomainError(
            _("Эта учётная запись Госуслуг уже связана с учётной записью Парты."), code="linked"
        ) from exc
    request.status = Confirmation.CONFIRMED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.linked_user_id = candidate.user_id
    request.save(update_fields=["status", "decided_by", "decided_at", "linked_user"])
    return link


@transaction.atomic
def link_request_reject(*, candidate_id: int, by: User, reason: str) -> LinkRequest:
    """The school's administration refuses the request, saying why (ACC-4)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Напишите причину отказа: человек увидит её при следующем входе."),
            field="reason",
            code="reason",
        )
    candidate = LinkCandidate.objects.editable_by(by).filter(pk=candidate_id).first()
    if candidate is None:
        raise DomainError(_("Заявка не найдена."), code="missing")
    request = LinkRequest.objects.select_for_update().get(pk=candidate.request_id)
    if request.status != Confirmation.PENDING:
        raise DomainError(_("По этой заявке уже принято решение."), code="decided")
    request.status = Confirmation.REJECTED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.rejection_reason = reason[:1000]
    request.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    return request


@transaction.atomic
def link_remove(*, link_id: int, user: User, password: str) -> None:
    """Unlink a portal sign-in from one's own account; the account's password proves it."""
    link = EsiaLink.objects.owned_by(user).filter(pk=link_id).first()
    if link is None:
        raise DomainError(_("Такой связи нет."), code="missing")
    if not password or not user.check_password(password):
        raise DomainError(_("Неверный пароль."), field="password", code="password")
    link.delete()
