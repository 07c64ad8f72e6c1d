"""ACC-2: an issued account sets its own password before any other page opens."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Pages a person with an issued password may still open: the page to set it, signing out,
# the language switch and static help.
_ALLOWED_NAMES = {"set_initial_password", "account_logout", "set_language", "help"}


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            match = request.resolver_match
            name = match.url_name if match else None
            if name is None:
                from django.urls import resolve
                from django.urls.exceptions import Resolver404

                try:
                    name = resolve(request.path_info).url_name
                except Resolver404:
                    name = None
            if name not in _ALLOWED_NAMES and not request.path_info.startswith("/static/"):
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": _("Сначала задайте свой пароль.")}, status=403)
                return redirect(reverse("set_initial_password"))
        return self.get_response(request)
