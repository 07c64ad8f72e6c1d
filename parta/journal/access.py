"""Who may see and change what in the journal (JRN-1..9).

- The school's structure of the year (terms, bells, grade types, the timetable): read by the
  school's people, their students and parents, and the authorities; set by the school's
  administration (and the regional operator).
- A lesson: read by the school's staff, the class's students and their parents. Its topic and
  homework are written by the teacher who teaches it (or substitutes) and by the
  administration; one-off changes of the timetable only by the administration.
- A journal cell (``mark``), a final grade and their history: the teacher who teaches that
  subject in that class ("journal" scope — their timetable slot or a lesson they taught),
  the class teacher of the class (read), the administration, the student, their parents,
  the authorities (read). Changing them: the subject's teacher and the administration.
- Achievements: the student, parents, the school; added by the class teacher and the
  administration.

Anything outside a person's scope is a 404, like a row that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from parta.core import access
from parta.core.access import (
    Role,
    ids,
    organization_ids,
    register_pages,
    register_policy,
    register_scope,
)
from parta.directory.models import Confirmation, Enrollment, Guardianship

ADMIN = dict.fromkeys(access.SCHOOL_ADMINISTRATION, "organization")
STAFF = dict.fromkeys(access.SCHOOL_STAFF, "organization")
AUTHORITIES = {access.MUNICIPAL: "municipality", access.OPERATOR: "region"}
FAMILY = {access.STUDENT: "self", access.PARENT: "children"}

_structure = {
    "view": {access.STUDENT: "own", access.PARENT: "children", **STAFF, **AUTHORITIES},
    "change": {**ADMIN, access.OPERATOR: "region"},
}
for _obj in ("term", "bell", "grade_type", "timetable_entry", "journal_settings"):
    register_policy(_obj, _structure)

_lesson_view = {access.STUDENT: "own", access.PARENT: "children", **STAFF, **AUTHORITIES}
register_policy(
    "lesson",
    {
        "view": _lesson_view,
        # topic, homework, materials, the grade type of the lesson
        "change": {access.TEACHER: "taught", access.CLASS_TEACHER: "taught", **ADMIN},
        # cancellations, substitutions, moves (JRN-2)
        "reschedule": ADMIN,
        # putting marks and attendance on the lesson's students (JRN-4, JRN-5)
        "mark": {access.TEACHER: "journal", access.CLASS_TEACHER: "journal", **ADMIN},
    },
)
_marks = {
    "view": {
        **FAMILY,
        access.TEACHER: "journal",
        access.CLASS_TEACHER: "class",
        **ADMIN,
        **AUTHORITIES,
    },
    "change": {access.TEACHER: "journal", access.CLASS_TEACHER: "journal", **ADMIN},
}
# A lesson's files: whoever sees the lesson (JRN-3); they are added through the lesson.
register_policy("lesson_file", {"view": _lesson_view})
register_policy("mark", _marks)
register_policy("final_grade", _marks)
register_policy("mark_change", {"view": _marks["view"]})
register_policy(
    "achievement",
    {
        "view": {**FAMILY, **STAFF, **AUTHORITIES},
        "change": {access.CLASS_TEACHER: "class", **ADMIN},
    },
)

register_pages(
    {
        "journal": (access.TEACHER, access.CLASS_TEACHER, *access.SCHOOL_ADMINISTRATION),
        "journal_admin": access.SCHOOL_ADMINISTRATION,
        "diary": (access.STUDENT, access.PARENT),
        "class_statistics": (access.CLASS_TEACHER, *access.SCHOOL_ADMINISTRATION),
    }
)


def children(user: Any) -> QuerySet:
    return Guardianship.objects.filter(guardian_id=user.pk).values("child_id")


def children_classes(user: Any) -> QuerySet:
    return (
        Enrollment.objects.confirmed()
        .filter(student_id__in=children(user))
        .values("school_class_id")
    )


def own_places(user: Any) -> QuerySet:
    """The student's confirmed enrolments, of this year and of earlier ones."""
    return Enrollment.objects.filter(student_id=user.pk, status=Confirmation.CONFIRMED)


def student_classes(roles: Sequence[Role]) -> list[int]:
    return ids(r for r in roles if r.kind == access.STUDENT)


def taught_journals(user: Any, *, school_class: str, subject: str) -> Q:
    """Whether ``user`` teaches the subject in the class: a timetable slot of theirs, or a
    lesson they taught or substituted. ``school_class`` and ``subject`` name the outer
    query's fields."""
    from parta.journal.models import Lesson, TimetableEntry

    slot = TimetableEntry.objects.filter(
        teacher_id=user.pk, school_class_id=OuterRef(school_class), subject_id=OuterRef(subject)
    )
    lesson = Lesson.objects.filter(
        Q(teacher_id=user.pk) | Q(substitute_id=user.pk),
        school_class_id=OuterRef(school_class),
        subject_id=OuterRef(subject),
    )
    return Exists(slot) | Exists(lesson)


