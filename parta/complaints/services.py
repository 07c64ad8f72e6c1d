"""Filing and answering complaints (ACC-6).

Every write of the complaints app lives here. Letters go out after the transaction commits
(``parta.core.mail.send_letter``); links in them are absolute, built from ``site`` — the address
the person used (``request.build_absolute_uri("/")``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.accounts.tokens import hash_token
from parta.complaints.models import Complaint
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import Official, Organization

_THROTTLE_PREFIX = "parta:complaints:address"
_DAY = 24 * 3600
_STATUS_SALT = "parta.complaints.status-link"


def _absolute(site: str, path: str) -> str:
    return site.rstrip("/") + path


@dataclass(frozen=True)
class FiledComplaint:
    """A complaint just filed and the key of its private link, known only at this moment."""

    complaint: Complaint
    access_key: str


def status_path(complaint: Complaint, access_key: str | None = None) -> str:
    """The complainant's private status page.

    With ``access_key`` (only known when the complaint is filed: the database keeps its hash)
    the link of the "received" letter. Without it, a link that carries the complaint's id
    signed with ``SECRET_KEY``: later letters point to the same page, and the link of the
    first letter keeps working (a fresh key would have to replace its hash and break it).
    """
    key = access_key or signing.dumps(complaint.pk, salt=_STATUS_SALT)
    return reverse("complaint_status", args=[key])


def status_lookup(key: str) -> Q:
    """The complaint a status link opens: by the hash of its key, or by its signed id."""
    if ":" not in key:  # a random key (URL-safe base64) never holds the signature's ":"
        return Q(access_key_hash=hash_token(key))
    try:
        pk = signing.loads(key, salt=_STATUS_SALT)
    except signing.BadSignature:
        return Q(pk__in=[])
    return Q(pk=pk) if isinstance(pk, int) else Q(pk__in=[])


def _throttle_key(address: str) -> str:
    return f"{_THROTTLE_PREFIX}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


def complaint_throttle(*, address: str) -> None:
    """ACC-6: at most ``PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY`` complaints from one address a day.

    The form is open to anyone; the robot check stops programs, this stops a person (or a
    program that solves sums) from flooding the department's queue. The filing is counted
    first and refused when the count goes over the limit, in one step of the cache: parallel
    filings cannot all read a count under the limit before any of them adds to it.
    """
    key = _throttle_key(address)
    # As the sign-in throttle (parta.accounts.throttle.record_failure): add() starts the day.
    if cache.add(key, 1, timeout=_DAY):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # the day ended between add() and incr()
            cache.set(key, 1, timeout=_DAY)
            count = 1
    if count > settings.PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY:
        raise DomainError(
            _(
                "С этого адреса сегодня уже подано много жалоб. Попробуйте завтра или "
                "позвоните в управление образования."
            ),
            code="throttled",
        )


def _officials_emails(organization: Organization) -> list[str]:
    """The addresses of the officials of the school's municipality (one query)."""
    return sorted(
        {
            email
            for email in Official.objects.filter(
                kind=Official.Kind.MUNICIPAL,
                municipality_id=organization.municipality_id,
                is_active=True,
            )
            .exclude(person__email="")
            .values_list("person__email", flat=True)
        }
    )


@transaction.atomic
def complaint_file(
    *,
    organization: Organization,
    text: str,
    employee: str,
    complainant_name: str,
    email: str,
    phone: str,
    language: str,
    address: str,
    site: str,
) -> FiledComplaint:
    """ACC-6: file a complaint about a school to the education department, signed in or not.

    The complainant receives a letter with the complaint's number and a private link to its
    status; the municipality's officials receive a note that a new complaint waits.
    """
    if not organization.is_active:
        raise DomainError(_("Эта школа не подключена к Парте."), field="organization")
    complaint_throttle(address=address)
    access_key = secrets.token_urlsafe(32)
    complaint = Complaint.objects.create(
        organization=organization,
        text=text.strip(),
        employee=employee.strip(),
        complainant_name=" ".join(complainant_name.split()),
        email=email.strip(),
        phone=phone,
        language=language,
        access_key_hash=hash_token(access_key),
    )
    context = {
        "complaint": complaint,
        "school": organization,
        "status_url": _absolute(site, status_path(complaint, access_key)),
    }
    send_letter("complaints/letters/received", [complaint.email], context, language=language)
    send_letter(
        "complaints/letters/new_for_officials",
        _officials_emails(organization),
        {**context, "queue_url": _absolute(site, reverse("complaints_queue"))},
    )
    return FiledComplaint(complaint=complaint, access_key=access_key)


def _locked(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=complaint.pk)
    )


@transaction.atomic
def complaint_take(*, complaint: Complaint, official: User) -> Complaint:
    """ACC-6: an official takes a new complaint into work, so colleagues see who handles it."""
    complaint = _locked(complaint)
    if complaint.status == Complaint.Status.ANSWERED:
        raise DomainError(_("На эту жалобу уже дан ответ."), code="answered")
    if complaint.status == Complaint.Status.NEW:
        complaint.status = Complaint.Status.IN_PROGRESS
        complaint.taken_by = official
        complaint.taken_at = timezone.now()
        complaint.save(update_fields=["status", "taken_by", "taken_at"])
    return complaint


@transaction.atomic
def complaint_answer(*, complaint: Complaint, official: User, answer: str, site: str) -> Complaint:
    """ACC-6: the department answers a complaint and closes it; the answer is emailed.

    A complaint is answered once: a second answer (two officials at the same moment) is refused.
    """
    complaint = _locked(complaint)
    if complaint.status == Complaint.Status.ANSWERED:
        raise DomainError(_("На эту жалобу уже дан ответ."), code="answered")
    answer = answer.strip()
    if not answer:
        raise DomainError(_("Напишите ответ заявителю."), field="answer")
    now = timezone.now()
    if complaint.taken_by_id is None:
        complaint.taken_by = official
        complaint.taken_at = now
    complaint.status = Complaint.Status.ANSWERED
    complaint.answer = answer
    complaint.answered_by = official
    complaint.answered_at = now
    complaint.save(
        update_fields=["status", "taken_by", "taken_at", "answer", "answered_by", "answered_at"]
    )
    send_letter(
        "complaints/letters/answered",
        [complaint.email],
        {
            "complaint": complaint,
            "school": complaint.organization,
            "status_url": _absolute(site, status_path(complaint)),
        },
        language=complaint.language or None,
    )
    return complaint
