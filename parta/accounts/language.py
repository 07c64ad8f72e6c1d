"""The interface language follows the person, not only the browser.

Choosing a language while signed in stores it on the account (``User.language``); signing in
on another device brings it back (the language cookie is set on the sign-in response). Letters
Parta sends use it too (``send_letter(..., language=user.language or None)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account of a signed-in person."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated
        and language in _LANGUAGES
        and check_for_language(language)
        and getattr(user, "language", None) != language
    ):
        get_user_model().objects.filter(pk=user.pk).update(language=language)
    return response


@receiver(user_logged_in, dispatch_uid="parta.accounts.language")
def _bring_language_back(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and getattr(user, "language", "") in _LANGUAGES:
        request.parta_language = user.language  # type: ignore[attr-defined]


class PreferredLanguageMiddleware:
    """Sets the language cookie on the response to a sign-in (see ``_bring_language_back``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, "parta_language", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
            )
        return response
