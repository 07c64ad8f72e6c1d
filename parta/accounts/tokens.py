"""Personal API tokens: creating, revoking, and recognising them on a request.

A token is ``parta_`` followed by 43 URL-safe random characters (256 bits). Only its SHA-256
is stored, so a copy of the database does not let anyone call the API as somebody else; a
random secret of that length needs no slow hash (unlike a password, it cannot be guessed).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parta.accounts.models import ApiToken, User
from parta.core.errors import DomainError

TOKEN_PREFIX = "parta_"  # noqa: S105 (not a secret: marks what is one)
# A person rarely needs more than a phone, a tablet and a script or two.
MAX_ACTIVE_TOKENS = 20
MAX_LIFETIME_DAYS = 366
# last_used_at is a hint for the person, not an audit log: one write a minute is enough.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _active() -> Q:
    return Q(revoked_at__isnull=True) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> IssuedToken:
    """API-1: a person creates a named token for themselves; the secret is returned once.

    Refused when the name is blank, the lifetime is out of range, or the person already
    holds ``MAX_ACTIVE_TOKENS`` working tokens.
    """
    name = name.strip()
    if not name:
        raise DomainError(_("Укажите название токена."), field="name", code="name_required")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        raise DomainError(
            _("Срок действия токена — от 1 до %(days)d дней.") % {"days": MAX_LIFETIME_DAYS},
            field="expires_in_days",
            code="lifetime_out_of_range",
        )
    # Lock the person's row so two simultaneous requests cannot both pass the limit.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    if ApiToken.objects.filter(_active(), user_id=user.pk).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            _("У вас уже %(count)d действующих токенов. Отзовите ненужные и повторите.")
            % {"count": MAX_ACTIVE_TOKENS},
            code="too_many_tokens",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = (
        timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    )
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        key_hash=hash_token(secret),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """API-2: a revoked token stops working at once; revoking twice changes nothing."""
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The working token with this secret and its (active) owner, or None.

    Marks the token used (at most once a minute, so reads stay reads).
    """
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.filter(_active(), key_hash=hash_token(secret), user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
