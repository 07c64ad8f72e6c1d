"""Who may write to whom (MSG-1), who reads a conversation, who announces to which group (MSG-2).

A person may start a conversation with (``correspondent``, action ``message``):

- a parent — the class teacher, the teachers (the class's timetable) and the administration
  of each child's class and school;
- a student — classmates, the class teacher, the class's teachers and the school's
  administration;
- a teacher — the school's staff, the students they teach (their timetable) and the parents
  of those students; a class teacher also the students of their class and their parents;
- the administration — the school's staff, its students and their parents.

The relation is symmetric: whoever may write to somebody may be written to by them. Staff
count only while confirmed and active (VER-4), students only in a confirmed place of the
current year. A conversation, its messages and files are seen by its participants only; an
answer in a conversation needs no relation any more (the conversation exists).

An announcement is read by the members of its group and by the school's administration; the
administration announces to any group of its school, a class teacher to their class and its
parents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from parta.core import access
from parta.core.access import Role, ids, organization_ids, register_policy, register_scope
from parta.directory.models import (
    Enrollment,
    Guardianship,
    SchoolClass,
    StaffPosition,
)
from parta.messaging.models import CLASS_AUDIENCES, Audience

_EVERYONE = dict.fromkeys(access.ROLE_KINDS, "participant")
_ADMIN = dict.fromkeys(access.SCHOOL_ADMINISTRATION, "administration")

register_policy("conversation", {"view": _EVERYONE, "change": _EVERYONE})
register_policy("conversation_place", {"view": dict.fromkeys(access.ROLE_KINDS, "self")})
register_policy("message_attachment", {"view": _EVERYONE})
register_policy(
    "correspondent",
    {
        "message": {
            access.STUDENT: "class",
            access.PARENT: "children",
            access.TEACHER: "taught",
            access.CLASS_TEACHER: "class",
            **_ADMIN,
        }
    },
)
register_policy(
    "announcement",
    {
        "view": {
            access.STUDENT: "class",
            access.PARENT: "children",
            access.TEACHER: "staff",
            access.CLASS_TEACHER: "class",
            **_ADMIN,
        }
    },
)
# Where an announcement may be published: a class (rows of classes), a whole school (rows of
# organizations).
register_policy("announcement_class", {"publish": {access.CLASS_TEACHER: "class", **_ADMIN}})
register_policy("announcement_school", {"publish": dict(_ADMIN)})


# --- conversations ---------------------------------------------------------------------------------
def _places_of(user: Any) -> QuerySet:
    from parta.messaging.models import Participant

    return Participant.objects.filter(person_id=user.pk)


@register_scope("conversation", "participant")
def _conversations(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=_places_of(user).values("conversation_id"))


@register_scope("conversation_place", "self")
def _own_places(user: Any, roles: Sequence[Role]) -> Q:
    return Q(person_id=user.pk)


@register_scope("message_attachment", "participant")
def _attachments(user: Any, roles: Sequence[Role]) -> Q:
    return Q(message__conversation_id__in=_places_of(user).values("conversation_id"))


# --- who may write to whom -------------------------------------------------------------------------
def current_places() -> QuerySet:
    """Confirmed, active places of the current academic year."""
    return Enrollment.objects.current()


def staff_of(organizations: Any, positions: Sequence[str] = ()) -> QuerySet:
    rows = StaffPosition.objects.confirmed().filter(organization_id__in=organizations)
    if positions:
        rows = rows.filter(position__in=positions)
    return rows.values("person_id")


def teachers_of(classes: Any) -> QuerySet:
    """The teachers of the classes' timetables that are in force today or later."""
    from parta.journal.models import TimetableEntry

    today = timezone.localdate()
    return (
        TimetableEntry.objects.filter(school_class_id__in=classes)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("teacher_id")
    )


