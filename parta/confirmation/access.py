"""Who may decide claimed places and see the decisions and reports (VER-4, VER-5).

- A claimed staff position (``staff_claim`` — a pending or decided ``StaffPosition``): only a
  confirmed director of that organization, and never a director's position (those are
  confirmed by the regional operator, VER-2), nor their own claim.
- A claimed enrolment (``enrollment_claim``): only a confirmed class teacher, and only in the
  classes they lead. The class-teacher role exists only while their own staff position is
  confirmed (ADR 0008), so an unconfirmed teacher cannot decide anything.
- Decisions and reports: the director of the organization; the municipal authority and the
  regional operator over their territory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import (
    Role,
    ids,
    organization_ids,
    register_pages,
    register_policy,
    register_scope,
)

_DIRECTOR = {access.DIRECTOR: "organization"}
_CLASS_TEACHER = {access.CLASS_TEACHER: "class"}
_READERS = {
    access.DIRECTOR: "organization",
    access.MUNICIPAL: "municipality",
    access.OPERATOR: "region",
}

register_policy("staff_claim", {"view": _DIRECTOR, "confirm": _DIRECTOR})
register_policy("enrollment_claim", {"view": _CLASS_TEACHER, "confirm": _CLASS_TEACHER})
register_policy("confirmation_decision", {"view": _READERS})
register_policy("confirmation_report", {"view": _READERS, "send": _DIRECTOR})
register_pages(
    {
        "confirmation_staff": (access.DIRECTOR,),
        "confirmation_students": (access.CLASS_TEACHER,),
        "confirmation_reports": (access.DIRECTOR, access.MUNICIPAL, access.OPERATOR),
        "confirmation_report_send": (access.DIRECTOR,),
    }
)


@register_scope("staff_claim", "organization")
def _staff_claim_organization(user: Any, roles: Sequence[Role]) -> Q:
    # Nobody decides their own claim, and a director's position is the operator's (VER-2).
    return (
        Q(organization_id__in=organization_ids(roles))
        & ~Q(position="director")
        & ~Q(person_id=user.pk)
    )


@register_scope("enrollment_claim", "class")
def _enrollment_claim_class(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class_id__in=ids(roles)) & ~Q(student_id=user.pk)


@register_scope("confirmation_decision", "organization")
@register_scope("confirmation_report", "organization")
def _by_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles))


@register_scope("confirmation_decision", "municipality")
@register_scope("confirmation_report", "municipality")
def _by_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization__municipality_id__in=ids(roles))


@register_scope("confirmation_decision", "region")
@register_scope("confirmation_report", "region")
def _by_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization__municipality__region_id__in=ids(roles))
