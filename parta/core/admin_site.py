"""The Django admin as Parta's regional operator sees it.

Only an active staff account that holds the operator role (or a superuser) may enter; what
each model admin shows is then limited by the access engine (see ``parta.directory.admin``).
Sign-in goes through the site's own sign-in page, with its throttling and second factor,
never through the admin's bare password form.
"""

from __future__ import annotations

from functools import update_wrapper
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from parta.core import access


class PartaAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete that lets a model admin label its rows unambiguously.

    ``str()`` of a class is "5А" and of a person their full name; among thousands of rows an
    operator needs the school, the year, the login to pick the right one. A model admin may
    define ``autocomplete_label(obj)`` and ``autocomplete_select_related``.
    """

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        related = getattr(self.model_admin, "autocomplete_select_related", ())
        return qs.select_related(*related) if related else qs

    def serialize_result(self, obj: Model, to_field_name: str) -> dict[str, str]:
        result: dict[str, str] = super().serialize_result(obj, to_field_name)  # type: ignore[misc]
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = str(label(obj))
        return result


class PartaAdminSite(admin.AdminSite):
    site_header = _("Парта — панель управления")
    site_title = _("Парта")
    index_title = _("Структура региона и учётные записи")
    site_url = "/"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return bool(user.is_superuser or access.has_role(user, access.OPERATOR))

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(self._next(request))
            # Signed in, but not the operator: the same answer as for a page that is not there.
            raise Http404
        query = urlencode({REDIRECT_FIELD_NAME: self._next(request)})
        return redirect(f"{reverse('account_login')}?{query}")

    def _next(self, request: HttpRequest) -> str:
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
        return reverse("admin:index", current_app=self.name)

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return cast(HttpResponse, PartaAutocompleteJsonView.as_view(admin_site=self)(request))

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        """A signed-in person without admin rights gets 404, like for anything not theirs.

        An anonymous visitor is still sent to sign in.
        """
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)
