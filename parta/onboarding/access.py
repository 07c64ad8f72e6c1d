"""Who may see and decide onboarding rows (VER-1..3), registered with the access engine.

The regional operator handles the requests, submissions and changes of the municipalities of
their region; a director sees the director changes of their own organization and may submit one.
A person whose director position still waits (no role yet) reaches only their own position,
by ownership (``selectors.pending_director_positions``), never through a role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_scope

_REGION = {access.OPERATOR: "region"}

access.register_policy("access_request", {"view": _REGION, "decide": _REGION})
access.register_policy("director_submission", {"view": _REGION, "decide": _REGION})
access.register_policy(
    "director_change",
    {
        "view": {**_REGION, access.DIRECTOR: "organization"},
        "decide": _REGION,
    },
)
# A director of an organization submits the change of director from their cabinet (VER-3).
access.register_policy(
    "onboarding_organization",
    {"change_director": {access.DIRECTOR: "organization"}},
)

access.register_pages(
    {
        "onboarding_operator_requests": (access.OPERATOR,),
        "onboarding_operator_directors": (access.OPERATOR,),
        "onboarding_operator_changes": (access.OPERATOR,),
    }
)


@register_scope("access_request", "region")
def _request_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(municipality__region_id__in=ids(roles))


@register_scope("director_submission", "region")
@register_scope("director_change", "region")
def _org_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization__municipality__region_id__in=ids(roles))


@register_scope("director_change", "organization")
def _change_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles))


@register_scope("onboarding_organization", "organization")
def _organization_own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=organization_ids(roles))
