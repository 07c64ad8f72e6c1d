"""Role homes: each opens for its own role only, and costs the same whatever the data size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.conftest import Cast

# Which cast members hold the role each home belongs to.
HOMES: dict[str, set[str]] = {
    "student_home": {"student"},
    "parent_home": {"parent", "other_parent"},
    "teacher_home": {"class_teacher", "other_teacher"},
    "class_teacher_home": {"class_teacher"},
    "school_home": {"director"},
    "municipal_home": {"official"},
    "operator_home": {"operator"},
}
MEMBERS = sorted(
    {"student", "parent", "other_parent", "class_teacher", "other_teacher"}
    | {"director", "official", "operator"}
)


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("home", sorted(HOMES))
def test_role_home_opens_only_for_its_role(cast: Cast, client, home, member):
    client.force_login(cast.members[member])
    response = client.get(reverse(home))
    assert response.status_code == (200 if member in HOMES[home] else 404)


@pytest.mark.parametrize("member", MEMBERS)
def test_home_sends_each_member_to_their_own_role_home(cast: Cast, client, member):
    client.force_login(cast.members[member])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    page = response["Location"]
    assert any(reverse(home) == page and member in who for home, who in HOMES.items())


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_school_home_costs_the_same_with_3_or_30_staff(
    cast: Cast, client, django_assert_max_num_queries
):
    # The director and the class teacher are already on staff.
    f.StaffPositionFactory(organization=cast.school)
    client.force_login(cast.director)
    url = reverse("school_home")
    small = _queries(client, url)
    assert cast.school.staff.filter(status="confirmed").count() == 3
    for n in range(27):
        f.StaffPositionFactory(organization=cast.school)
        f.SchoolClassFactory(organization=cast.school, grade=1 + n % 11, letter="ЖЗИКЛ"[n // 11])
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["staff"]) == 30


def test_municipal_home_costs_the_same_with_2_or_10_organizations(
    cast: Cast, client, django_assert_max_num_queries
):
    f.OrganizationFactory(municipality=cast.municipality)
    client.force_login(cast.official)
    url = reverse("municipal_home")
    small = _queries(client, url)
    for _ in range(8):
        school = f.OrganizationFactory(municipality=cast.municipality)
        f.EnrollmentFactory(school_class=f.SchoolClassFactory(organization=school))
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["organizations"]) == 10


def test_operator_home_costs_the_same_with_more_municipalities(
    cast: Cast, client, django_assert_max_num_queries
):
    client.force_login(cast.operator)
    url = reverse("operator_home")
    small = _queries(client, url)
    for n in range(10):
        f.OrganizationFactory(
            municipality=f.MunicipalityFactory(region=cast.municipality.region, name=f"Район {n}")
        )
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["municipalities"]) == 12


def test_parent_home_costs_the_same_with_more_children(
    cast: Cast, client, django_assert_max_num_queries
):
    client.force_login(cast.parent)
    url = reverse("parent_home")
    small = _queries(client, url)
    for _ in range(4):
        child = f.EnrollmentFactory(school_class=cast.school_class).student
        f.GuardianshipFactory(guardian=cast.parent, child=child)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["children"]) == 5
