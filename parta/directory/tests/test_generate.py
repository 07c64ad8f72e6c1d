"""``manage.py generate``: a generated region has the scale's counts, keeps every constraint
and works with the access engine, whichever way the rows were written."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from parta.accounts.models import User
from parta.core.validators import inn_is_valid, normalize_phone, normalize_snils
from parta.directory import generate
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Guardianship,
    Organization,
    SchoolClass,
    StaffPosition,
)

pytestmark = pytest.mark.django_db

TINY = generate.SCALES["tiny"]

# Both writers: bulk_create (every database) and COPY (PostgreSQL only).
WRITERS = [
    pytest.param(["--no-copy"], id="bulk_create"),
    pytest.param([], id="copy", marks=pytest.mark.postgres),
]


def run_generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate", "--scale", "tiny", "--quiet", *args, stdout=out)
    return out.getvalue()


def assert_tiny_region_is_consistent() -> None:
    counts = generate.dataset_counts(TINY)
    assert counts == {
        "municipalities": TINY.municipalities,
        "schools": TINY.schools,
        "providers": TINY.providers,
        "classes": TINY.classes,
        "students": TINY.students,
        "parents": TINY.parents,
        "guardianships": counts["guardianships"],
        "staff": TINY.staff,
        "officials": TINY.officials,
        "people": TINY.people,
    }
    region_orgs = Organization.objects.filter(municipality__region__code=TINY.region_code)
    assert all(inn_is_valid(inn) for inn in region_orgs.values_list("inn", flat=True))
    for org in region_orgs:
        assert AcademicYear.objects.filter(organization=org, is_current=True).count() == 1
        assert org.staff.filter(position="director").count() == 1
    classes = SchoolClass.objects.filter(organization__in=region_orgs)
    assert not classes.filter(class_teacher__isnull=True).exists()
    for school_class in classes.select_related("class_teacher"):
        assert StaffPosition.objects.filter(
            person=school_class.class_teacher,
            organization_id=school_class.organization_id,
            position="teacher",
        ).exists()
    people = User.objects.filter(username__startswith=TINY.username_prefix)
    students = people.filter(enrollments__isnull=False)
    assert students.count() == TINY.students
    # Every student has one or two parents, and everyone has one place in one class.
    per_child = Guardianship.objects.filter(child__in=students).values("child_id")
    assert {row["n"] for row in per_child.annotate(n=Count("pk"))} == {1, 2}
    assert per_child.distinct().count() == TINY.students
    assert Enrollment.objects.filter(student__in=students).count() == TINY.students
    # Brothers and sisters share their parents.
    assert (
        Guardianship.objects.filter(guardian__in=people)
        .values("guardian_id")
        .annotate(n=Count("child_id"))
        .filter(n=2)
        .exists()
    )
    for person in people:
        assert not person.has_usable_password()
        if person.snils:
            assert normalize_snils(person.snils) == person.snils
        if person.phone:
            assert normalize_phone(person.phone) == person.phone
    for field in ("username", "phone", "snils", "email"):
        values = [v for v in people.values_list(field, flat=True) if v]
        assert len(values) == len(set(values)), field
    assert len({p.password for p in people}) == people.count()


@pytest.mark.parametrize("writer", WRITERS)
def test_generate_tiny_makes_a_consistent_region(writer):
    output = run_generate(*writer)
    assert TINY.region_code in output
    assert_tiny_region_is_consistent()


@pytest.mark.postgres
def test_generate_uses_copy_on_postgresql():
    # The default writer on PostgreSQL is COPY, which reserves ids from the sequence: a row
    # created afterwards through the ORM gets the next id, not one of the reserved ones.
    assert connection.vendor == "postgresql"
    generate.generate(TINY)
    last = User.objects.filter(username__startswith=TINY.username_prefix).order_by("pk").last()
    newcomer = User.objects.create(username="after-copy")
    assert newcomer.pk > last.pk


def test_generated_parent_sees_only_their_children():
    run_generate("--no-copy")
    parents = (
        User.objects.filter(username__startswith=TINY.username_prefix, wards__isnull=False)
        .annotate(n=Count("wards"))
        .order_by("-n", "pk")
    )
    parent = parents.first()
    children = set(parent.wards.values_list("child_id", flat=True))
    visible = set(User.objects.visible_to(parent).values_list("pk", flat=True))
    assert visible == children | {parent.pk}
    other_child = Enrollment.objects.exclude(student_id__in=children).first().student
    assert not User.objects.visible_to(parent).filter(pk=other_child.pk).exists()


def test_generated_director_sees_only_own_school():
    run_generate("--no-copy")
    director = StaffPosition.objects.filter(
        position="director",
        organization__kind="school",
        organization__municipality__region__code=TINY.region_code,
    ).first()
    person = director.person
    assert list(Organization.objects.visible_to(person)) == [director.organization]
    own_students = Enrollment.objects.filter(school_class__organization=director.organization)
    visible_students = User.objects.visible_to(person).filter(enrollments__isnull=False)
    assert set(visible_students.values_list("pk", flat=True)) == set(
        own_students.values_list("student_id", flat=True)
    )


def test_generate_refuses_to_run_twice_without_replace():
    run_generate("--no-copy")
    with pytest.raises(CommandError, match="--replace"):
        run_generate("--no-copy")
    assert generate.dataset_counts(TINY)["people"] == TINY.people


@pytest.mark.parametrize("writer", WRITERS)
def test_generate_replace_recreates_without_duplicates(writer, cast):
    run_generate(*writer)
    run_generate("--replace", *writer)
    assert_tiny_region_is_consistent()
    # The rest of the database is untouched.
    assert User.objects.filter(pk=cast.student.pk).exists()
    assert Enrollment.objects.filter(student=cast.student).exists()


def test_generate_beside_the_demo_region():
    call_command("demo", stdout=io.StringIO())
    run_generate("--no-copy")
    assert_tiny_region_is_consistent()


def test_every_scale_is_consistent():
    for scale in generate.SCALES.values():
        scale.check()
        families, two_children, two_parents = scale.families()
        assert families + two_children == scale.students
        assert families + two_parents == scale.parents
    district = generate.SCALES["district"]
    assert (district.schools, district.students, district.parents) == (50, 25_000, 40_000)
    assert (district.classes, district.staff) == (1_000, 2_500)
    region = generate.SCALES["region"]
    assert (region.schools, region.students) == (1_000, 300_000)
