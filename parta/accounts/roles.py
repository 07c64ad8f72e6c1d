"""Which roles a person holds, and which one they are acting in now.

Roles are derived from the region's structure (staff positions, enrolments, guardianships,
class leadership, official posts); nothing is stored twice. A person with several roles picks
the active one in the header; each role has its own home page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.core.access import Role
from parta.directory.models import (
    Enrollment,
    Guardianship,
    Official,
    SchoolClass,
    StaffPosition,
)

ROLE_LABELS = {
    access.STUDENT: _("Ученик"),
    access.PARENT: _("Родитель"),
    access.TEACHER: _("Учитель"),
    access.CLASS_TEACHER: _("Классный руководитель"),
    access.DIRECTOR: _("Директор"),
    access.DEPUTY: _("Заместитель директора"),
    access.SECRETARY: _("Секретарь"),
    access.MUNICIPAL: _("Управление образования"),
    access.OPERATOR: _("Региональный оператор"),
}

# The home page (URL name) of each role.
ROLE_HOMES = {
    access.STUDENT: "student_home",
    access.PARENT: "parent_home",
    access.TEACHER: "teacher_home",
    access.CLASS_TEACHER: "class_teacher_home",
    access.DIRECTOR: "school_home",
    access.DEPUTY: "school_home",
    access.SECRETARY: "school_home",
    access.MUNICIPAL: "municipal_home",
    access.OPERATOR: "operator_home",
}

# Order in the role switcher and the default choice: the most specific work role first.
_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            access.OPERATOR,
            access.MUNICIPAL,
            access.DIRECTOR,
            access.DEPUTY,
            access.SECRETARY,
            access.CLASS_TEACHER,
            access.TEACHER,
            access.PARENT,
            access.STUDENT,
        )
    )
}

SESSION_KEY = "parta_active_role"


def roles_for(user: Any) -> list[Role]:
    """Every role of ``user``: five small queries, whatever the size of the region."""
    roles: list[Role] = []
    for post in Official.objects.filter(person_id=user.pk, is_active=True).select_related(
        "region", "municipality"
    ):
        if post.kind == Official.Kind.OPERATOR:
            roles.append(Role(access.OPERATOR, post.region_id, "", post.region.name))
        else:
            assert post.municipality is not None
            roles.append(Role(access.MUNICIPAL, post.municipality_id, "", post.municipality.name))
    # Only confirmed places give a role (VER-4): a claimed position or enrolment waits.
    for position in (
        StaffPosition.objects.confirmed()
        .filter(person_id=user.pk, organization__is_active=True)
        .select_related("organization")
    ):
        org = position.organization
        roles.append(Role(position.position, org.pk, "", org.short_name, org.pk))
    # A class teacher acts for the class only while confirmed as staff of its school.
    confirmed_staff = StaffPosition.objects.confirmed().filter(
        person_id=user.pk, organization_id=OuterRef("organization_id")
    )
    for school_class in SchoolClass.objects.filter(
        Exists(confirmed_staff), class_teacher_id=user.pk, academic_year__is_current=True
    ).select_related("organization"):
        roles.append(
            Role(
                access.CLASS_TEACHER,
                school_class.pk,
                "",
                f"{school_class} · {school_class.organization.short_name}",
                school_class.organization_id,
            )
        )
    if Guardianship.objects.filter(guardian_id=user.pk).exists():
        roles.append(Role(access.PARENT))
    for enrollment in (
        Enrollment.objects.current()
        .filter(student_id=user.pk)
        .select_related("school_class__organization")
    ):
        school_class = enrollment.school_class
        roles.append(
            Role(
                access.STUDENT,
                school_class.pk,
                "",
                f"{school_class} · {school_class.organization.short_name}",
                school_class.organization_id,
            )
        )
    roles.sort(key=lambda r: (_ORDER[r.kind], r.context_label))
    return [
        Role(r.kind, r.context_id, str(ROLE_LABELS[r.kind]), r.context_label, r.organization_id)
        for r in roles
    ]


def active_role(request: HttpRequest) -> Role | None:
    """The role the person acts in now: the one chosen in the switcher, else the first."""
    roles = access.roles_of(request.user)
    if not roles:
        return None
    chosen = request.session.get(SESSION_KEY)
    for role in roles:
        if role.key == chosen:
            return role
    return roles[0]


def home_url_name(role: Role | None) -> str:
    return ROLE_HOMES[role.kind] if role else "no_role_home"
