"""Who may see and answer complaints (ACC-6), registered with the access engine.

A municipal official handles the complaints about the schools of their municipality; the
regional operator sees the whole region. Nobody at the school sees them: the complaint is
about the school.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, register_scope

_AUTHORITIES = {access.MUNICIPAL: "municipality", access.OPERATOR: "region"}

access.register_policy("complaint", {"view": _AUTHORITIES, "answer": _AUTHORITIES})
access.register_pages({"complaints_queue": (access.MUNICIPAL, access.OPERATOR)})


@register_scope("complaint", "municipality")
def _complaint_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization__municipality_id__in=ids(roles))


@register_scope("complaint", "region")
def _complaint_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization__municipality__region_id__in=ids(roles))
