"""Sign-in by login, email, phone or SNILS with a password (ACC-4), on Parta's own pages."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from parta import factories as f
from parta.accounts import throttle
from parta.conftest import PASSWORD
from parta.core.validators import format_snils, snils_checksum

pytestmark = pytest.mark.postgres

SNILS_NINE = "112233445"
SNILS = f"{SNILS_NINE}{snils_checksum(SNILS_NINE):02d}"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def parent(cast):
    cast.parent.snils = SNILS
    cast.parent.save(update_fields=["snils"])
    return cast.parent


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def signed_in_pk(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_sign_in_page_uses_partas_layout_and_words(client, db):
    """ACC-4: the page is Parta's, with our label, the recovery link and the help "?"."""
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#main"' in html  # Parta's base layout (skip link)
    assert '<label class="form-label" for="id_login">Логин, почта, телефон или СНИЛС' in html
    assert '<label class="form-label" for="id_password">Пароль' in html
    assert f'href="{reverse("account_reset_password")}">Забыли пароль?</a>' in html
    assert f'href="{reverse("help")}?topic=sign-in"' in html
    assert 'autocomplete="username"' in html
    for english in ("Sign In", "Username", "Forgot your password?", "Remember Me"):
        assert english not in html


@pytest.mark.parametrize(
    "identifier",
    [
        "roditel",
        "RODITEL",
        "petrova@example.ru",
        "Petrova@Example.ru",
        "+79123456789",
        "8 (912) 345-67-89",
        SNILS,
        format_snils(SNILS),
    ],
)
def test_parent_signs_in_by_login_email_phone_or_snils(client, parent, identifier):
    """ACC-4: any of the four identifiers, typed as people type them, signs the parent in."""
    response = sign_in(client, identifier)
    assert response.status_code == 302
    assert signed_in_pk(client) == parent.pk


def test_wrong_snils_checksum_signs_nobody_in(client, parent):
    """ACC-4: a SNILS with a wrong control number is no identifier at all."""
    wrong = f"{SNILS_NINE}{(snils_checksum(SNILS_NINE) + 1) % 100:02d}"
    response = sign_in(client, wrong)
    assert response.status_code == 200
    assert signed_in_pk(client) is None
    assert "Неверный логин или пароль" in response.content.decode()


def test_identifier_naming_two_people_signs_nobody_in(client, parent):
    """ACC-4: a login that is another person's phone is ambiguous; nobody is signed in."""
    namesake = f.UserFactory(username="79123456789")  # parent's phone is +79123456789
    response = sign_in(client, "79123456789")
    assert response.status_code == 200
    assert signed_in_pk(client) is None
    # Each of them still signs in by an identifier that is theirs alone.
    assert sign_in(Client(), "roditel").status_code == 302
    other = Client()
    namesake.email = "namesake@example.ru"
    namesake.save(update_fields=["email"])
    sign_in(other, "namesake@example.ru")
    assert signed_in_pk(other) == namesake.pk


