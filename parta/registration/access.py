"""Who may invite and manage invitations (ACC-3), registered with the access engine.

The school's administration sees every invitation of its school; a class teacher those of
their own class (students invited into it, parents of its students). Only the director
invites staff and resends or revokes staff invitations: an accepted staff invitation is a
confirmed position, which the director alone confirms (VER-4).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_scope

INVITERS = (access.CLASS_TEACHER, *access.SCHOOL_ADMINISTRATION)

access.register_policy(
    "invitation",
    {
        "view": {
            access.CLASS_TEACHER: "class",
            **dict.fromkeys(access.SCHOOL_ADMINISTRATION, "organization"),
        },
        "change": {
            access.CLASS_TEACHER: "class",
            access.DIRECTOR: "organization",
            access.DEPUTY: "organization_pupils",
            access.SECRETARY: "organization_pupils",
        },
    },
)

access.register_pages(
    {
        "registration_invitations": INVITERS,
        "registration_invite_student": INVITERS,
        "registration_invite_parent": INVITERS,
        "registration_invite_staff": (access.DIRECTOR,),
    }
)


@register_scope("invitation", "class")
def _invitation_class(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class_id__in=ids(roles)) & ~Q(kind="staff")


@register_scope("invitation", "organization")
def _invitation_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles))


@register_scope("invitation", "organization_pupils")
def _invitation_pupils(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=organization_ids(roles)) & ~Q(kind="staff")


def staff_organizations(user: Any) -> list[int]:
    """The organizations whose staff ``user`` may invite: where they are the director."""
    return organization_ids([r for r in access.roles_of(user) if r.kind == access.DIRECTOR])
