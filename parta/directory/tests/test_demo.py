"""``manage.py demo``: the demo region is complete, realistic, signs in, and loads once."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import Client

from parta.accounts.models import User
from parta.core.validators import inn_is_valid, normalize_phone, normalize_snils
from parta.directory import demo
from parta.directory.fake_names import PATRONYMICS
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Guardianship,
    Official,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
    Subject,
)

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def region_people():
    return User.objects.filter(Q(username__startswith="demo-") | Q(username__startswith="demo."))


def table_counts() -> dict[str, int]:
    models = (User, Region, Organization, AcademicYear, SchoolClass, StaffPosition, Enrollment)
    counts = {m.__name__: m.objects.count() for m in models}
    counts["Guardianship"] = Guardianship.objects.count()
    counts["Official"] = Official.objects.count()
    counts["Subject"] = Subject.objects.count()
    return counts


def test_demo_builds_the_region_described_in_the_brief():
    run_demo()
    region = Region.objects.get(code=demo.REGION_CODE)
    assert region.timezone == "Asia/Yekaterinburg"
    orgs = Organization.objects.filter(municipality__region=region)
    # Three working schools; the others have just been given access (the onboarding demo)
    # and have no classes yet.
    newly_connected = orgs.filter(kind=Organization.Kind.SCHOOL, classes__isnull=True)
    assert newly_connected.exists()
    established = orgs.exclude(pk__in=newly_connected.values("pk"))
    assert established.filter(kind=Organization.Kind.SCHOOL).count() == 3
    assert orgs.filter(kind=Organization.Kind.ADDITIONAL).count() == 1
    assert region.municipalities.count() == 1
    for org in established:
        assert inn_is_valid(org.inn)
        year = AcademicYear.objects.get(organization=org, is_current=True)
        assert (year.name, str(year.starts_on), str(year.ends_on)) == (
            "2026/2027",
            "2026-09-01",
            "2027-05-26",
        )

    # Places the school entered itself: confirmed from the start, with no decision recorded.
    # (The confirmation demo adds students who claimed a place: some wait, some were decided.)
    students = Enrollment.objects.filter(
        school_class__organization__municipality__region=region,
        status="confirmed",
        decided_by__isnull=True,
    )
    assert 280 <= students.count() <= 320
    assert students.values("student").distinct().count() == students.count()

    schools = established.filter(kind=Organization.Kind.SCHOOL)
    for school in schools:
        grades = set(school.classes.values_list("grade", flat=True))
        assert grades == set(range(1, 12)), school
    classes = SchoolClass.objects.filter(organization__in=schools)
    assert classes.values("grade").annotate(n=Count("pk")).filter(n__gt=3).exists()
    assert not classes.filter(class_teacher__isnull=True).exists()
    # A class teacher works at the class's own school and leads one class.
    for school_class in classes:
        assert StaffPosition.objects.filter(
            person=school_class.class_teacher, organization=school_class.organization
        ).exists()
    assert classes.values("class_teacher").distinct().count() == classes.count()

    for school in schools:
        positions = school.staff.values_list("position", flat=True)
        assert list(positions).count("director") == 1
        assert "deputy" in positions
        assert "secretary" in positions
        assert list(positions).count("teacher") >= school.classes.count()

    student_ids = students.values("student_id")
    without_parent = User.objects.filter(pk__in=student_ids).exclude(
        pk__in=Guardianship.objects.values("child_id")
    )
    assert not without_parent.exists()
    per_child = Guardianship.objects.filter(child_id__in=student_ids).values("child_id")
    sizes = {row["n"] for row in per_child.annotate(n=Count("pk"))}
    assert sizes == {1, 2}
    families = Guardianship.objects.filter(child_id__in=student_ids).values("guardian_id")
    assert families.annotate(n=Count("child_id")).filter(n=2).count() >= 3
    two_schools = [
        g
        for g in User.objects.filter(wards__isnull=False).distinct()
        if Enrollment.objects.filter(student__guardians__guardian=g)
        .values("school_class__organization")
        .distinct()
        .count()
        == 2
    ]
    assert two_schools

    assert Official.objects.filter(region=region, kind="municipal").count() == 1
    assert Official.objects.filter(region=region, kind="operator").count() == 1
    assert Subject.objects.filter(organization__isnull=True, name="Математика").exists()


def test_demo_people_have_consistent_names_and_valid_identifiers():
    run_demo()
    people = list(region_people())
    patronymics_f = {f for _, f in PATRONYMICS.values()}
    patronymics_m = {m for m, _ in PATRONYMICS.values()}
    for person in people:
        assert person.last_name and person.first_name and person.middle_name, person.username
        female = person.middle_name in patronymics_f
        assert female or person.middle_name in patronymics_m, person.full_name
        if female:
            assert not re.search(r"(ов|ев|ёв|ин|ский|цкий)$", person.last_name), person.full_name
        else:
            assert not re.search(r"(ова|ева|ёва|ина|ская|цкая)$", person.last_name), (
                person.full_name
            )
        if person.snils:
            assert normalize_snils(person.snils) == person.snils
        if person.phone:
            assert normalize_phone(person.phone) == person.phone
            assert person.phone.startswith("+79")
        if person.email:
            assert person.email.endswith(".example")
    assert sum(1 for p in people if p.snils) > len(people) // 2
    assert sum(1 for p in people if not p.snils) > 0
    # Parents and staff are reachable by e-mail; children are not given one.
    parents = region_people().filter(wards__isnull=False).distinct()
    assert not parents.filter(email="").exists()
    # A child's patronymic comes from the father's name, and the surname is the father's.
    for link in Guardianship.objects.filter(kind="father").select_related("guardian", "child"):
        father, child = link.guardian, link.child
        assert child.middle_name in PATRONYMICS[father.first_name]
        assert child.last_name.startswith(father.last_name[:-2]), (father, child)


def test_demo_logins_sign_in_with_the_printed_passwords():
    output = run_demo()
    for login in demo.LOGINS:
        assert login.username in output and login.password in output
        client = Client()
        response = client.post(
            "/accounts/login/", {"login": login.username, "password": login.password}
        )
        assert response.status_code == 302, login.username
        assert client.session.get("_auth_user_id") == str(
            User.objects.get(username=login.username).pk
        ), login.username
    assert not Client().login(username="demo-parent", password="wrong-password-123")


def test_demo_login_roles():
    run_demo()
    from parta.core import access

    def kinds(username: str) -> set[str]:
        return {role.kind for role in access.roles_of(User.objects.get(username=username))}

    assert kinds("demo-parent") == {"parent"}
    parent = User.objects.get(username="demo-parent")
    assert parent.wards.count() == 2
    assert parent.wards.filter(child__username="demo-student").exists()
    assert kinds("demo-student") == {"student"}
    assert kinds("demo-teacher") == {"teacher"}
    assert kinds("demo-classteacher") == {"teacher", "class_teacher"}
    assert kinds("demo-director") == {"director"}
    assert kinds("demo-deputy") == {"deputy"}
    assert kinds("demo-municipal") == {"municipal"}
    assert kinds("demo-operator") == {"operator"}
    assert kinds("demo-multirole") == {"teacher", "parent"}
    assert kinds("demo-newparent") == {"parent"}
    operator = User.objects.get(username="demo-operator")
    assert operator.is_staff and not operator.is_superuser
    assert operator.has_perm("directory.change_organization")
    assert operator.has_perm("accounts.view_user")
    assert Group.objects.get(name=demo.OPERATOR_GROUP).permissions.exists()
    assert not User.objects.get(username="demo-director").is_staff


def test_demo_newparent_must_set_own_password_first():
    run_demo()
    client = Client()
    client.post(
        "/accounts/login/", {"login": "demo-newparent", "password": demo.NEW_PARENT_PASSWORD}
    )
    response = client.get("/parent/")
    assert response.status_code == 302
    assert response["Location"] == "/password/first/"
    assert User.objects.get(username="demo-newparent").must_change_password


def test_demo_twice_does_not_duplicate_and_restores_passwords():
    run_demo()
    before = table_counts()
    parent = User.objects.get(username="demo-parent")
    parent.set_password("changed-by-a-visitor-1")
    parent.save()
    output = run_demo()
    assert "уже загружен" in output
    assert table_counts() == before
    assert Client().login(username="demo-parent", password=demo.DEMO_PASSWORD)


def test_demo_is_the_same_every_time():
    run_demo()
    first = sorted(region_people().values_list("username", "last_name", "first_name", "snils"))
    run_demo("--reset")
    second = sorted(region_people().values_list("username", "last_name", "first_name", "snils"))
    assert first == second
    assert Region.objects.filter(code=demo.REGION_CODE).count() == 1


def test_demo_reset_leaves_other_regions_alone(cast):
    run_demo()
    run_demo("--reset")
    assert User.objects.filter(pk=cast.student.pk).exists()
    assert Organization.objects.filter(pk=cast.school.pk).exists()
    assert Enrollment.objects.filter(student=cast.student).exists()


def test_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="демо-режиме"):
        run_demo()
    assert not Region.objects.filter(code=demo.REGION_CODE).exists()
    assert not region_people().exists()


def test_readme_lists_every_printed_demo_login():
    """The cabinet apps add their own demo logins; each one printed is in the README."""
    output = run_demo()
    printed = re.findall(r"^  (demo-[\w-]+)\s+(\S+)\s", output, flags=re.MULTILINE)
    assert {username for username, _ in printed} >= {x.username for x in demo.LOGINS}
    assert len(printed) > len(demo.LOGINS)
    readme = (django_settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    for username, password in printed:
        assert f"| `{username}` | `{password}` |" in readme, username