def test_wrong_password_keeps_what_was_typed_except_the_password(client, parent):
    """A refused form keeps the identifier and the "remember me" choice, never the password."""
    response = client.post(
        reverse("account_login"),
        {"login": "roditel", "password": "not-my-password", "remember": "on"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="roditel"' in html
    assert "not-my-password" not in html
    assert 'name="remember" class="form-check-input" id="id_remember" checked' in html
    assert 'role="alert"' in html and "Неверный логин или пароль" in html


def test_missing_fields_are_named_and_linked_to_their_errors(client, db):
    """Errors sit next to their field and are announced with it (aria-describedby)."""
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    html = response.content.decode()
    assert 'aria-describedby="id_login_errors"' in html
    assert 'id="id_login_errors"' in html
    assert 'aria-describedby="id_password_errors"' in html
    assert 'aria-invalid="true"' in html


def test_inactive_account_cannot_sign_in(client, parent):
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    response = sign_in(client, "roditel")
    assert signed_in_pk(client) is None
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == reverse("account_inactive")


def test_inactive_page_speaks_partas_words(client, db):
    response = client.get(reverse("account_inactive"))
    assert response.status_code == 200
    assert "Учётная запись отключена" in response.content.decode()


def test_successful_sign_in_marks_the_browser_as_a_known_device(client, parent):
    """ACC-4: the known-device cookie is long-lived, HTTP-only and names the account."""
    response = sign_in(client, "roditel")
    cookie = response.cookies[throttle.DEVICE_COOKIE]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    request = Client().get("/").wsgi_request
    request.COOKIES[throttle.DEVICE_COOKIE] = cookie.value
    assert throttle.is_known_device(request, parent.pk)
    assert not throttle.is_known_device(request, parent.pk + 1000)


def test_sign_out_asks_first_on_partas_page(client, parent):
    client.force_login(parent)
    response = client.get(reverse("account_logout"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Выйти из Парты?" in html
    assert signed_in_pk(client) == parent.pk
    client.post(reverse("account_logout"))
    assert signed_in_pk(client) is None


def test_signed_in_message_and_sign_in_page_in_english(client, parent):
    """Pages follow the person's language (here the parta_language cookie)."""
    client.cookies["parta_language"] = "en"
    response = client.get(reverse("account_login"))
    assert '<html lang="en">' in response.content.decode()


def test_a_session_finds_its_person_and_loses_a_deactivated_or_deleted_one(client, parent):
    """The person behind a session is read by the backend's compiled statement on every
    request (``IdentifierBackend.get_user``): the same person, and nobody once the account
    is switched off or gone."""
    from parta.accounts.backends import IdentifierBackend
    from parta.accounts.models import User

    backend = IdentifierBackend()
    found = backend.get_user(parent.pk)
    assert found is not None and found.pk == parent.pk and found.snils == SNILS
    assert found.get_deferred_fields() == set()
    assert backend.get_user(str(parent.pk)) is not None  # Django's own lookup for the rest

    client.force_login(parent)
    assert client.get(reverse("diary_week")).status_code == 200
    User.objects.filter(pk=parent.pk).update(is_active=False)
    assert backend.get_user(parent.pk) is None
    response = client.get(reverse("diary_week"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert backend.get_user(parent.pk + 100_000) is None


def test_the_sessions_person_comes_with_their_roles_in_one_statement(cast):
    """Every page asks for the person and their roles: on PostgreSQL one round trip (the
    roles are a column of the person's statement), and the same roles as asked on their own —
    for each kind of person, a class teacher with a staff post included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parta.accounts import roles
    from parta.accounts.backends import IdentifierBackend
    from parta.accounts.models import User
    from parta.core import access

    people = [*cast.members.values(), cast.pending_teacher, cast.pending_student]
    for person in people:
        with CaptureQueriesContext(connection) as asked:
            found = IdentifierBackend().get_user(person.pk)
            assert found is not None
            held = access.roles_of(found)
        expected = roles.roles_for(User.objects.get(pk=person.pk))
        assert held == expected, person
        assert len(asked) == (1 if connection.vendor == "postgresql" else 2)
    assert any(len(roles.roles_for(User.objects.get(pk=p.pk))) > 1 for p in people)
    # So on a page: the roles' statement runs once, inside the person's.
    client = Client()
    client.force_login(cast.student)
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("diary_week")).status_code == 200
    with_roles = [q["sql"] for q in page if "UNION ALL" in q["sql"] and "p.kind" in q["sql"]]
    assert len(with_roles) == 1
    if connection.vendor == "postgresql":
        assert with_roles[0].lstrip().startswith('SELECT "accounts_user"."id"')
    # Read once: a later ask (after a change of places) goes to the database again.
    found = IdentifierBackend().get_user(cast.class_teacher.pk)
    roles.roles_for(found)
    with CaptureQueriesContext(connection) as again:
        asked_again = roles.roles_for(found)
    assert len(again) == 1
    assert asked_again == roles.roles_for(User.objects.get(pk=found.pk))
