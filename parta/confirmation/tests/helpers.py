"""Bulk data for the confirmation tests: many pending claims at once (two INSERTs each)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from parta.accounts.models import User
from parta.directory.models import (
    Confirmation,
    Enrollment,
    Organization,
    SchoolClass,
    StaffPosition,
)


def _people(prefix: str, n: int) -> list[User]:
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                last_name=f"Заявкин{i:03d}",
                first_name="Пётр",
                middle_name="Ильич",
                email=f"{prefix}{i}@example.ru",
                password=password,
            )
            for i in range(n)
        ]
    )
    return users


def pending_staff(organization: Organization, n: int, prefix: str = "claim") -> list[StaffPosition]:
    return StaffPosition.objects.bulk_create(
        [
            StaffPosition(
                person=user,
                organization=organization,
                position=StaffPosition.Position.TEACHER,
                status=Confirmation.PENDING,
            )
            for user in _people(prefix, n)
        ]
    )


def pending_students(school_class: SchoolClass, n: int, prefix: str = "kid") -> list[Enrollment]:
    return Enrollment.objects.bulk_create(
        [
            Enrollment(student=user, school_class=school_class, status=Confirmation.PENDING)
            for user in _people(prefix, n)
        ]
    )
