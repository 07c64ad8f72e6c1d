"""Helpers shared by the onboarding services: links in letters, people, passwords, INN checks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from parta.accounts import issuing
from parta.accounts.issuing import PersonEntry
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.directory.models import Organization, StaffPosition

DIRECTOR = StaffPosition.Position.DIRECTOR
# A second letter with a private link to the same mailbox waits this long (no mail bombing).
LINK_RESEND_MINUTES = 10


def _url(site_url: str, name: str, *args: Any) -> str:
    return site_url.rstrip("/") + reverse(name, args=args)


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:8]


def mask_email(address: str) -> str:
    """``d***@school.ru``: enough to recognize one's mailbox, not to learn someone else's."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else address


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Напишите причину отказа: её получит организация."), field="reason", code="reason"
        )
    return reason


def _find_or_create_person(entry: PersonEntry, *, organization_id: int) -> tuple[User, bool]:
    """An existing account of this person (ACC-2 rules), else a new one; (person, created)."""
    entry, _problems = issuing.person_entry_clean(
        entry, prefix="director", birth_date_required=False
    )
    try:
        person = issuing.find_person(
            entry, prefix="director", organization_id=organization_id, child=None
        )
    except DomainError:
        # The phone or email belongs to someone else: the account is made without them.
        person = None
        entry = PersonEntry(entry.last_name, entry.first_name, entry.middle_name)
    if person is not None:
        issuing._fill_blanks(person, entry)
        return person, False
    return issuing._create_person(entry), True


def _issue_password(person: User, by: User) -> str | None:
    """A fresh random initial password (ACC-2), unless the person already has their own."""
    issued = issuing.credentials_issue(people=[person], issued_by=by)
    return issued[0][1] if issued else None


def _expires(person: User) -> str:
    if person.initial_password_issued_at is None:
        return ""
    expires = issuing.initial_password_expires_at(person.initial_password_issued_at)
    return formats.date_format(timezone.localtime(expires), "SHORT_DATE_FORMAT")


def _inn_must_match(typed: str, organization: Organization) -> None:
    if typed != organization.inn:
        raise DomainError(
            _(
                "ИНН не совпадает с ИНН организации «%(name)s», записанным в Парте. Укажите ИНН "
                "своей организации; если в Парте он записан с ошибкой, напишите региональному "
                "оператору."
            )
            % {"name": organization.short_name},
            field="inn",
            code="inn_mismatch",
        )


def _taken(person: User, **lookup: str) -> bool:
    field_name, value = next(iter(lookup.items()))
    if not value:
        return False
    condition = Q(email__iexact=value) if field_name == "email" else Q(**lookup)
    return User.objects.filter(condition).exclude(pk=person.pk).exists()
