"""The admin as the regional operator uses it: their region only, readable, fixed cost."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.accounts.models import User
from parta.directory.models import Organization, StaffPosition


@pytest.fixture
def foreign(db):
    """A school, its teacher and its class in another region."""
    region = f.RegionFactory(name="Чужой регион", code="FOREIGN")
    municipality = f.MunicipalityFactory(region=region, name="Чужой район")
    school = f.OrganizationFactory(municipality=municipality, short_name="Чужая школа")
    teacher = f.UserFactory(username="chuzhoy", last_name="Чужой", snils="11223344595")
    f.StaffPositionFactory(person=teacher, organization=school)
    return school, teacher


@pytest.fixture
def operator_client(client, cast):
    client.force_login(cast.operator)
    return client


def test_operator_sees_only_own_regions_organizations(operator_client, cast, foreign):
    response = operator_client.get(reverse("admin:directory_organization_changelist"))
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert shown == {cast.school, cast.other_school}


def test_operator_cannot_open_foreign_organization(operator_client, foreign):
    school, _ = foreign
    url = reverse("admin:directory_organization_change", args=[school.pk])
    response = operator_client.get(url)
    # The admin answers a row outside the queryset like a missing one: back to the index.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert operator_client.post(url, {"short_name": "x"}).status_code == 302
    school.refresh_from_db()
    assert school.short_name == "Чужая школа"


def test_operator_cannot_see_foreign_people(operator_client, cast, foreign):
    _, teacher = foreign
    response = operator_client.get(reverse("admin:accounts_user_changelist"), {"q": "Чужой"})
    assert list(response.context["cl"].result_list) == []
    url = reverse("admin:accounts_user_change", args=[teacher.pk])
    assert operator_client.get(url).status_code == 302


def _organization_form(cast, **overrides):
    data = {
        "municipality": cast.municipality.pk,
        "kind": "school",
        "name": "Новая школа",
        "short_name": "Школа № 99",
        "inn": f.valid_inn(990_001),
        "official_email": "school99@edu.example.ru",
        "address": "ул. Новая, 1",
        "is_active": "on",
        "staff-TOTAL_FORMS": "0",
        "staff-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_organization_with_wrong_inn_checksum_shows_error_at_field(operator_client, cast):
    bad = f.valid_inn(990_001)
    bad = bad[:-1] + str((int(bad[-1]) + 1) % 10)
    response = operator_client.post(
        reverse("admin:directory_organization_add"), _organization_form(cast, inn=bad)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["inn"]
    assert "контрольная цифра" in errors["inn"][0]
    assert not Organization.objects.filter(short_name="Школа № 99").exists()


def test_operator_adds_organization_in_own_region(operator_client, cast):
    response = operator_client.post(
        reverse("admin:directory_organization_add"), _organization_form(cast)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Organization.objects.get(short_name="Школа № 99").municipality == cast.municipality


def test_operator_cannot_attach_organization_to_foreign_municipality(
    operator_client, cast, foreign
):
    school, _ = foreign
    response = operator_client.post(
        reverse("admin:directory_organization_add"),
        _organization_form(cast, municipality=school.municipality_id),
    )
    assert response.status_code == 200
    assert "municipality" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(short_name="Школа № 99").exists()


def test_person_search_understands_snils_and_phone_as_typed(operator_client, cast):
    cast.class_teacher.snils = "11223344595"
    cast.class_teacher.save()
    url = reverse("admin:accounts_user_changelist")
    by_snils = operator_client.get(url, {"q": "112-233-445 95"})
    assert list(by_snils.context["cl"].result_list) == [cast.class_teacher]
    by_phone = operator_client.get(url, {"q": "8 (912) 345-67-89"})
    assert list(by_phone.context["cl"].result_list) == [cast.parent]
    by_name = operator_client.get(url, {"q": "Смирнова Ольга"})
    assert list(by_name.context["cl"].result_list) == [cast.class_teacher]


def test_autocomplete_offers_only_own_region_with_clear_labels(operator_client, cast, foreign):
    response = operator_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "5А",
            "app_label": "directory",
            "model_name": "enrollment",
            "field_name": "school_class",
        },
    )
    assert response.status_code == 200
    results = json.loads(response.content)["results"]
    assert [r["text"] for r in results] == ["5А · Школа № 1 · 2026/2027"]
    people = operator_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Ч",
            "app_label": "directory",
            "model_name": "staffposition",
            "field_name": "person",
        },
    )
    assert json.loads(people.content)["results"] == []


def test_operator_cannot_grant_admin_rights(operator_client, cast):
    url = reverse("admin:accounts_user_change", args=[cast.class_teacher.pk])
    page = operator_client.get(url)
    assert page.status_code == 200
    fields = page.context["adminform"].form.fields
    assert "is_superuser" not in fields
    assert "is_staff" not in fields
    assert "snils" in fields


def test_operator_may_not_delete_people(operator_client, cast):
    url = reverse("admin:accounts_user_delete", args=[cast.student.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=cast.student.pk).exists()


def test_staff_without_operator_role_is_refused(client, cast):
    cast.director.is_staff = True
    cast.director.save()
    client.force_login(cast.director)
    assert client.get(reverse("admin:index")).status_code != 200
    # Not bounced between the admin and the sign-in page: refused like a missing page.
    assert client.get(reverse("admin:login")).status_code == 404


def test_anonymous_admin_sign_in_goes_through_the_site_sign_in(client, db):
    response = client.get(reverse("admin:login"), {"next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response["Location"]


def test_admin_index_lists_the_operators_models(operator_client):
    response = operator_client.get(reverse("admin:index"))
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Organization", "SchoolClass", "StaffPosition", "User", "Official"} <= models


def test_admin_pages_carry_parta_branding_and_language_switch(operator_client):
    html = operator_client.get(reverse("admin:index")).content.decode()
    assert "parta/admin.css" in html
    assert 'action="/i18n/setlang/"' in html
    assert "Парта — панель управления" in html
    assert 'href="/"' in html


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "changelist",
    [
        "directory_organization",
        "directory_staffposition",
        "directory_schoolclass",
        "directory_enrollment",
        "directory_guardianship",
        "directory_municipality",
        "accounts_user",
    ],
)
def test_changelist_query_count_does_not_grow_with_rows(operator_client, cast, changelist):
    url = reverse(f"admin:{changelist}_changelist")
    before = _count(operator_client, url)
    for n in range(6):
        school = f.OrganizationFactory(municipality=cast.municipality)
        klass = f.SchoolClassFactory(organization=school, class_teacher=f.UserFactory())
        student = f.EnrollmentFactory(school_class=klass).student
        f.GuardianshipFactory(child=student)
        f.StaffPositionFactory(organization=school)
        f.MunicipalityFactory(region=cast.municipality.region, name=f"Район {n}")
    assert StaffPosition.objects.count() >= 9
    assert _count(operator_client, url) == before


def test_admin_russian_titles_read_right_with_nominative_names(operator_client):
    html = operator_client.get(reverse("admin:directory_organization_changelist")).content.decode()
    assert "<h1>Организации</h1>" in html
    assert "Выберите организация" not in html
    assert "Добавить: организация" in html


def test_admin_shows_but_never_edits_the_confirmation_of_a_place(operator_client, cast):
    """VER-4: a claim is decided by the confirmation service (who, when, the letter, the
    report), never by editing the status of a position or an enrolment in the admin."""
    import re

    for person in (cast.class_teacher, cast.student):
        html = operator_client.get(
            reverse("admin:accounts_user_change", args=[person.pk])
        ).content.decode()
        assert "подтверждено" in html
        assert not re.search(r'name="[^"]*-status"', html)
