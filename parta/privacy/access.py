"""Who may see and manage consents and the access log (152-FZ), registered in the policy.

Everybody always sees their own consents and who opened their own data (the querysets add
that, whatever the person's roles). On top of it, a parent (legal representative) sees, gives
and withdraws the consents of their children and reads who opened their children's data:
152-FZ art. 9 p. 6 gives the legal representative a minor's consent, art. 14 the right to
know who processed the data. Staff see neither: the log is about them, and a school has no
business reading which parent agreed to what beyond what the journal needs to know.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, register_scope
from parta.directory.models import Guardianship


def _children(user: Any) -> Any:
    return Guardianship.objects.filter(guardian_id=user.pk).values("child_id")


access.register_policy(
    "consent",
    {
        "view": {access.PARENT: "children"},
        "change": {access.PARENT: "children"},
    },
)
access.register_policy("access_record", {"view": {access.PARENT: "children"}})


@register_scope("consent", "children")
def _consent_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id__in=_children(user))


@register_scope("access_record", "children")
def _access_record_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(subject_id__in=_children(user))
