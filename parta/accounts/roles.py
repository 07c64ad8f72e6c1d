"""Which roles a person holds, and which one they are acting in now.

Roles are derived from the region's structure (staff positions, enrolments, guardianships,
class leadership, official posts); nothing is stored twice. A person with several roles picks
the active one in the header; each role has its own home page.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.core import access, sql
from parta.core.access import Role
from parta.directory.models import (
    AcademicYear,
    Confirmation,
    Enrollment,
    Guardianship,
    Municipality,
    Official,
    Organization,
    Region,
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


def _roles_sql(person: str = "%(user)s") -> str:
    """The one statement that finds every role of a person (see ``roles_for``); ``person``
    is the SQL for the person's key: a parameter, or the column of an outer query."""
    official = Official._meta.db_table
    region = Region._meta.db_table
    municipality = Municipality._meta.db_table
    staff = StaffPosition._meta.db_table
    org = Organization._meta.db_table
    klass = SchoolClass._meta.db_table
    year = AcademicYear._meta.db_table
    enrollment = Enrollment._meta.db_table
    guardianship = Guardianship._meta.db_table
    confirmed = Confirmation.CONFIRMED.value
    operator = Official.Kind.OPERATOR.value
    # Columns: kind, context id, context label, organization id, class grade, class letter.
    return f"""
        SELECT CASE WHEN p.kind = '{operator}' THEN 'operator' ELSE 'municipal' END,
               CASE WHEN p.kind = '{operator}' THEN p.region_id ELSE p.municipality_id END,
               CASE WHEN p.kind = '{operator}' THEN r.name ELSE m.name END,
               CAST(NULL AS BIGINT), CAST(NULL AS INTEGER), CAST(NULL AS VARCHAR(4))
          FROM {official} p
          JOIN {region} r ON r.id = p.region_id
          LEFT JOIN {municipality} m ON m.id = p.municipality_id
         WHERE p.person_id = {person} AND p.is_active
        UNION ALL
        SELECT s.position, o.id, o.short_name, o.id, NULL, NULL
          FROM {staff} s JOIN {org} o ON o.id = s.organization_id
         WHERE s.person_id = {person} AND s.is_active AND s.status = '{confirmed}'
           AND o.is_active
        UNION ALL
        SELECT 'class_teacher', c.id, o.short_name, o.id, c.grade, c.letter
          FROM {klass} c
          JOIN {year} y ON y.id = c.academic_year_id
          JOIN {org} o ON o.id = c.organization_id
         WHERE c.class_teacher_id = {person} AND y.is_current
           AND EXISTS (SELECT 1 FROM {staff} s WHERE s.person_id = {person}
                        AND s.organization_id = c.organization_id
                        AND s.is_active AND s.status = '{confirmed}')
        UNION ALL
        SELECT 'parent', NULL, '', NULL, NULL, NULL
         WHERE EXISTS (SELECT 1 FROM {guardianship} g WHERE g.guardian_id = {person})
        UNION ALL
        SELECT 'student', c.id, o.short_name, o.id, c.grade, c.letter
          FROM {enrollment} e
          JOIN {klass} c ON c.id = e.school_class_id
          JOIN {year} y ON y.id = c.academic_year_id
          JOIN {org} o ON o.id = c.organization_id
         WHERE e.student_id = {person} AND e.is_active AND e.status = '{confirmed}'
           AND y.is_current
    """  # noqa: S608 (table names and constants only; the person is a parameter or a column)


_ROLES_SQL: str | None = None
_ROWS_ATTRIBUTE = "parta_role_rows"


def role_rows_column() -> dict[str, Any]:
    """An annotation for a query of people (``accounts_user``): each person's roles as one
    JSON column, so that the session's person and their roles are one round trip
    (``IdentifierBackend.get_user``). ``roles_for`` then takes them from the person instead
    of asking again. Empty on SQLite (development), which asks as before."""
    if connection.vendor != "postgresql":
        return {}
    columns = "kind, context_id, label, organization_id, grade, letter"
    person = f'"{User._meta.db_table}"."{User._meta.pk.column}"'
    return {
        _ROWS_ATTRIBUTE: RawSQL(  # noqa: S611 (table names and constants only)
            f"(SELECT coalesce(json_agg(json_build_array({columns})), '[]')::text"  # noqa: S608
            f" FROM ({_roles_sql(person)}) AS roles({columns}))",
            (),
            output_field=TextField(),
        )
    }


def roles_for(user: Any) -> list[Role]:
    """Every role of ``user`` in one SQL statement, whatever the size of the region.

    Only confirmed places give a role (VER-4): a claimed position or enrolment waits. A class
    teacher acts for the class only while confirmed as staff of its school. The five sources
    (official posts, staff positions, led classes, guardianship, enrolments) are one UNION
    ALL: the roles are found on every request, and one round trip instead of five is about
    half of what a small page costs (bench/README.md).
    """
    global _ROLES_SQL
    # Read together with the person (``role_rows_column``): used once, then asked again.
    kept = getattr(user, _ROWS_ATTRIBUTE, None)  # through request.user's lazy wrapper too
    if kept is not None:
        delattr(user, _ROWS_ATTRIBUTE)
        rows = [tuple(row) for row in json.loads(kept)]
    else:
        if _ROLES_SQL is None:
            _ROLES_SQL = _roles_sql()
        rows = sql.fetch_all(_ROLES_SQL, {"user": user.pk})
    roles: list[Role] = []
    for kind, context_id, label, organization_id, grade, letter in rows:
        if kind in (access.STUDENT, access.CLASS_TEACHER):
            context_label = f"{grade}{letter} · {label}"
        else:
            context_label = label or ""
        roles.append(Role(kind, context_id, "", context_label, organization_id))
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
