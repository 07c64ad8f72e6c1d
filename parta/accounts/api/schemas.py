"""What the API says, typed: the pydantic schemas of /api/v1/ about people and classes."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    """A refusal: ``detail`` is a sentence for the person, in their language."""

    detail: str = Field(description="Translated message (Accept-Language).")
    code: str = Field("", description="A stable machine-readable code, when there is one.")
    field: str | None = Field(None, description="The request field the error is about.")


class ValidationIssue(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """The request did not match the schema (wrong types, values out of range)."""

    detail: list[ValidationIssue]


class MeOut(Schema):
    id: int
    login: str = Field(alias="username")
    last_name: str
    first_name: str
    middle_name: str
    full_name: str
    email: str
    phone: str
    language: str
    must_change_password: bool


class RoleOut(Schema):
    kind: str = Field(description="student, parent, teacher, class_teacher, director, …")
    key: str = Field(description="Stable key of the role with its context, e.g. teacher:12.")
    label: str
    context_label: str
    context_id: int | None
    organization_id: int | None


class OrganizationRef(Schema):
    id: int
    short_name: str


class ClassRef(Schema):
    id: int
    name: str
    grade: int
    letter: str
    academic_year: str
    organization: OrganizationRef

    @staticmethod
    def resolve_academic_year(obj: Any) -> str:
        return str(obj.academic_year.name)


class ChildOut(Schema):
    id: int
    last_name: str
    first_name: str
    middle_name: str
    full_name: str
    school_class: ClassRef | None = Field(
        description="The current class, or null when the child is not enrolled this year."
    )

    @staticmethod
    def resolve_school_class(obj: Any) -> Any:
        # children_of() prefetches this year's enrolments into ``current_enrollments``.
        enrollments = obj.current_enrollments
        return enrollments[0].school_class if enrollments else None


class ClassOut(ClassRef):
    students_count: int = Field(description="Students enrolled in the class now.")


class StudentOut(Schema):
    id: int
    last_name: str
    first_name: str
    middle_name: str
    full_name: str


class TokenIn(Schema):
    name: str = Field(
        min_length=1, max_length=100, description="What the token is for: «Телефон», «Скрипт»."
    )
    expires_in_days: int | None = Field(
        None, ge=1, le=366, description="Lifetime in days; null means until revoked."
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to tell them apart.")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    is_active: bool


class TokenCreatedOut(TokenOut):
    token: str = Field(
        description="The secret, shown this once. Send it as `Authorization: Bearer <token>`."
    )
