"""How each scope of the policy (``parta.core.access.POLICY``) limits directory rows.

Every function receives the person and their roles of one kind and returns a ``Q`` for the
object's own table. Membership that fans out (children, enrolments) is expressed as a
subquery on primary keys, so a filter never duplicates rows and costs one SQL statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from parta.core.access import Role, ids, organization_ids, register_scope
from parta.directory.models import Enrollment, Guardianship, StaffPosition


def _children(user: Any) -> QuerySet:
    return Guardianship.objects.filter(guardian_id=user.pk).values("child_id")


def _children_enrollments(user: Any) -> QuerySet:
    return Enrollment.objects.confirmed().filter(student_id__in=_children(user))


def _persons_of_classes(class_filter: Q) -> Q:
    """Students of the classes, their guardians.

    Only confirmed enrolments count: a person who merely claims a place in a class (VER-4) is
    seen by the staff through that claim (its enrolment row), not as one of the school's people
    whose credentials they could reset.
    """
    students = Enrollment.objects.confirmed().filter(class_filter).values("student_id")
    guardians = Guardianship.objects.filter(child_id__in=students).values("guardian_id")
    return Q(pk__in=students) | Q(pk__in=guardians)


# --- organization ---------------------------------------------------------------------------
@register_scope("organization", "own")
@register_scope("organization", "organization", merge_kinds=True)
def _org_own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=organization_ids(roles))


@register_scope("organization", "children")
def _org_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=_children_enrollments(user).values("school_class__organization_id"))


@register_scope("organization", "municipality")
def _org_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return Q(municipality_id__in=ids(roles))


@register_scope("organization", "region")
def _org_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(municipality__region_id__in=ids(roles))


# --- things that belong to one organization -------------------------------------------------
def _by_organization(obj: str, field: str, *, catalogue: bool = False) -> None:
    """Register the usual scopes for an object that has an organization ``field``."""
    common = Q(**{f"{field}__isnull": True}) if catalogue else Q(pk__in=[])

    @register_scope(obj, "own")
    @register_scope(obj, "organization", merge_kinds=True)
    def _own(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{field}_id__in": organization_ids(roles)})

    @register_scope(obj, "children")
    def _children_orgs(user: Any, roles: Sequence[Role]) -> Q:
        orgs = _children_enrollments(user).values("school_class__organization_id")
        return common | Q(**{f"{field}_id__in": orgs})

    @register_scope(obj, "municipality")
    def _municipality(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{field}__municipality_id__in": ids(roles)})

    @register_scope(obj, "region")
    def _region(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{field}__municipality__region_id__in": ids(roles)})


_by_organization("academic_year", "organization")
_by_organization("subject", "organization", catalogue=True)
_by_organization("staff_position", "organization")
_by_organization("school_class", "organization")


@register_scope("school_class", "own")
@register_scope("school_class", "class")
def _class_own(user: Any, roles: Sequence[Role]) -> Q:
    # A student's role and a class teacher's role both carry the class as context.
    return Q(pk__in=ids(roles))


@register_scope("school_class", "children")
def _class_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=_children_enrollments(user).values("school_class_id"))


# --- people ---------------------------------------------------------------------------------
@register_scope("person", "self")
def _person_self(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk=user.pk)


@register_scope("person", "family")
def _person_family(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk=user.pk) | Q(pk__in=_children(user))


@register_scope("person", "class")
def _person_class(user: Any, roles: Sequence[Role]) -> Q:
    return _persons_of_classes(Q(school_class_id__in=ids(roles)))


@register_scope("person", "organization")
def _person_organization(user: Any, roles: Sequence[Role]) -> Q:
    orgs = organization_ids(roles)
    staff = StaffPosition.objects.confirmed().filter(organization_id__in=orgs)
    return _persons_of_classes(Q(school_class__organization_id__in=orgs)) | Q(
        pk__in=staff.values("person_id")
    )


@register_scope("person", "municipality")
def _person_municipality(user: Any, roles: Sequence[Role]) -> Q:
    municipalities = ids(roles)
    staff = StaffPosition.objects.confirmed().filter(
        organization__municipality_id__in=municipalities
    )
    return _persons_of_classes(
        Q(school_class__organization__municipality_id__in=municipalities)
    ) | Q(pk__in=staff.values("person_id"))


@register_scope("person", "region")
def _person_region(user: Any, roles: Sequence[Role]) -> Q:
    regions = ids(roles)
    staff = StaffPosition.objects.confirmed().filter(
        organization__municipality__region_id__in=regions
    )
    return _persons_of_classes(
        Q(school_class__organization__municipality__region_id__in=regions)
    ) | Q(pk__in=staff.values("person_id"))


# --- enrolments and guardianships -----------------------------------------------------------
@register_scope("enrollment", "self")
def _enrollment_self(user: Any, roles: Sequence[Role]) -> Q:
    return Q(student_id=user.pk)


@register_scope("enrollment", "children")
def _enrollment_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(student_id__in=_children(user))


@register_scope("enrollment", "organization", merge_kinds=True)
def _enrollment_organization(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class__organization_id__in=organization_ids(roles))


@register_scope("enrollment", "municipality")
def _enrollment_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class__organization__municipality_id__in=ids(roles))


@register_scope("enrollment", "region")
def _enrollment_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(school_class__organization__municipality__region_id__in=ids(roles))


def _children_of(class_filter: Q) -> Q:
    return Q(child_id__in=Enrollment.objects.confirmed().filter(class_filter).values("student_id"))


@register_scope("guardianship", "self")
def _guardianship_self(user: Any, roles: Sequence[Role]) -> Q:
    return Q(guardian_id=user.pk) | Q(child_id=user.pk)


@register_scope("guardianship", "class")
def _guardianship_class(user: Any, roles: Sequence[Role]) -> Q:
    return _children_of(Q(school_class_id__in=ids(roles)))


@register_scope("guardianship", "organization")
def _guardianship_organization(user: Any, roles: Sequence[Role]) -> Q:
    return _children_of(Q(school_class__organization_id__in=organization_ids(roles)))


@register_scope("guardianship", "municipality")
def _guardianship_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return _children_of(Q(school_class__organization__municipality_id__in=ids(roles)))


@register_scope("guardianship", "region")
def _guardianship_region(user: Any, roles: Sequence[Role]) -> Q:
    return _children_of(Q(school_class__organization__municipality__region_id__in=ids(roles)))


# --- authorities ----------------------------------------------------------------------------
@register_scope("municipality", "municipality")
def _municipality_own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=ids(roles))


@register_scope("municipality", "region")
def _municipality_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(region_id__in=ids(roles))


@register_scope("region", "region")
def _region_own(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=ids(roles))


@register_scope("official", "municipality")
def _official_municipality(user: Any, roles: Sequence[Role]) -> Q:
    return Q(municipality_id__in=ids(roles))


@register_scope("official", "region")
def _official_region(user: Any, roles: Sequence[Role]) -> Q:
    return Q(region_id__in=ids(roles))
