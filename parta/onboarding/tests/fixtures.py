"""Objects the onboarding tests and the access matrix need (VER-1..3)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parta import factories as f
from parta.accounts.tokens import hash_token
from parta.conftest import Cast
from parta.core.validators import snils_checksum
from parta.directory.models import StaffPosition
from parta.onboarding.models import (
    AccessRequest,
    DirectorChange,
    DirectorSubmission,
)
from parta.privacy.consents import give_consent
from parta.privacy.texts import DIRECTOR_VERIFICATION

REQUEST_TOKEN = "matrix-request-token-0123456789abcdefghijklmnop"
CHANGE_TOKEN = "matrix-change-token-0123456789abcdefghijklmnopq"
NEW_INN = "7707083893"  # a valid INN no organization of the cast has


def pdf_bytes(text: str = "Parta") -> bytes:
    return f"%PDF-1.4\n% {text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


def pdf_upload(name: str = "zayavka.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def snils(nine: str) -> str:
    return f"{nine}{snils_checksum(nine):02d}"


def access_request(cast: Cast, *, token: str = REQUEST_TOKEN, with_scan: bool = True) -> Any:
    """An uploaded request of a new school in the cast's municipality M1."""
    existing = AccessRequest.objects.filter(token_hash=hash_token(token)).first()
    if existing is not None:
        return existing
    r = AccessRequest(
        municipality=cast.municipality,
        kind="school",
        name="Муниципальное бюджетное общеобразовательное учреждение «Школа № 9»",
        short_name="Школа № 9",
        inn=NEW_INN,
        address="ул. Новая, 9",
        official_email="school9@edu.example.ru",
        last_name="Ахметова",
        first_name="Гүлнар",
        middle_name="Серікқызы",
        phone="+79120009999",
        token_hash=hash_token(token),
    )
    if with_scan:
        r.form_scan.save("document.pdf", ContentFile(pdf_bytes()), save=False)
        r.form_scan_name = "zayavka.pdf"
        r.status = AccessRequest.Status.UPLOADED
    r.save()
    return r


def pending_director(cast: Cast) -> StaffPosition:
    """A director of Школа № 2 whose position waits (not one of the cast's members)."""
    person = f.UserFactory(username="novdirektor", last_name="Белова", first_name="Дарья")
    return StaffPosition.objects.get_or_create(
        person=person,
        organization=cast.other_school,
        position="director",
        defaults={"status": "pending"},
    )[0]


def pending_director_position(cast: Cast) -> StaffPosition:
    existing = StaffPosition.objects.filter(
        organization=cast.other_school, position="director", is_active=True
    ).first()
    return existing or pending_director(cast)


def director_submission(cast: Cast) -> DirectorSubmission:
    position = pending_director_position(cast)
    existing = DirectorSubmission.objects.filter(staff_position=position).first()
    if existing is not None:
        return existing
    consent = give_consent(position.person, DIRECTOR_VERIFICATION.key, given_by=position.person)
    s = DirectorSubmission(
        staff_position=position,
        person=position.person,
        organization=position.organization,
        consent=consent,
        last_name="Белова",
        first_name="Дарья",
        middle_name="Игоревна",
        position_title="Директор",
        snils=snils("123456789"),
        phone="+79120001111",
        email="belova@example.ru",
        inn=position.organization.inn,
    )
    s.order_scan.save("document.pdf", ContentFile(pdf_bytes()), save=False)
    s.order_scan_name = "prikaz.pdf"
    s.save()
    return s


def director_change(cast: Cast) -> DirectorChange:
    """A submitted order replacing the director of Школа № 1."""
    existing = DirectorChange.objects.filter(organization=cast.school).first()
    if existing is not None:
        return existing
    c = DirectorChange(
        organization=cast.school,
        source=DirectorChange.Source.CABINET,
        submitted_by=cast.director,
        inn=cast.school.inn,
        order_number="15-к",
        order_date="2026-11-01",
        last_name="Соколова",
        first_name="Марина",
        middle_name="Олеговна",
        email="sokolova@example.ru",
        status=DirectorChange.Status.SUBMITTED,
    )
    c.order_scan.save("document.pdf", ContentFile(pdf_bytes()), save=False)
    c.order_scan_name = "prikaz.pdf"
    c.save()
    return c


def change_link(cast: Cast, token: str = CHANGE_TOKEN) -> DirectorChange:
    """A change of director of Школа № 2 started from the public side (link sent)."""
    existing = DirectorChange.objects.filter(token_hash=hash_token(token)).first()
    if existing is not None:
        return existing
    return DirectorChange.objects.create(
        organization=cast.other_school,
        source=DirectorChange.Source.OFFICIAL_EMAIL,
        status=DirectorChange.Status.LINK_SENT,
        token_hash=hash_token(token),
        link_sent_at=timezone.now(),  # a link works for CHANGE_LINK_DAYS after it was sent
    )
