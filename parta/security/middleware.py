"""After sign-in: keep the session list fresh and enforce an organization's two-factor rule.

Once every ``PARTA_SESSION_TOUCH_SECONDS`` per session the session's device, address and last
activity are written to allauth's session list (ACC-8; at sign-in allauth writes them itself),
and whether the person must set up a second factor is worked out again (MFA, and at sign-in). In between, a request costs no
query: the answers are kept in the session. Staff of an organization that requires two-factor
sign-in and have no authenticator yet are sent to set it up before any other page.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from parta.security import services

SESSION_KEY = "parta_login_security"

# Pages open to a person who must set up two-factor sign-in first.
_ALLOWED_NAMES = {
    "security_mfa_required",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_reauthenticate",
    "mfa_index",
    "account_reauthenticate",
    "account_logout",
    "set_initial_password",
    "set_language",
    "help",
}


def record_session(request: HttpRequest) -> None:
    """Write this session's device, address and time to the person's session list."""
    from allauth.usersessions.models import UserSession

    # A test's force_login has neither the person on the request nor a client address.
    if not getattr(getattr(request, "user", None), "is_authenticated", False):
        return
    with contextlib.suppress(PermissionDenied):
        UserSession.objects.create_from_request(request)


def remember_mfa_duty(request: HttpRequest, user: Any) -> dict[str, Any]:
    """Work out whether the person must set up a second factor; keep it in the session."""
    state = {"at": time.time(), "mfa": services.mfa_setup_required(user)}
    request.session[SESSION_KEY] = state
    return state


def refresh(request: HttpRequest, user: Any) -> dict[str, Any]:
    """Record the session and recompute the two-factor duty; keep both in the session."""
    record_session(request)
    return remember_mfa_duty(request, user)


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class LoginSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            state = request.session.get(SESSION_KEY)
            if (
                not isinstance(state, dict)
                or time.time() - state.get("at", 0) > settings.PARTA_SESSION_TOUCH_SECONDS
            ):
                state = refresh(request, user)
            if state.get("mfa") and not request.path_info.startswith("/static/"):
                blocked = self._blocked(request, user, state)
                if blocked is not None:
                    return blocked
        return self.get_response(request)

    def _blocked(
        self, request: HttpRequest, user: Any, state: dict[str, Any]
    ) -> HttpResponse | None:
        if _url_name(request) in _ALLOWED_NAMES:
            return None
        # The person may have just set up the app: look again before sending them back.
        if not services.mfa_setup_required(user):
            request.session[SESSION_KEY] = {**state, "mfa": False}
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Сначала включите вход с кодом из приложения.")}, status=403
            )
        return redirect("security_mfa_required")
