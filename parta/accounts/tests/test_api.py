"""/api/v1/: who may call what, with which credentials, and at what cost in SQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parta import factories as f
from parta.accounts.models import ApiToken
from parta.accounts.tokens import MAX_ACTIVE_TOKENS, api_token_create, hash_token

API = "/api/v1"


def token_for(user, **kwargs) -> str:
    return api_token_create(user=user, name="Телефон", **kwargs).secret


def call(path: str, token: str | None = None, method: str = "get", **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return getattr(Client(), method)(API + path, headers=headers, **kwargs)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


# --- authentication -------------------------------------------------------------------------
def test_me_answers_with_the_token_owner(cast):
    response = call("/me", token_for(cast.parent))
    assert response.status_code == 200
    assert response.json() == {
        "id": cast.parent.pk,
        "login": "roditel",
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Сергеевна",
        "full_name": "Петрова Анна Сергеевна",
        "email": "petrova@example.ru",
        "phone": "+79123456789",
        "language": "",
        "must_change_password": False,
    }


def test_me_answers_to_the_session_cookie(cast, client):
    client.force_login(cast.director)
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json()["login"] == "direktor"


@pytest.mark.parametrize(
    "path", ["/me", "/me/roles", "/me/children", "/me/classes", "/tokens", "/classes/1"]
)
def test_no_credentials_is_401_json(cast, path):
    response = call(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] == "Нужно войти или передать действующий токен."


@pytest.mark.parametrize(
    "header", ["Bearer parta_wrong", "Bearer ", "Bearer something-else", "Token parta_x"]
)
def test_wrong_token_is_401(cast, header):
    response = Client().get(f"{API}/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_bad_token_is_refused_even_with_a_good_session(cast, client):
    client.force_login(cast.parent)
    response = client.get(f"{API}/me", headers={"Authorization": "Bearer parta_revoked"})
    assert response.status_code == 401


def test_revoked_token_is_401(cast):
    secret = token_for(cast.parent)
    assert call("/me", secret).status_code == 200
    token = ApiToken.objects.get(key_hash=hash_token(secret))
    assert call(f"/tokens/{token.pk}", secret, method="delete").status_code == 204
    assert call("/me", secret).status_code == 401


def test_expired_token_is_401(cast):
    secret = token_for(cast.parent, expires_in_days=1)
    assert call("/me", secret).status_code == 200
    ApiToken.objects.filter(key_hash=hash_token(secret)).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert call("/me", secret).status_code == 401


def test_token_of_deactivated_person_is_401(cast):
    secret = token_for(cast.parent)
    cast.parent.is_active = False
    cast.parent.save(update_fields=["is_active"])
    assert call("/me", secret).status_code == 401


def test_token_of_person_who_must_change_password_is_403(cast):
    secret = token_for(cast.student)
    cast.student.must_change_password = True
    cast.student.save(update_fields=["must_change_password"])
    for path in ("/me", "/me/roles", "/tokens", f"/classes/{cast.school_class.pk}"):
        response = call(path, secret)
        assert response.status_code == 403, path
        assert response.json()["detail"] == "Сначала задайте свой пароль."


def test_session_of_person_who_must_change_password_is_403(cast, client):
    cast.student.must_change_password = True
    cast.student.save(update_fields=["must_change_password"])
    client.force_login(cast.student)
    response = client.get(f"{API}/me")
    assert response.status_code == 403
    assert response.json()["detail"] == "Сначала задайте свой пароль."


def test_token_use_is_recorded(cast):
    secret = token_for(cast.parent)
    call("/me", secret)
    token = ApiToken.objects.get(key_hash=hash_token(secret))
    assert token.last_used_at is not None
    assert token.last_used_at <= timezone.now()


# --- tokens ---------------------------------------------------------------------------------
def test_session_creates_a_token_shown_once_and_stored_as_hash(cast, client):
    client.force_login(cast.parent)
    response = client.post(
        f"{API}/tokens", {"name": "Телефон", "expires_in_days": 30}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    assert secret.startswith("parta_") and len(secret) > 40
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == cast.parent
    assert token.key_hash == hash_token(secret)
    assert secret not in {token.key_hash, token.prefix, token.name}
    assert secret.startswith(token.prefix)
    assert token.expires_at is not None
    listed = client.get(f"{API}/tokens").json()
    assert listed["count"] == 1
    assert "token" not in listed["items"][0]
    assert secret not in str(listed)
    # The secret works as a bearer token.
    assert call("/me", secret).json()["id"] == cast.parent.pk


def test_token_creation_from_a_session_needs_csrf(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.parent)
    refused = client.post(f"{API}/tokens", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.exists()

    csrf = "a" * 32
    client.cookies["csrftoken"] = csrf
    accepted = client.post(
        f"{API}/tokens",
        {"name": "x"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert accepted.status_code == 201


def test_session_revocation_needs_csrf(cast):
    secret = token_for(cast.parent)
    token = ApiToken.objects.get(key_hash=hash_token(secret))
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.parent)
    assert client.delete(f"{API}/tokens/{token.pk}").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_cannot_create_tokens(cast):
    response = call(
        "/tokens",
        token_for(cast.parent),
        "post",
        data={"name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_blank_token_name_is_refused_with_a_message(cast, client):
    client.force_login(cast.parent)
    response = client.post(f"{API}/tokens", {"name": "   "}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Укажите название токена.",
        "code": "name_required",
        "field": "name",
    }


def test_too_many_tokens_are_refused(cast, client):
    for _ in range(MAX_ACTIVE_TOKENS):
        token_for(cast.parent)
    client.force_login(cast.parent)
    response = client.post(f"{API}/tokens", {"name": "ещё"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_tokens"
    # A revoked token frees its place.
    first = ApiToken.objects.filter(user=cast.parent).first()
    first.revoked_at = timezone.now()
    first.save(update_fields=["revoked_at"])
    again = client.post(f"{API}/tokens", {"name": "ещё"}, content_type="application/json")
    assert again.status_code == 201


def test_token_lifetime_out_of_range_is_422(cast, client):
    client.force_login(cast.parent)
    response = client.post(
        f"{API}/tokens", {"name": "x", "expires_in_days": 0}, content_type="application/json"
    )
    assert response.status_code == 422


def test_tokens_list_only_own(cast):
    mine = token_for(cast.parent)
    token_for(cast.other_parent)
    body = call("/tokens", mine).json()
    assert body["count"] == 1
    assert [t["name"] for t in body["items"]] == ["Телефон"]
    assert body["items"][0]["is_active"] is True


def test_revoking_another_persons_token_is_404(cast):
    theirs = token_for(cast.other_parent)
    their_token = ApiToken.objects.get(key_hash=hash_token(theirs))
    response = call(f"/tokens/{their_token.pk}", token_for(cast.parent), method="delete")
    assert response.status_code == 404
    missing = call(f"/tokens/{their_token.pk + 1000}", token_for(cast.parent), method="delete")
    assert missing.json() == response.json()
    assert call("/me", theirs).status_code == 200


# --- roles ----------------------------------------------------------------------------------
def test_roles_of_a_class_teacher(cast):
    roles = call("/me/roles", token_for(cast.class_teacher)).json()
    assert [(r["kind"], r["organization_id"]) for r in roles] == [
        ("class_teacher", cast.school.pk),
        ("teacher", cast.school.pk),
    ]
    assert roles[0]["key"] == f"class_teacher:{cast.school_class.pk}"
    assert roles[0]["label"] == "Классный руководитель"
    assert roles[0]["context_label"] == "5А · Школа № 1"


def test_roles_of_a_parent(cast):
    roles = call("/me/roles", token_for(cast.parent)).json()
    assert [(r["kind"], r["key"], r["organization_id"]) for r in roles] == [
        ("parent", "parent:0", None)
    ]


# --- children -------------------------------------------------------------------------------
def test_parent_sees_own_child_with_class_and_school(cast):
    token = token_for(cast.parent)
    children = call("/me/children", token).json()
    assert children == [
        {
            "id": cast.student.pk,
            "last_name": "Петров",
            "first_name": "Миша",
            "middle_name": "Иванович",
            "full_name": "Петров Миша Иванович",
            "school_class": {
                "id": cast.school_class.pk,
                "name": "5А",
                "grade": 5,
                "letter": "А",
                "academic_year": "2026/2027",
                "organization": {"id": cast.school.pk, "short_name": "Школа № 1"},
            },
        }
    ]
    one = call(f"/children/{cast.student.pk}", token)
    assert one.status_code == 200
    assert one.json() == children[0]


def test_parent_gets_404_for_another_familys_child(cast):
    token = token_for(cast.parent)
    other = call(f"/children/{cast.other_student.pk}", token)
    missing = call("/children/987654321", token)
    assert other.status_code == missing.status_code == 404
    assert (
        other.json()
        == missing.json()
        == {"detail": "Не найдено.", "code": "not_found", "field": None}
    )


def test_teacher_is_not_a_parent_of_their_students(cast):
    token = token_for(cast.class_teacher)
    assert call("/me/children", token).json() == []
    assert call(f"/children/{cast.student.pk}", token).status_code == 404


def test_child_without_a_current_class(cast):
    cast.student.enrollments.update(is_active=False)
    children = call("/me/children", token_for(cast.parent)).json()
    assert children[0]["id"] == cast.student.pk
    assert children[0]["school_class"] is None


def test_children_cost_the_same_queries_for_2_and_20(cast, django_assert_max_num_queries):
    token = token_for(cast.parent)
    second = f.EnrollmentFactory(school_class=cast.other_class).student
    f.GuardianshipFactory(guardian=cast.parent, child=second)
    call("/me/children", token)  # the first call records the token's use
    few = queries(lambda: call("/me/children", token))
    for i in range(18):
        school_class = f.SchoolClassFactory(
            organization=cast.school, grade=1 + i % 11, letter=f"Я{i}"
        )
        child = f.EnrollmentFactory(school_class=school_class).student
        f.GuardianshipFactory(guardian=cast.parent, child=child)
    with django_assert_max_num_queries(few):
        response = call("/me/children", token)
    children = response.json()
    assert len(children) == 20
    assert all(c["school_class"] is not None for c in children)


# --- classes --------------------------------------------------------------------------------
def test_class_teacher_works_with_the_classes_of_their_school(cast):
    body = call("/me/classes", token_for(cast.class_teacher)).json()
    assert body["count"] == 2
    assert [(c["name"], c["students_count"]) for c in body["items"]] == [("5А", 1), ("6Б", 1)]
    assert body["items"][0]["organization"] == {"id": cast.school.pk, "short_name": "Школа № 1"}


def test_teacher_of_another_school_works_with_their_own_classes_only(cast):
    body = call("/me/classes", token_for(cast.other_teacher)).json()
    assert [c["id"] for c in body["items"]] == [cast.far_class.pk]


@pytest.mark.parametrize("member", ["parent", "student", "official"])
def test_people_who_teach_nowhere_have_no_classes(cast, member):
    body = call("/me/classes", token_for(cast.members[member])).json()
    assert body == {"items": [], "count": 0}


def test_classes_of_past_years_are_not_current_work(cast):
    past = f.AcademicYearFactory(
        organization=cast.school,
        name="2025/2026",
        starts_on=datetime.date(2025, 9, 1),
        ends_on=datetime.date(2026, 5, 26),
        is_current=False,
    )
    old = f.SchoolClassFactory(organization=cast.school, academic_year=past, grade=4)
    body = call("/me/classes", token_for(cast.director)).json()
    assert old.pk not in [c["id"] for c in body["items"]]
    # ... but the class itself stays visible to the school.
    assert call(f"/classes/{old.pk}", token_for(cast.director)).status_code == 200


def test_my_classes_are_paginated(cast):
    body = call("/me/classes?limit=1&offset=1", token_for(cast.director)).json()
    assert body["count"] == 2
    assert [c["name"] for c in body["items"]] == ["6Б"]


def test_classes_cost_the_same_queries_for_2_and_20(cast, django_assert_max_num_queries):
    token = token_for(cast.director)
    call("/me/classes", token)
    few = queries(lambda: call("/me/classes", token))
    for i in range(18):
        school_class = f.SchoolClassFactory(
            organization=cast.school, grade=1 + i % 11, letter=f"Я{i}"
        )
        f.EnrollmentFactory(school_class=school_class)
    with django_assert_max_num_queries(few):
        body = call("/me/classes", token).json()
    assert body["count"] == 20
    assert len(body["items"]) == 20


def test_class_is_visible_to_its_school(cast):
    response = call(f"/classes/{cast.school_class.pk}", token_for(cast.class_teacher))
    assert response.status_code == 200
    assert response.json()["students_count"] == 1


def test_teacher_of_another_school_gets_404_for_the_class(cast):
    token = token_for(cast.other_teacher)
    response = call(f"/classes/{cast.school_class.pk}", token)
    assert response.status_code == 404
    assert response.json() == call("/classes/987654321", token).json()
    students = call(f"/classes/{cast.school_class.pk}/students", token)
    assert students.status_code == 404


def test_parent_sees_the_childs_class_but_not_another(cast):
    token = token_for(cast.parent)
    assert call(f"/classes/{cast.school_class.pk}", token).status_code == 200
    assert call(f"/classes/{cast.other_class.pk}", token).status_code == 404


def test_class_students_for_the_school(cast):
    f.EnrollmentFactory(
        school_class=cast.school_class,
        student=f.UserFactory(last_name="Андреев", first_name="Артём", email="a@example.ru"),
    )
    body = call(f"/classes/{cast.school_class.pk}/students", token_for(cast.class_teacher)).json()
    assert body["count"] == 2
    assert [s["full_name"] for s in body["items"]] == [
        "Андреев Артём Иванович",
        "Петров Миша Иванович",
    ]
    # Names only: no contact data leaves through this list.
    assert set(body["items"][0]) == {"id", "last_name", "first_name", "middle_name", "full_name"}


def test_parent_sees_only_their_own_child_among_classmates(cast):
    f.EnrollmentFactory(school_class=cast.school_class)
    body = call(f"/classes/{cast.school_class.pk}/students", token_for(cast.parent)).json()
    assert [s["id"] for s in body["items"]] == [cast.student.pk]


def test_class_students_cost_the_same_queries_for_2_and_20(cast, django_assert_max_num_queries):
    token = token_for(cast.class_teacher)
    f.EnrollmentFactory(school_class=cast.school_class)
    path = f"/classes/{cast.school_class.pk}/students"
    call(path, token)
    few = queries(lambda: call(path, token))
    for _ in range(18):
        f.EnrollmentFactory(school_class=cast.school_class)
    with django_assert_max_num_queries(few):
        body = call(path, token).json()
    assert body["count"] == 20
    assert len(body["items"]) == 20


# --- documentation --------------------------------------------------------------------------
def test_schema_is_published(db):
    schema = Client().get(f"{API}/openapi.json").json()
    assert "/api/v1/me/children" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_page_loads_nothing_from_other_hosts(db):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert '"validatorUrl": null' in html
