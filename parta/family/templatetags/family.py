"""``family_school_links``: on the home of a school's administration or a class teacher, the
parents' family requests waiting for a decision (ACC-9)."""

from __future__ import annotations

from typing import Any

from django import template

from parta.core import access
from parta.family.models import FamilyRequest

register = template.Library()


@register.inclusion_tag("family/_school_links.html", takes_context=True)
def family_school_links(context: Any) -> dict[str, Any]:
    user = context["request"].user
    if not access.has_role(user, *access.page_roles("family_school_requests")):
        return {"show": False}
    return {"show": True, "pending": FamilyRequest.objects.editable_by(user).pending().count()}


@register.inclusion_tag("family/_my_requests.html", takes_context=True)
def family_my_requests(context: Any) -> dict[str, Any]:
    """ACC-9 on the home of a person without roles: a parent whose first link waits (or was
    refused) sees it here, and anyone can ask the school to link their child."""
    user = context["request"].user
    roles = access.roles_of(user)
    if roles and all(role.kind == access.STUDENT for role in roles):
        return {"show": False}
    requests = list(
        FamilyRequest.objects.visible_to(user)
        .filter(requested_by_id=user.pk)
        .select_related("organization")
        .order_by("-created_at")[:3]
    )
    return {"show": True, "requests": requests}
