"""VER-1: an organization without access requests it; the operator decides."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.issuing import PersonEntry
from parta.accounts.models import User
from parta.accounts.tokens import hash_token
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import Confirmation, Organization, StaffPosition
from parta.onboarding.models import (
    AccessRequest,
    new_token,
)
from parta.onboarding.pdf import request_form_pdf
from parta.onboarding.services.common import (
    DIRECTOR,
    _expires,
    _find_or_create_person,
    _issue_password,
    _language,
    _reason,
    _url,
)

logger = logging.getLogger(__name__)


# --- VER-1: access of an organization --------------------------------------------------------
@dataclass(frozen=True)
class RequestData:
    """What the organization types (already validated by the form)."""

    municipality_id: int
    kind: str
    name: str
    short_name: str
    inn: str
    address: str
    official_email: str
    last_name: str
    first_name: str
    middle_name: str
    phone: str


_DUPLICATE = _(
    "По этому ИНН уже подана заявка, и она ещё рассматривается. Ссылка на неё отправлена на "
    "официальную почту организации: откройте письмо и следите за заявкой там."
)


@transaction.atomic
def access_request_submit(*, data: RequestData, site_url: str) -> AccessRequest:
    """VER-1: an organization without access asks for it.

    Refused while another request for the same INN is open, and for an organization that
    already has access. The private link to the request goes only to the official email, with
    the prefilled form attached: whoever uploads the signed form through it holds that mailbox.
    """
    active = Organization.objects.filter(inn=data.inn).first()
    if active is not None and active.is_active:
        raise DomainError(
            _(
                "Организация с этим ИНН уже подключена к Парте. Логин и пароль руководителя "
                "были отправлены на её официальную почту; если руководитель сменился, подайте "
                "приказ о смене руководителя."
            ),
            field="inn",
            code="already_active",
        )
    if AccessRequest.objects.open().filter(inn=data.inn).exists():
        raise DomainError(_DUPLICATE, field="inn", code="duplicate")
    if AccessRequest.objects.open().filter(official_email__iexact=data.official_email).exists():
        raise DomainError(
            _(
                "С этой почты уже подана заявка, и она ещё рассматривается. Откройте письмо со "
                "ссылкой на неё; у каждой организации своя официальная почта."
            ),
            field="official_email",
            code="email_busy",
        )
    token, hashed = new_token()
    access_request = AccessRequest(
        municipality_id=data.municipality_id,
        kind=data.kind,
        name=data.name,
        short_name=data.short_name,
        inn=data.inn,
        address=data.address,
        official_email=data.official_email,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        phone=data.phone,
        language=_language(),
        token_hash=hashed,
        organization=active,
    )
    try:
        with transaction.atomic():
            access_request.save()
    except IntegrityError as exc:  # the same INN submitted at the same moment
        raise DomainError(_DUPLICATE, field="inn", code="duplicate") from exc
    send_letter(
        "onboarding/letters/request_link",
        [access_request.official_email],
        {"request": access_request, "link": _url(site_url, "onboarding_request_status", token)},
        language=access_request.language,
        attachments=[
            (
                f"zayavka-{access_request.pk}.pdf",
                request_form_pdf(access_request),
                "application/pdf",
            )
        ],
    )
    logger.info("VER-1: access request %s submitted for INN %s", access_request.pk, data.inn)
    return access_request


def access_request_by_token(token: str) -> AccessRequest | None:
    if not token or len(token) > 100:
        return None
    return (
        AccessRequest.objects.select_related("municipality__region")
        .filter(token_hash=hash_token(token))
        .first()
    )


@transaction.atomic
def access_request_upload(*, access_request: AccessRequest, upload: UploadedFile) -> AccessRequest:
    """VER-1: the signed and stamped form arrives through the official email's link.

    It may be replaced until the operator starts the review.
    """
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status not in (AccessRequest.Status.SUBMITTED, AccessRequest.Status.UPLOADED):
        raise DomainError(
            _("Заявка уже на проверке или решена: форму заменить нельзя."), code="closed"
        )
    if locked.form_scan:
        # The old file goes only once the new one is recorded: a rollback keeps it in place.
        storage, old_name = locked.form_scan.storage, locked.form_scan.name
        transaction.on_commit(lambda: storage.delete(old_name))
    locked.form_scan_name = getattr(upload, "parta_original_name", upload.name or "")[:200]
    locked.form_scan.save(upload.name or "form.pdf", upload, save=False)
    locked.status = AccessRequest.Status.UPLOADED
    locked.uploaded_at = timezone.now()
    locked.save()
    return locked


@transaction.atomic
def access_request_review_start(*, access_request: AccessRequest) -> AccessRequest:
    """VER-1: the operator opened an uploaded request: the organization sees "under review"."""
    updated = AccessRequest.objects.filter(
        pk=access_request.pk, status=AccessRequest.Status.UPLOADED
    ).update(status=AccessRequest.Status.REVIEW, review_started_at=timezone.now())
    if updated:
        access_request.refresh_from_db()
    return access_request


@transaction.atomic
def access_request_approve(
    *, access_request: AccessRequest, by: User, site_url: str
) -> AccessRequest:
    """VER-1: the operator grants access.

    The organization is created (or, if it is in the directory without access, activated and
    updated from the request); the director gets an account (an existing one if Parta knows
    the person) with a random single-use password and a director position that waits for the
    confirmation of authority (VER-2); the credentials go to the official email.
    """
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status not in (AccessRequest.Status.UPLOADED, AccessRequest.Status.REVIEW):
        raise DomainError(
            _("Предоставить доступ можно, когда загружена подписанная форма и заявка не решена."),
            code="not_ready",
        )
    organization = Organization.objects.select_for_update().filter(inn=locked.inn).first()
    if organization is not None and organization.is_active:
        raise DomainError(_("Организация с этим ИНН уже подключена к Парте."), code="active")
    if organization is None:
        organization = Organization(inn=locked.inn)
    for attr in ("municipality_id", "kind", "name", "short_name", "address", "official_email"):
        setattr(organization, attr, getattr(locked, attr))
    organization.is_active = True
    organization.save()
    # Whoever was director before the organization lost access does not come back with it.
    StaffPosition.objects.filter(
        organization=organization, position=DIRECTOR, is_active=True
    ).update(is_active=False)
    person, _created = _find_or_create_person(
        PersonEntry(locked.last_name, locked.first_name, locked.middle_name, phone=locked.phone),
        organization_id=organization.pk,
    )
    position, _created = StaffPosition.objects.update_or_create(
        person=person,
        organization=organization,
        position=DIRECTOR,
        defaults={
            "is_active": True,
            "status": Confirmation.PENDING,
            "decided_by": None,
            "decided_at": None,
            "rejection_reason": "",
            "since": timezone.localdate(),
        },
    )
    password = _issue_password(person, by)
    person.refresh_from_db()
    now = timezone.now()
    locked.status = AccessRequest.Status.APPROVED
    locked.decided_at = now
    locked.decided_by = by
    locked.review_started_at = locked.review_started_at or now
    locked.organization = organization
    locked.director = person
    locked.save()
    send_letter(
        "onboarding/letters/request_approved",
        [locked.official_email],
        {
            "request": locked,
            "person": person,
            "password": password,
            "expires": _expires(person),
            "login_url": _url(site_url, "account_login"),
            # A person who already holds other roles lands on another home page: the letter
            # leads straight to the confirmation step.
            "verify_url": _url(site_url, "onboarding_director_verify", position.pk),
        },
        language=locked.language,
    )
    logger.info("VER-1: person %s approved access request %s", by.pk, locked.pk)
    return locked


@transaction.atomic
def access_request_reject(
    *, access_request: AccessRequest, by: User, reason: str, site_url: str
) -> AccessRequest:
    """VER-1: the operator refuses, with the reason the organization reads."""
    reason = _reason(reason)
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if not locked.is_open:
        raise DomainError(_("Заявка уже решена."), code="closed")
    now = timezone.now()
    locked.status = AccessRequest.Status.REJECTED
    locked.rejection_reason = reason
    locked.decided_at = now
    locked.decided_by = by
    locked.save()
    send_letter(
        "onboarding/letters/request_rejected",
        [locked.official_email],
        {"request": locked, "new_request_url": _url(site_url, "onboarding_request_new")},
        language=locked.language,
    )
    logger.info("VER-1: person %s rejected access request %s", by.pk, locked.pk)
    return locked
