"""factory_boy factories for tests and the demo: real rows in the real database."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from parta.accounts.models import User
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Guardianship,
    Municipality,
    Official,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
    Subject,
)

# Valid organization INNs (10 digits with the check digit) for test rows.
_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def valid_inn(n: int) -> str:
    base = f"77{n % 10_000_000:07d}"
    check = sum(int(d) * w for d, w in zip(base, _INN10, strict=True)) % 11 % 10
    return f"{base}{check}"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Регион {n}")
    code = factory.Sequence(lambda n: f"R{n}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Муниципалитет {n}")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Organization.Kind.SCHOOL
    short_name = factory.Sequence(lambda n: f"Школа № {n}")
    # The full name follows the short one, so a page never names two schools for one.
    name = factory.LazyAttribute(
        lambda o: f"Муниципальное бюджетное общеобразовательное учреждение «{o.short_name}»"
    )
    inn = factory.Sequence(valid_inn)
    official_email = factory.Sequence(lambda n: f"school{n}@edu.example.ru")
    address = factory.Sequence(lambda n: f"ул. Школьная, {n}")


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = AcademicYear

    organization = factory.SubFactory(OrganizationFactory)
    name = "2026/2027"
    starts_on = datetime.date(2026, 9, 1)
    ends_on = datetime.date(2027, 5, 26)
    is_current = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    last_name = factory.Sequence(lambda n: f"Иванов{n}")
    first_name = "Иван"
    middle_name = "Иванович"
    password = factory.django.Password("correct-horse-battery")


class SchoolClassFactory(DjangoModelFactory):
    class Meta:
        model = SchoolClass

    organization = factory.SubFactory(OrganizationFactory)
    academic_year = factory.LazyAttribute(
        lambda o: (
            AcademicYear.objects.filter(organization=o.organization, is_current=True).first()
            or AcademicYearFactory(organization=o.organization)
        )
    )
    grade = 5
    letter = factory.Sequence(lambda n: "АБВГДЕЖЗИК"[n % 10])


class StaffPositionFactory(DjangoModelFactory):
    class Meta:
        model = StaffPosition

    person = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    position = StaffPosition.Position.TEACHER


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(UserFactory)
    school_class = factory.SubFactory(SchoolClassFactory)


class GuardianshipFactory(DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(UserFactory)
    child = factory.SubFactory(UserFactory)
    kind = Guardianship.Kind.MOTHER


class OfficialFactory(DjangoModelFactory):
    class Meta:
        model = Official

    person = factory.SubFactory(UserFactory)
    kind = Official.Kind.MUNICIPAL
    region = factory.SubFactory(RegionFactory)
    municipality = None


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"Предмет {n}")
