"""Reads behind the API, every one through the access engine (``visible_to``).

Each returns a queryset whose number of SQL statements does not depend on the number of
rows: related rows come by ``select_related`` or one ``Prefetch`` each.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from parta.accounts.models import ApiToken, User
from parta.core import access
from parta.directory.models import Enrollment, Guardianship, SchoolClass, confirmed_place

_NAME_ORDER = ("last_name", "first_name", "middle_name", "pk")


def children_of(user: User) -> QuerySet[User]:
    """The person's wards they may see, each with ``current_enrollments`` (this year's class)."""
    wards = Guardianship.objects.visible_to(user).filter(guardian_id=user.pk).values("child_id")
    current = (
        Enrollment.objects.visible_to(user)
        .current()
        .select_related("school_class__organization", "school_class__academic_year")
        .order_by("-since", "-pk")
    )
    return (
        User.objects.visible_to(user)
        .filter(pk__in=wards)
        .prefetch_related(Prefetch("enrollments", queryset=current, to_attr="current_enrollments"))
        .order_by(*_NAME_ORDER)
    )


def _with_students_count(classes: QuerySet[SchoolClass]) -> QuerySet[SchoolClass]:
    return classes.select_related("organization", "academic_year").annotate(
        students_count=Count(
            "enrollments",
            filter=confirmed_place("enrollments"),
            distinct=True,
        )
    )


def classes_visible_to(user: User) -> QuerySet[SchoolClass]:
    """Every class the person may see (any year), with ``students_count``."""
    return _with_students_count(SchoolClass.objects.visible_to(user))


def classes_worked_with(user: User) -> QuerySet[SchoolClass]:
    """This year's classes the person works with: led classes (class teacher) and every
    class of an organization where they teach or run the school."""
    roles = access.roles_of(user)
    led = access.ids(r for r in roles if r.kind == access.CLASS_TEACHER)
    organizations = sorted(
        {
            r.organization_id
            for r in roles
            if r.kind in (access.TEACHER, *access.SCHOOL_ADMINISTRATION)
            and r.organization_id is not None
        }
    )
    return (
        classes_visible_to(user)
        .filter(academic_year__is_current=True)
        .filter(Q(pk__in=led) | Q(organization_id__in=organizations))
        .order_by("organization__short_name", "grade", "letter", "pk")
    )


def students_of_class(user: User, school_class: SchoolClass) -> QuerySet[User]:
    """Students enrolled in the class now whom the person may see (a parent: their own
    child; a student: themselves; the school's staff and authorities: everyone)."""
    enrolled = (
        Enrollment.objects.visible_to(user)
        .confirmed()
        .filter(school_class_id=school_class.pk)
        .values("student_id")
    )
    return User.objects.visible_to(user).filter(pk__in=enrolled).order_by(*_NAME_ORDER)


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.owned_by(user)
