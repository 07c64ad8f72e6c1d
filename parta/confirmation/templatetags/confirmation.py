"""Template tags of confirmation that other cabinets' pages include (VER-4, VER-5).

``confirmation_my_claims``: on the home page of a person without roles, their claims with
their state and the rejection reason, and the way to claim (again).
``confirmation_director_banner``: for a confirmed director, staff claims waiting and the
reminder to send the report while decisions are unreported.
``confirmation_class_teacher_banner``: for a confirmed class teacher, student claims waiting.
``confirmation_authority_reports``: for the municipal authority and the operator, the latest
reports of their organizations.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count

from parta.confirmation import selectors
from parta.core import access
from parta.directory.models import Confirmation, Enrollment

register = template.Library()


@register.inclusion_tag("confirmation/_my_claims.html", takes_context=True)
def confirmation_my_claims(context: Any) -> dict[str, Any]:
    """VER-4: the person's claims; a rejected one shows why and how to claim again."""
    positions, enrollments = selectors.my_claims(context["request"].user)
    return {
        "positions": positions,
        "enrollments": enrollments,
        "Confirmation": Confirmation,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("confirmation/_director_banner.html", takes_context=True)
def confirmation_director_banner(context: Any, show_staff: bool = True) -> dict[str, Any]:
    """VER-4/VER-5: what waits for the director; two queries whatever the data."""
    user = context["request"].user
    organizations = selectors.director_organizations(user)
    if not organizations:
        return {"items": []}
    ids = [org_id for org_id, _name in organizations]
    pending = selectors.staff_pending_count(user, ids) if show_staff else {}
    unreported = {u.organization_id: u for u in selectors.unreported_by_organization(ids)}
    items = [
        {
            "name": name,
            "pending": pending.get(org_id, 0),
            "unreported": unreported[org_id].count if org_id in unreported else 0,
            "oldest": unreported[org_id].oldest if org_id in unreported else None,
        }
        for org_id, name in organizations
    ]
    return {"items": items, "show_staff": show_staff, "several": len(items) > 1}


@register.inclusion_tag("confirmation/_class_teacher_banner.html", takes_context=True)
def confirmation_class_teacher_banner(context: Any) -> dict[str, Any]:
    """VER-4: how many students wait for this class teacher's confirmation."""
    user = context["request"].user
    if not access.has_role(user, access.CLASS_TEACHER):
        return {"pending": 0, "is_class_teacher": False}
    pending = (
        Enrollment.objects.filter(access.allowed(user, "enrollment_claim", "view"))
        .filter(status=Confirmation.PENDING)
        .aggregate(n=Count("pk"))["n"]
    )
    return {"pending": pending, "is_class_teacher": True}


@register.inclusion_tag("confirmation/_authority_reports.html", takes_context=True)
def confirmation_authority_reports(context: Any) -> dict[str, Any]:
    """VER-5: the latest reports the municipal authority or the operator received."""
    user = context["request"].user
    if not access.has_role(user, access.MUNICIPAL, access.OPERATOR):
        return {"reports": []}
    return {"reports": list(selectors.reports_for(user)[:5]), "show": True}
