"""Who may see and decide family requests (ACC-9), registered with the access engine.

The parent sees their own requests. The administration of the school the request goes to
decides it, and so does the class teacher of the class it names. Nobody else: not the
authorities, not other schools.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_scope

_SCHOOL = {
    **dict.fromkeys(access.SCHOOL_ADMINISTRATION, "organization"),
    access.CLASS_TEACHER: "class",
}

access.register_policy(
    "family_request", {"view": {access.PARENT: "self", **_SCHOOL}, "decide": _SCHOOL}
)
access.register_pages(
    {"family_school_requests": (*access.SCHOOL_ADMINISTRATION, access.CLASS_TEACHER)}
)


@register_scope("family_request", "self")
def _request_self(user: Any, roles: Sequence[Role]) -> Q:
    return Q(requested_by_id=user.pk)


@register_scope("family_request", "organization")
def _request_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles))


@register_scope("family_request", "class")
def _request_class(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class_id__in=ids(roles))
