"""A person sees only their own inbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, register_policy, register_scope

_EVERYONE = dict.fromkeys(access.ROLE_KINDS, "self")

register_policy("notification", {"view": _EVERYONE, "change": _EVERYONE})


@register_scope("notification", "self")
def _own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(recipient_id=user.pk)
