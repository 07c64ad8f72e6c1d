"""The "Войти через Госуслуги" button of the sign-in page (ACC-4), shown only when configured."""

from __future__ import annotations

from typing import Any

from django import template

from parta.esia import oidc

register = template.Library()


@register.inclusion_tag("esia/button.html", takes_context=True)
def esia_sign_in_button(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    next_url = request.GET.get("next", "") if request is not None else ""
    return {"enabled": oidc.enabled(), "label": oidc.button_label(), "next": next_url}


@register.inclusion_tag("esia/school_links.html", takes_context=True)
def esia_school_links(context: dict[str, Any]) -> dict[str, Any]:
    """On the school administration's home page: the queue of portal link requests (ACC-4)."""
    from parta.core import access
    from parta.esia.models import LinkCandidate

    request = context.get("request")
    user = getattr(request, "user", None)
    if not oidc.enabled() or not access.has_role(user, *access.page_roles("esia_queue")):
        return {"enabled": False}
    pending = LinkCandidate.objects.visible_to(user).filter(request__status="pending").count()
    return {"enabled": True, "pending": pending}


@register.inclusion_tag("esia/account_section.html", takes_context=True)
def esia_account_section(context: dict[str, Any]) -> dict[str, Any]:
    """For the login settings page: whether a portal sign-in is linked, and where to manage it."""
    from parta.esia.models import EsiaLink

    request = context.get("request")
    user = getattr(request, "user", None)
    if not oidc.enabled() or user is None or not user.is_authenticated:
        return {"enabled": False}
    return {"enabled": True, "linked": EsiaLink.objects.owned_by(user).exists()}
