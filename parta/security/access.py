"""Who may set an organization's sign-in rule (two-factor for staff), in the policy table.

The director of a school decides it for their school (in their cabinet); the regional
operator for any organization of their region. Everything else on /settings/ is about the
signed-in person's own account and needs no policy: a person only ever sees their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_scope

# Rows are organizations: "may change the security policy of this organization".
access.register_policy(
    "security_policy",
    {"change": {access.DIRECTOR: "organization", access.OPERATOR: "region"}},
)
access.register_pages({"security_policies": (access.DIRECTOR, access.OPERATOR)})


@register_scope("security_policy", "organization")
def _policy_own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=organization_ids(roles))


@register_scope("security_policy", "region")
def _policy_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(municipality__region_id__in=ids(roles))
