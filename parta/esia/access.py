"""Who may see and decide requests to link a portal sign-in to an account (ACC-4).

Only the administration of the school the account belongs to: director, deputy, secretary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.core.access import (
    Role,
    organization_ids,
    register_pages,
    register_policy,
    register_scope,
)
from parta.privacy.access_log import WHAT

_ADMIN_ORG = dict.fromkeys(access.SCHOOL_ADMINISTRATION, "organization")

register_policy("esia_link_candidate", {"view": _ADMIN_ORG, "decide": _ADMIN_ORG})
register_pages({"esia_queue": access.SCHOOL_ADMINISTRATION})

# What the access log (152-FZ) tells a person whose account the school's queue showed.
WHAT.setdefault(
    "esia_link_requests",
    _("заявки на вход через Госуслуги: ФИО, логин, СНИЛС, дата рождения"),
)


@register_scope("esia_link_candidate", "organization")
def _candidate_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles))
