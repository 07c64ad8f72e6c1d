"""VER-3: the change of director by order; the operator applies or rejects it."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts import issuing
from parta.accounts.issuing import PersonEntry
from parta.accounts.models import User
from parta.accounts.tokens import hash_token
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import Confirmation, Organization, StaffPosition
from parta.onboarding.models import (
    DirectorChange,
    DirectorSubmission,
    Verdict,
    new_token,
)
from parta.onboarding.services.common import (
    DIRECTOR,
    LINK_RESEND_MINUTES,
    _expires,
    _inn_must_match,
    _issue_password,
    _language,
    _reason,
    _url,
    mask_email,
)

logger = logging.getLogger(__name__)

# The private link to the change form works this long after it was sent; a new one can be
# requested from the public page at any time (the official mailbox receives it).
CHANGE_LINK_DAYS = 7


# --- VER-3: the change of director -----------------------------------------------------------
@dataclass(frozen=True)
class ChangeData:
    inn: str
    order_number: str
    order_date: datetime.date | None
    last_name: str
    first_name: str
    middle_name: str
    email: str
    phone: str
    snils: str


@transaction.atomic
def director_change_link_send(*, inn: str, site_url: str) -> tuple[DirectorChange, str]:
    """VER-3, public side: when the old director is gone, the organization proves itself by its
    official email — Parta sends there a private link to the change form. Returns the change
    and the masked address the letter went to. ``inn`` is already normalized (the form's)."""
    organization = Organization.objects.filter(inn=inn, is_active=True).first()
    if organization is None:
        raise DomainError(
            _(
                "Организация с таким ИНН не подключена к Парте. Если у неё ещё нет доступа, "
                "подайте заявку на подключение."
            ),
            field="inn",
            code="unknown",
        )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    change = DirectorChange.objects.open().filter(organization=organization).first()
    now = timezone.now()
    if change is not None and change.status == DirectorChange.Status.SUBMITTED:
        raise DomainError(
            _("Приказ о смене руководителя уже отправлен и ждёт проверки."),
            field="inn",
            code="pending",
        )
    if (
        change is not None
        and change.link_sent_at
        and change.link_sent_at > now - datetime.timedelta(minutes=LINK_RESEND_MINUTES)
    ):
        raise DomainError(
            _(
                "Ссылка уже отправлена на официальную почту организации (%(email)s) несколько "
                "минут назад. Проверьте почту, в том числе папку «Спам»; новое письмо можно "
                "запросить через %(minutes)s минут."
            )
            % {"email": mask_email(organization.official_email), "minutes": LINK_RESEND_MINUTES},
            field="inn",
            code="recently_sent",
        )
    token, hashed = new_token()
    if change is None:
        change = DirectorChange(
            organization=organization,
            source=DirectorChange.Source.OFFICIAL_EMAIL,
            status=DirectorChange.Status.LINK_SENT,
        )
    change.token_hash = hashed  # an earlier link stops working
    change.link_sent_at = now
    change.language = _language()
    change.save()
    send_letter(
        "onboarding/letters/change_link",
        [organization.official_email],
        {"organization": organization, "link": _url(site_url, "onboarding_change_public", token)},
        language=change.language,
    )
    return change, mask_email(organization.official_email)


def _link_expired(change: DirectorChange) -> bool:
    limit = datetime.timedelta(days=CHANGE_LINK_DAYS)
    return change.link_sent_at is None or change.link_sent_at <= timezone.now() - limit


def director_change_by_token(token: str) -> DirectorChange | None:
    """VER-3: the change behind the official email's link; ``None`` for an unknown link.

    A link older than ``CHANGE_LINK_DAYS`` is refused with ``DomainError`` (code ``expired``).
    """
    if not token or len(token) > 100:
        return None
    change = (
        DirectorChange.objects.select_related("organization__municipality__region")
        .filter(token_hash=hash_token(token), source=DirectorChange.Source.OFFICIAL_EMAIL)
        .first()
    )
    if change is not None and _link_expired(change):
        raise DomainError(
            _(
                "Срок действия этой ссылки истёк. Запросите новую: укажите ИНН организации, и "
                "ссылка придёт на её официальную почту."
            ),
            code="expired",
        )
    return change


@transaction.atomic
def director_change_submit(
    *,
    organization: Organization,
    data: ChangeData,
    upload: UploadedFile,
    submitted_by: User | None = None,
    via_link: DirectorChange | None = None,
) -> DirectorChange:
    """VER-3: the order (приказ) with the INN and the new director's data, for the operator.

    From the director's cabinet (``submitted_by``) or through the official email's link
    (``via_link``). One open change per organization.
    """
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _inn_must_match(data.inn, organization)
    open_change = DirectorChange.objects.open().filter(organization=organization).first()
    if via_link is not None and (
        open_change is None or open_change.pk != via_link.pk or _link_expired(open_change)
    ):
        raise DomainError(_("Эта ссылка больше не действует."), code="stale")
    if open_change is not None and open_change.status == DirectorChange.Status.SUBMITTED:
        raise DomainError(
            _("Приказ о смене руководителя уже отправлен и ждёт проверки."), code="pending"
        )
    current = StaffPosition.objects.filter(
        organization=organization, position=DIRECTOR, is_active=True
    ).select_related("person")
    for position in current:
        same = (data.email and position.person.email.lower() == data.email.lower()) or (
            data.snils and position.person.snils == data.snils
        )
        if same:
            raise DomainError(
                _("Этот человек уже записан руководителем организации."),
                field="email",
                code="same_director",
            )
    change = open_change or DirectorChange(
        organization=organization, source=DirectorChange.Source.CABINET
    )
    if via_link is None:
        change.source = DirectorChange.Source.CABINET
        change.token_hash = ""
        change.language = _language()
    change.submitted_by = submitted_by
    for attr in ("inn", "order_number", "order_date", "last_name", "first_name", "middle_name"):
        setattr(change, attr, getattr(data, attr))
    change.email, change.phone, change.snils = data.email, data.phone, data.snils
    change.order_scan_name = getattr(upload, "parta_original_name", "")[:200]
    change.order_scan.save(upload.name or "order.pdf", upload, save=False)
    change.status = DirectorChange.Status.SUBMITTED
    change.submitted_at = timezone.now()
    change.save()
    logger.info("VER-3: change of director %s submitted for %s", change.pk, organization.pk)
    return change


def _operator_error(exc: DomainError) -> DomainError:
    """The person lookup's refusal, told to the operator, who cannot edit the order."""
    if exc.code == "identifier_taken" and exc.field == "director-snils":
        message = _(
            "СНИЛС нового руководителя записан в Парте за человеком с другими фамилией или "
            "именем. Отклоните приказ и попросите организацию проверить данные."
        )
    elif exc.code == "identifier_taken":
        message = _(
            "Почта нового руководителя записана в Парте за человеком с другими фамилией или "
            "именем. Отклоните приказ и попросите организацию проверить данные."
        )
    else:
        message = _(
            "Почта и СНИЛС нового руководителя записаны в Парте за разными людьми. "
            "Отклоните приказ и попросите организацию проверить данные."
        )
    return DomainError(message, code="conflict")


def _existing_director(change: DirectorChange) -> User | None:
    """The account the order's new director already has, by the rules of ACC-2.

    Found by SNILS or email only when the names agree (a mistyped or borrowed SNILS must not
    hand someone else's account over); refused when the account has another email, since the
    letter goes only to the account's own address.
    """
    entry = PersonEntry(
        change.last_name, change.first_name, change.middle_name,
        snils=change.snils, email=change.email,
    )  # fmt: skip
    try:
        person = issuing.find_person(
            entry, prefix="director", organization_id=change.organization_id, child=None
        )
    except DomainError as exc:
        raise _operator_error(exc) from exc
    if (
        person is not None
        and person.email
        and change.email
        and person.email.lower() != change.email.lower()
    ):
        raise DomainError(
            _(
                "У нового руководителя уже есть учётная запись в Парте с другой почтой "
                "(%(email)s). Письмо о назначении уходит только на почту учётной записи: "
                "отклоните приказ и попросите организацию указать эту почту."
            )
            % {"email": mask_email(person.email)},
            code="email_differs",
        )
    return person


def director_change_candidate(change: DirectorChange) -> User | None:
    """VER-3: the existing account the order's new director would get (``_existing_director``).

    Raises ``DomainError`` when applying the order would be refused for that reason.
    """
    return _existing_director(change)


def _new_director(change: DirectorChange) -> tuple[User, str]:
    """The new director's account and the address their letter goes to ("" for none).

    An existing account keeps its own address; one without an address takes the order's only
    if nobody has set a password on it yet — else that address could reset the password.
    """
    person = _existing_director(change)
    if person is not None:
        own_password = issuing.has_own_password(person)
        issuing._fill_blanks(
            person,
            PersonEntry(
                person.last_name,
                person.first_name,
                snils=change.snils,
                email="" if own_password else change.email,
            ),
        )
        if not person.email:
            return person, ""
        # The order's spelling when it is the same address (emails are compared case-blind).
        same = change.email and change.email.lower() == person.email.lower()
        return person, change.email if same else person.email
    phone = (
        change.phone
        if change.phone and not User.objects.filter(phone=change.phone).exists()
        else ""
    )
    person = issuing._create_person(
        PersonEntry(
            change.last_name,
            change.first_name,
            change.middle_name,
            snils=change.snils,
            phone=phone,
            email=change.email,
        )
    )
    return person, person.email


@transaction.atomic
def director_change_apply(*, change: DirectorChange, by: User, site_url: str) -> DirectorChange:
    """VER-3: the operator applies the order.

    The old director's position stops at once (with it the role); the new director gets a
    confirmed position — the order is the proof — on their existing account or a new one with
    a random single-use password; they are told by email, and so is the official mailbox.
    """
    locked = DirectorChange.objects.select_for_update().get(pk=change.pk)
    if locked.status != DirectorChange.Status.SUBMITTED:
        raise DomainError(_("Этот приказ уже рассмотрен или ещё не отправлен."), code="closed")
    organization = Organization.objects.select_for_update().get(pk=locked.organization_id)
    person, address = _new_director(locked)
    old_positions = list(
        StaffPosition.objects.select_for_update()
        .filter(organization=organization, position=DIRECTOR, is_active=True)
        .exclude(person=person)
    )
    now = timezone.now()
    # staff_one_director: the old position must stop before the new one starts.
    StaffPosition.objects.filter(pk__in=[p.pk for p in old_positions]).update(is_active=False)
    DirectorSubmission.objects.filter(
        staff_position_id__in=[p.pk for p in old_positions], status=Verdict.PENDING
    ).update(
        status=Verdict.REJECTED,
        decided_by=by,
        decided_at=now,
        rejection_reason=str(_("Руководитель организации сменился по приказу.")),
    )
    StaffPosition.objects.update_or_create(
        person=person,
        organization=organization,
        position=DIRECTOR,
        defaults={
            "is_active": True,
            "status": Confirmation.CONFIRMED,
            "decided_by": by,
            "decided_at": now,
            "rejection_reason": "",
            "since": locked.order_date or timezone.localdate(),
        },
    )
    # A password is issued only to be mailed to the account's own address, and never over a
    # password the person set themselves (``_issue_password``).
    password = _issue_password(person, by) if address else None
    person.refresh_from_db()
    locked.status = DirectorChange.Status.APPLIED
    locked.decided_by = by
    locked.decided_at = now
    locked.new_director = person
    locked.old_director_id = old_positions[0].person_id if old_positions else None
    locked.save()
    context = {
        "change": locked,
        "organization": organization,
        "person": person,
        "password": password,
        "expires": _expires(person),
        "login_url": _url(site_url, "account_login"),
        "notified": bool(address),
    }
    send_letter("onboarding/letters/change_applied", [address], context, language=locked.language)
    if organization.official_email.lower() != address.lower():
        send_letter(
            "onboarding/letters/change_applied_organization",
            [organization.official_email],
            context,
            language=locked.language,
        )
    logger.info("VER-3: person %s applied change of director %s", by.pk, locked.pk)
    return locked


@transaction.atomic
def director_change_reject(
    *, change: DirectorChange, by: User, reason: str, site_url: str
) -> DirectorChange:
    """VER-3: the operator refuses the order with a reason (sent to the official email)."""
    reason = _reason(reason)
    locked = (
        DirectorChange.objects.select_for_update().select_related("organization").get(pk=change.pk)
    )
    if locked.status != DirectorChange.Status.SUBMITTED:
        raise DomainError(_("Этот приказ уже рассмотрен или ещё не отправлен."), code="closed")
    locked.status = DirectorChange.Status.REJECTED
    locked.rejection_reason = reason
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    recipients = [locked.organization.official_email]
    if locked.submitted_by_id:
        submitter = User.objects.filter(pk=locked.submitted_by_id).values_list("email", flat=True)
        recipients += [e for e in submitter if e]
    send_letter(
        "onboarding/letters/change_rejected",
        list(dict.fromkeys(recipients)),
        {
            "change": locked,
            "organization": locked.organization,
            "link": _url(site_url, "onboarding_change_start"),
        },
        language=locked.language,
    )
    return locked
