"""VER-2: the director confirms their authority; the operator confirms or rejects."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import Confirmation, StaffPosition
from parta.onboarding.models import (
    DirectorSubmission,
    Verdict,
)
from parta.onboarding.services.common import (
    DIRECTOR,
    _inn_must_match,
    _reason,
    _taken,
    _url,
)
from parta.privacy.consents import consent_in_force
from parta.privacy.texts import DIRECTOR_VERIFICATION

logger = logging.getLogger(__name__)


# --- VER-2: the director confirms their authority ------------------------------------------
@dataclass(frozen=True)
class DirectorData:
    last_name: str
    first_name: str
    middle_name: str
    position_title: str
    snils: str
    phone: str
    email: str
    inn: str


@transaction.atomic
def director_submission_submit(
    *,
    staff_position: StaffPosition,
    person: User,
    data: DirectorData,
    upload: UploadedFile | None = None,
) -> DirectorSubmission:
    """VER-2: a director whose position waits sends their identity data with the INN.

    Only after the consent to personal-data processing (DIRECTOR_VERIFICATION) is in force;
    the INN must be the organization's; SNILS and email must not be another person's.
    """
    consent = consent_in_force(person, DIRECTOR_VERIFICATION.key)
    if consent is None:
        raise DomainError(
            _("Сначала дайте согласие на обработку персональных данных."), code="no_consent"
        )
    position = (
        StaffPosition.objects.select_for_update()
        .select_related("organization")
        .get(pk=staff_position.pk)
    )
    if (
        position.person_id != person.pk
        or position.position != DIRECTOR
        or not position.is_active
        or position.status == Confirmation.CONFIRMED
    ):
        raise DomainError(_("Эта должность не ждёт подтверждения."), code="not_pending")
    if DirectorSubmission.objects.filter(staff_position=position, status=Verdict.PENDING).exists():
        raise DomainError(
            _("Данные уже отправлены и ждут проверки регионального оператора."), code="pending"
        )
    _inn_must_match(data.inn, position.organization)
    if _taken(person, snils=data.snils):
        raise DomainError(
            _("Этот СНИЛС записан в Парте за другим человеком. Проверьте цифры."),
            field="snils",
            code="snils_taken",
        )
    if _taken(person, email=data.email):
        raise DomainError(
            _("Эта почта записана в Парте за другим человеком. Укажите свою личную почту."),
            field="email",
            code="email_taken",
        )
    submission = DirectorSubmission(
        staff_position=position,
        person=person,
        organization=position.organization,
        consent=consent,
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        position_title=data.position_title,
        snils=data.snils,
        phone=data.phone,
        email=data.email,
        inn=data.inn,
    )
    if upload is not None:
        submission.order_scan_name = getattr(upload, "parta_original_name", "")[:200]
        submission.order_scan.save(upload.name or "order.pdf", upload, save=False)
    submission.save()
    logger.info("VER-2: person %s submitted director data for %s", person.pk, position.pk)
    return submission


def _fill_person(person: User, submission: DirectorSubmission) -> None:
    """The confirmed identity becomes the account's: names, and identifiers nobody else has."""
    person.last_name = submission.last_name
    person.first_name = submission.first_name
    person.middle_name = submission.middle_name
    fields = ["last_name", "first_name", "middle_name"]
    for attr in ("snils", "phone", "email"):
        value = getattr(submission, attr)
        if value and not getattr(person, attr) and not _taken(person, **{attr: value}):
            setattr(person, attr, value)
            fields.append(attr)
    person.save(update_fields=fields)


@transaction.atomic
def director_submission_confirm(
    *, submission: DirectorSubmission, by: User, site_url: str
) -> DirectorSubmission:
    """VER-2: the operator confirms the director: the position is confirmed and gives the role."""
    # The person comes with the locked row (read once); only the submission's row is locked.
    locked = (
        DirectorSubmission.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=submission.pk)
    )
    person = locked.person
    if locked.status != Verdict.PENDING:
        raise DomainError(_("По этим данным решение уже принято."), code="closed")
    if consent_in_force(person, DIRECTOR_VERIFICATION.key) is None:
        raise DomainError(
            _(
                "Руководитель отозвал согласие на обработку персональных данных: подтвердить "
                "его нельзя. Отклоните данные с причиной — он сможет дать согласие снова."
            ),
            code="consent_withdrawn",
        )
    position = StaffPosition.objects.select_for_update().get(pk=locked.staff_position_id)
    if not position.is_active:
        raise DomainError(
            _("Эта должность больше не действует: руководитель сменился."), code="inactive"
        )
    now = timezone.now()
    position.status = Confirmation.CONFIRMED
    position.decided_by = by
    position.decided_at = now
    position.rejection_reason = ""
    position.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    _fill_person(person, locked)
    locked.status = Verdict.CONFIRMED
    locked.decided_by = by
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    send_letter(
        "onboarding/letters/director_confirmed",
        [locked.email],
        {"submission": locked, "site_url": _url(site_url, "home")},
        language=person.language or None,
    )
    logger.info("VER-2: person %s confirmed director position %s", by.pk, position.pk)
    return locked


@transaction.atomic
def director_submission_reject(
    *, submission: DirectorSubmission, by: User, reason: str, site_url: str
) -> DirectorSubmission:
    """VER-2: the operator refuses the data with a reason; the director may send them again."""
    reason = _reason(reason)
    locked = (
        DirectorSubmission.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=submission.pk)
    )
    if locked.status != Verdict.PENDING:
        raise DomainError(_("По этим данным решение уже принято."), code="closed")
    locked.status = Verdict.REJECTED
    locked.rejection_reason = reason
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    person = locked.person
    send_letter(
        "onboarding/letters/director_rejected",
        [locked.email],
        {
            "submission": locked,
            "link": _url(site_url, "onboarding_director_verify", locked.staff_position_id),
        },
        language=person.language or None,
    )
    logger.info("VER-2: person %s rejected director data %s", by.pk, locked.pk)
    return locked
