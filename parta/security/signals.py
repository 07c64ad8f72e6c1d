"""Receivers: a sign-in works out the two-factor duty; a password change ends the other
sessions.

Allauth's usersessions records the session of a sign-in itself (its ``user_logged_in``
receiver); Parta adds only what it does not know, whether the person must set up TOTP.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from parta.security import middleware, services


@receiver(user_logged_in, dispatch_uid="parta.security.on_login")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        middleware.remember_mfa_duty(request, user)


@receiver(password_changed, dispatch_uid="parta.security.on_password_changed")
@receiver(password_set, dispatch_uid="parta.security.on_password_set")
@receiver(password_reset, dispatch_uid="parta.security.on_password_reset")
def _on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """ACC-8: a new password ends every other session of the person (this one stays)."""
    services.sessions_end_others(request=request, user=user)
