"""Sign-in by login, email, phone or SNILS with a password (ACC-4)."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest

from parta.accounts import roles
from parta.accounts.issuing import initial_password_expired
from parta.accounts.models import User
from parta.core import sql
from parta.core.validators import normalize_phone, normalize_snils


def identifier_filter(identifier: str) -> Q | None:
    """The filter that finds the one account an identifier names, or None if it names none.

    An identifier with ``@`` is an email; 11 digits that pass the SNILS checksum are a SNILS;
    anything that reads as a phone number is a phone; everything else is a login.
    """
    value = (identifier or "").strip()
    if not value:
        return None
    if "@" in value:
        return Q(email__iexact=value)
    condition = Q(username__iexact=value)
    digits = "".join(ch for ch in value if ch.isdigit())
    if digits and len(digits) >= 10 and not any(ch.isalpha() for ch in value):
        with contextlib.suppress(ValidationError):
            condition |= Q(snils=normalize_snils(value))
        with contextlib.suppress(ValidationError):
            condition |= Q(phone=normalize_phone(value))
    return condition


def find_account(identifier: str) -> User | None:
    condition = identifier_filter(identifier)
    if condition is None:
        return None
    matches = list(User.objects.filter(condition)[:2])
    # Two accounts behind one identifier (a login that is another person's phone) is
    # ambiguous: sign in by nothing rather than by the wrong person.
    return matches[0] if len(matches) == 1 else None


# The signed-in person with their roles (``roles.role_rows_column``), read on every request:
# compiled once per process (``core.sql.Baked``) and prepared on the server.
_PERSON = sql.Baked(
    lambda pk: User.objects.filter(pk=pk).order_by().annotate(**roles.role_rows_column())
)


class IdentifierBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        """The person of a session (Django's own lookup by key, without compiling it on
        every page), their roles read in the same statement."""
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        user = _PERSON.first((), pk=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get("email") or kwargs.get("login")
        if not username or not password:
            return None
        user = find_account(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if initial_password_expired(user):
                # ACC-2: an expired slip must not sign in, through this backend or any other.
                raise PermissionDenied
            return user
        return None
