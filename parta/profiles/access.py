"""Who, besides the person, may open a questionnaire and its name-change documents (ACC-7).

A name-change certificate or a marriage certificate says more about a person than anything
else in Parta, so the circle is narrow:

- the school administration (director, deputy, secretary) of a school the person belongs to
  (a confirmed student, a parent of one, a confirmed member of staff): it keeps the personal
  files and issues education documents in the name they bear, so it must check why a surname
  differs from the one on an earlier document;
- the regional operator of the person's region: it issues and delivers completion documents
  (LRN-5) to the address of the questionnaire and checks the name on them.

Teachers and class teachers do not see them (they teach, they issue no documents); neither do
municipal authorities (they get reports, not personal files); nor does any parent (a document
is the owner's own, whatever the family). Everyone else gets 404. Every opening by staff is
written to the access log (152-FZ).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_scope
from parta.directory.models import Confirmation, Enrollment, Guardianship, StaffPosition

access.register_policy(
    "profile",
    {
        "view": {
            access.DIRECTOR: "organization",
            access.DEPUTY: "organization",
            access.SECRETARY: "organization",
            access.OPERATOR: "region",
        }
    },
)


def _people_of(enrolment_filter: Q, staff_filter: Q) -> Q:
    """Confirmed students of the classes, their parents, confirmed staff (on the User table)."""
    students = Enrollment.objects.filter(
        enrolment_filter, is_active=True, status=Confirmation.CONFIRMED
    ).values("student_id")
    guardians = Guardianship.objects.filter(child_id__in=students).values("guardian_id")
    staff = StaffPosition.objects.confirmed().filter(staff_filter).values("person_id")
    return Q(pk__in=students) | Q(pk__in=guardians) | Q(pk__in=staff)


@register_scope("profile", "organization")
def _profile_organization(user: Any, roles: Sequence[Role]) -> Q:
    orgs = organization_ids(roles)
    return _people_of(Q(school_class__organization_id__in=orgs), Q(organization_id__in=orgs))


@register_scope("profile", "region")
def _profile_region(user: Any, roles: Sequence[Role]) -> Q:
    regions = ids(roles)
    return _people_of(
        Q(school_class__organization__municipality__region_id__in=regions),
        Q(organization__municipality__region_id__in=regions),
    )
