"""A person's secret iCalendar address: created, replaced, revoked (JRN-2, JRN-3, JRN-8).

The address carries a random token (256 bits from ``secrets``); only its SHA-256 is stored,
so a copy of the database does not open anybody's calendar. A person has at most one
address: making a new one revokes the old, and revoking leaves none. Calendar programs fetch
the address without a session, so the token is the only key — it is shown once.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parta.core import access
from parta.core.errors import DomainError
from parta.journal.models import CalendarFeed

TOKEN_BYTES = 32
TOKEN_PATTERN = r"[A-Za-z0-9_-]{32,64}"  # noqa: S105 (the shape of a token, not one)
# Calendar programs poll every few minutes; the time of last use is noted at most this often.
USE_NOTED_EVERY = datetime.timedelta(hours=1)
# Who has a timetable of their own to subscribe to.
FEED_ROLES = (access.STUDENT, access.PARENT, *access.SCHOOL_STAFF)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def may_subscribe(person: Any) -> bool:
    return access.has_role(person, *FEED_ROLES)


def feed_create(*, person: Any) -> str:
    """Give ``person`` a new secret calendar address and return its token (shown once).

    Any earlier address of theirs stops working at once.
    """
    if not may_subscribe(person):
        raise DomainError(_("Календарь есть у учеников, родителей и учителей."))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        # One row per person (a locked update, or a create that survives a race).
        CalendarFeed.objects.update_or_create(
            person_id=person.pk,
            defaults={
                "token_hash": token_hash(token),
                "created_at": timezone.now(),
                "last_used_at": None,
            },
        )
    return token


def feed_revoke(*, person: Any) -> bool:
    """Revoke the person's calendar address; True when there was one."""
    with transaction.atomic():
        deleted, _rows = CalendarFeed.objects.filter(person_id=person.pk).delete()
    return bool(deleted)


def feed_of(person: Any) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(person_id=person.pk).first()


def feed_person(token: str) -> Any | None:
    """The person whose address carries ``token``, or None (unknown, revoked, malformed).

    Notes when the address was last used (at most once an hour, so polling writes little).
    """
    if not re.fullmatch(TOKEN_PATTERN, token or ""):
        return None
    feed = (
        CalendarFeed.objects.select_related("person")
        .filter(token_hash=token_hash(token), person__is_active=True)
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - USE_NOTED_EVERY)
    ).update(last_used_at=now)
    return feed.person
