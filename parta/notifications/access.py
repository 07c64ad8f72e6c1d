"""A person sees only their own inbox, their own SMS balance and their own push browsers."""

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


# NTF-2: the movements of a person's SMS balance are theirs alone; they are written only by
# the services (a top-up confirmed by the payment provider, a debit for an SMS, its refund).
register_policy("sms_ledger", {"view": _EVERYONE})


@register_scope("sms_ledger", "self")
def _own_ledger(user: Any, roles: Sequence[Role]) -> Q:
    return Q(account__person_id=user.pk)


# NTF-2: a person's top-ups at the payment provider are theirs alone, too.
register_policy("sms_payment", {"view": _EVERYONE})


@register_scope("sms_payment", "self")
def _own_payments(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id=user.pk)


# NTF-1: a person's notification settings are theirs alone.
register_policy("notification_preference", {"view": _EVERYONE, "change": _EVERYONE})


@register_scope("notification_preference", "self")
def _own_preferences(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id=user.pk)


# NTF-3: the regional operator sees how deliveries to their region's people went (what
# failed, and why) and may send a failed delivery again.
register_policy(
    "delivery", {"view": {access.OPERATOR: "region"}, "change": {access.OPERATOR: "region"}}
)


def _people_of_region(user: Any) -> Any:
    from parta.accounts.models import User

    return User.objects.filter(access.allowed(user, "person", "view")).values("pk")


@register_scope("delivery", "region")
def _region_people(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id__in=_people_of_region(user))


# NTF-3: the browsers in which a person receives push notifications are theirs alone.
register_policy("push_subscription", {"view": _EVERYONE, "change": _EVERYONE})


@register_scope("push_subscription", "self")
def _own_push_subscriptions(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id=user.pk)