def taught_classes(user: Any, organizations: Sequence[int]) -> QuerySet:
    """The classes whose timetable (in force today or later) has ``user`` as a teacher."""
    from parta.journal.models import TimetableEntry

    today = timezone.localdate()
    return (
        TimetableEntry.objects.filter(
            teacher_id=user.pk, school_class__organization_id__in=organizations
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .values("school_class_id")
    )


def _students_and_parents(classes: Any) -> Q:
    students = current_places().filter(school_class_id__in=classes).values("student_id")
    parents = Guardianship.objects.filter(child_id__in=students).values("guardian_id")
    return Q(pk__in=students) | Q(pk__in=parents)


def _school_side(classes: Any, organizations: Any) -> Q:
    """Class teachers and teachers of ``classes`` and the administration of ``organizations``,
    each only while confirmed staff."""
    staff = staff_of(organizations)
    led = SchoolClass.objects.filter(pk__in=classes).values("class_teacher_id")
    return (Q(pk__in=led) | Q(pk__in=teachers_of(classes))) & Q(pk__in=staff) | Q(
        pk__in=staff_of(organizations, access.SCHOOL_ADMINISTRATION)
    )


@register_scope("correspondent", "class")
def _student_or_class_teacher(user: Any, roles: Sequence[Role]) -> Q:
    classes = ids(roles)
    if roles[0].kind == access.CLASS_TEACHER:
        return _students_and_parents(classes)
    classmates = current_places().filter(school_class_id__in=classes).values("student_id")
    return Q(pk__in=classmates) | _school_side(classes, organization_ids(roles))


@register_scope("correspondent", "children")
def _parent(user: Any, roles: Sequence[Role]) -> Q:
    children = Guardianship.objects.filter(guardian_id=user.pk).values("child_id")
    classes = current_places().filter(student_id__in=children).values("school_class_id")
    organizations = SchoolClass.objects.filter(pk__in=classes).values("organization_id")
    return _school_side(classes, organizations)


@register_scope("correspondent", "taught")
def _teacher(user: Any, roles: Sequence[Role]) -> Q:
    organizations = ids(roles)
    return Q(pk__in=staff_of(organizations)) | _students_and_parents(
        taught_classes(user, organizations)
    )


@register_scope("correspondent", "administration")
def _administration(user: Any, roles: Sequence[Role]) -> Q:
    organizations = ids(roles)
    classes = SchoolClass.objects.filter(
        organization_id__in=organizations, academic_year__is_current=True
    ).values("pk")
    return Q(pk__in=staff_of(organizations)) | _students_and_parents(classes)


# --- announcements ---------------------------------------------------------------------------------
_CLASS_AUDIENCES = [str(a) for a in CLASS_AUDIENCES]


@register_scope("announcement", "class")
def _announcements_of_class(user: Any, roles: Sequence[Role]) -> Q:
    classes = ids(roles)
    if roles[0].kind == access.CLASS_TEACHER:
        return Q(school_class_id__in=classes)
    return Q(school_class_id__in=classes, audience=Audience.CLASS) | Q(
        organization_id__in=organization_ids(roles), audience=Audience.SCHOOL
    )


@register_scope("announcement", "children")
def _announcements_of_children(user: Any, roles: Sequence[Role]) -> Q:
    children = Guardianship.objects.filter(guardian_id=user.pk).values("child_id")
    classes = current_places().filter(student_id__in=children).values("school_class_id")
    organizations = SchoolClass.objects.filter(pk__in=classes).values("organization_id")
    return Q(school_class_id__in=classes, audience__in=_CLASS_AUDIENCES) | Q(
        organization_id__in=organizations, audience__in=[Audience.SCHOOL, Audience.PARENTS]
    )


@register_scope("announcement", "staff")
def _announcements_of_staff(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=ids(roles), audience__in=[Audience.SCHOOL, Audience.STAFF]) | Q(
        author_id=user.pk
    )


@register_scope("announcement", "administration")
def _announcements_of_school(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=ids(roles))


@register_scope("announcement_class", "class")
def _own_class(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=ids(roles))


@register_scope("announcement_class", "administration")
def _classes_of_school(user: Any, roles: Sequence[Role]) -> Q:
    return Q(organization_id__in=ids(roles), academic_year__is_current=True)


@register_scope("announcement_school", "administration")
def _school(user: Any, roles: Sequence[Role]) -> Q:
    return Q(pk__in=ids(roles))
