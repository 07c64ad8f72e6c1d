"""Who is calling the API: a personal token (``Authorization: Bearer``) or the session cookie.

Both refuse a person who still holds an issued password (ACC-2) with 403, as the
middleware does for session users; a missing, wrong, revoked or expired token is 401.
Session calls that change something must carry the CSRF token; bearer calls need none,
since a browser never attaches a bearer token on its own.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from parta.accounts.models import User
from parta.accounts.tokens import api_token_authenticate


class PasswordChangeRequired(HttpError):
    """ACC-2: nothing but setting one's own password opens until it is set."""

    def __init__(self) -> None:
        super().__init__(403, str(_("Сначала задайте свой пароль.")))
        self.code = "password_change_required"


class CsrfFailed(HttpError):
    def __init__(self) -> None:
        super().__init__(403, str(_("Запрос отклонён: нет CSRF-токена или он неверен.")))
        self.code = "csrf_failed"


class NotAuthenticated(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, str(_("Нужно войти или передать действующий токен.")))
        self.code = "not_authenticated"


def _usable(user: User) -> User:
    if user.must_change_password:
        raise PasswordChangeRequired
    return user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer parta_…`` — a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = api_token_authenticate(token.strip())
        if found is None:
            # A bearer that does not work is final: no falling back to a session cookie.
            raise NotAuthenticated
        return _usable(found.user)


class SessionAuth(APIKeyCookie):
    """Django's session cookie; unsafe methods are checked against CSRF."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF is checked in authenticate(), once we know there is a session to protect:
        # a caller with no session at all is told 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if (
            self.csrf
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfFailed
        return _usable(cast(User, user))


token_auth = TokenAuth()
session_auth = SessionAuth(csrf=True)
# Token first: a request that carries a bearer token is judged by it alone.
ANY_AUTH: list[Any] = [token_auth, session_auth]


def person(request: HttpRequest) -> User:
    """The authenticated person of an API request (set by the auth classes above)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]