def _structure_scopes(obj: str, org: str, *, catalogue: bool = False) -> None:
    """Scopes of objects that belong to a school through the path ``org``."""
    common = Q(**{f"{org}__isnull": True}) if catalogue else Q(pk__in=[])

    @register_scope(obj, "organization", merge_kinds=True)
    def _organization(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{org}_id__in": organization_ids(roles)})

    @register_scope(obj, "own")
    def _own(user: Any, roles: Sequence[Role]) -> Q:
        # A student's schools, this year's and earlier ones: the archive stays readable.
        return common | Q(
            **{f"{org}_id__in": own_places(user).values("school_class__organization_id")}
        )

    @register_scope(obj, "children")
    def _children(user: Any, roles: Sequence[Role]) -> Q:
        orgs = (
            Enrollment.objects.confirmed()
            .filter(student_id__in=children(user))
            .values("school_class__organization_id")
        )
        return common | Q(**{f"{org}_id__in": orgs})

    @register_scope(obj, "municipality")
    def _municipality(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{org}__municipality_id__in": ids(roles)})

    @register_scope(obj, "region")
    def _region(user: Any, roles: Sequence[Role]) -> Q:
        return common | Q(**{f"{org}__municipality__region_id__in": ids(roles)})


_structure_scopes("term", "academic_year__organization")
_structure_scopes("bell", "organization")
_structure_scopes("grade_type", "organization", catalogue=True)
_structure_scopes("journal_settings", "organization")
_structure_scopes("achievement", "organization")


# --- class-bound rows: timetable slots and lessons -------------------------------------------
def _class_scopes(obj: str, klass: str) -> None:
    @register_scope(obj, "own")
    def _own(user: Any, roles: Sequence[Role]) -> Q:
        # Every class the student was confirmed in: past years stay readable (JRN-6).
        return Q(**{f"{klass}_id__in": own_places(user).values("school_class_id")})

    @register_scope(obj, "children")
    def _children(user: Any, roles: Sequence[Role]) -> Q:
        return Q(**{f"{klass}_id__in": children_classes(user)})

    @register_scope(obj, "organization", merge_kinds=True)
    def _organization(user: Any, roles: Sequence[Role]) -> Q:
        return Q(**{f"{klass}__organization_id__in": organization_ids(roles)})

    @register_scope(obj, "municipality")
    def _municipality(user: Any, roles: Sequence[Role]) -> Q:
        return Q(**{f"{klass}__organization__municipality_id__in": ids(roles)})

    @register_scope(obj, "region")
    def _region(user: Any, roles: Sequence[Role]) -> Q:
        return Q(**{f"{klass}__organization__municipality__region_id__in": ids(roles)})


_class_scopes("timetable_entry", "school_class")
_class_scopes("lesson", "school_class")
_class_scopes("lesson_file", "lesson__school_class")


@register_scope("lesson", "taught", merge_kinds=True)
def _lesson_taught(user: Any, roles: Sequence[Role]) -> Q:
    # Only in a school where the person is confirmed staff now.
    return (Q(teacher_id=user.pk) | Q(substitute_id=user.pk)) & Q(
        school_class__organization_id__in=organization_ids(roles)
    )


@register_scope("lesson", "journal", merge_kinds=True)
def _lesson_journal(user: Any, roles: Sequence[Role]) -> Q:
    return Q(taught_journals(user, school_class="school_class_id", subject="subject_id")) & Q(
        school_class__organization_id__in=organization_ids(roles)
    )


# --- journal cells, final grades and their history ------------------------------------------
def _mark_scopes(obj: str, lesson_class: str, subject: str) -> None:
    @register_scope(obj, "self")
    def _self(user: Any, roles: Sequence[Role]) -> Q:
        return Q(student_id=user.pk)

    @register_scope(obj, "children")
    def _children(user: Any, roles: Sequence[Role]) -> Q:
        return Q(student_id__in=children(user))

    @register_scope(obj, "journal", merge_kinds=True)
    def _journal(user: Any, roles: Sequence[Role]) -> Q:
        return Q(taught_journals(user, school_class=lesson_class, subject=subject)) & Q(
            **{f"{lesson_class.removesuffix('_id')}__organization_id__in": organization_ids(roles)}
        )

    @register_scope(obj, "class")
    def _class(user: Any, roles: Sequence[Role]) -> Q:
        classes = ids(r for r in roles if r.kind == access.CLASS_TEACHER)
        return Q(**{f"{lesson_class}__in": classes})

    @register_scope(obj, "organization", merge_kinds=True)
    def _organization(user: Any, roles: Sequence[Role]) -> Q:
        path = lesson_class.removesuffix("_id")
        return Q(**{f"{path}__organization_id__in": organization_ids(roles)})

    @register_scope(obj, "municipality")
    def _municipality(user: Any, roles: Sequence[Role]) -> Q:
        path = lesson_class.removesuffix("_id")
        return Q(**{f"{path}__organization__municipality_id__in": ids(roles)})

    @register_scope(obj, "region")
    def _region(user: Any, roles: Sequence[Role]) -> Q:
        path = lesson_class.removesuffix("_id")
        return Q(**{f"{path}__organization__municipality__region_id__in": ids(roles)})


_mark_scopes("mark", "lesson__school_class_id", "lesson__subject_id")
_mark_scopes("final_grade", "school_class_id", "subject_id")
_mark_scopes("mark_change", "school_class_id", "subject_id")


@register_scope("achievement", "self")
def _achievement_self(user: Any, roles: Sequence[Role]) -> Q:
    return Q(student_id=user.pk)


@register_scope("achievement", "class")
def _achievement_class(user: Any, roles: Sequence[Role]) -> Q:
    classes = ids(r for r in roles if r.kind == access.CLASS_TEACHER)
    return Q(
        student_id__in=Enrollment.objects.confirmed()
        .filter(school_class_id__in=classes)
        .values("student_id")
    )


# achievement "children" is registered by _structure_scopes for organizations; a parent sees
# only their own children's achievements, so it is overridden here.
@register_scope("achievement", "children")
def _achievement_children(user: Any, roles: Sequence[Role]) -> Q:
    return Q(student_id__in=children(user))
