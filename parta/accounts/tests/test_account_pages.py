"""A signed-in person's own account pages (password, email addresses) speak Parta's words.

Allauth has no Kazakh catalogue: any string of its own would reach a Kazakh reader in English,
so every page here must show our text only, inside Parta's layout.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.decorators import verified_email_required
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from parta.accounts.models import User
from parta.conftest import PASSWORD
from parta.urls import urlpatterns as parta_urlpatterns

NEW_PASSWORD = "lilac-river-stone-42"


@verified_email_required
def _needs_confirmed_email(request: HttpRequest) -> HttpResponse:
    return HttpResponse("confirmed")


# Parta's pages plus one view behind allauth's decorator (used by a test with this urlconf).
urlpatterns = [*parta_urlpatterns, path("needs-confirmed-email/", _needs_confirmed_email)]

# Allauth's own words on these pages; none may show.
ALLAUTH_ENGLISH = (
    "Change Password",
    "Set Password",
    "E-mail Addresses",
    "Email Addresses",
    "Email Address",
    "Confirm Access",
    "Make Primary",
    "Re-send Verification",
    "Add Email",
    "Current Password",
    "New Password",
    "Password (again)",
    "Forgot your password?",
    "Verify Your Email",
    "Unverified",
    "Verified",
    "Primary",
    "Remove",
    "Please ",
    "successfully",
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Allauth's rate limits count in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, user: User, password: str = PASSWORD) -> None:
    """Through the real sign-in form, so the session is the one a person would have."""
    response = client.post(reverse("account_login"), {"login": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.session.get("_auth_user_id") == str(user.pk)


def assert_partas_page(html: str, language: str = "ru") -> None:
    assert f'<html lang="{language}">' in html
    assert 'class="navbar-brand fw-bold me-auto me-lg-3"' in html and ">Парта</a>" in html
    assert 'href="#main"' in html  # Parta's skip link
    for english in ALLAUTH_ENGLISH:
        assert english not in html, english


def assert_fields_labelled(html: str) -> None:
    """Every visible control has a label pointing at it."""
    for control_id in re.findall(
        r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*id="([^"]+)"', html
    ):
        if control_id == "role-select":
            continue
        assert f'for="{control_id}"' in html, control_id


def signed_in_pk(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("account_change_password", "Смена пароля"),
        ("account_email", "Электронная почта"),
        ("account_reauthenticate", "Подтвердите, что это вы"),
    ],
)
@pytest.mark.parametrize("member", ["student", "parent", "class_teacher", "director", "operator"])
def test_account_page_opens_for_cast_member_in_partas_words(client, cast, member, url_name, title):
    sign_in(client, cast.members[member])
    response = client.get(reverse(url_name))
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert f'<h1 class="page-title">{title}</h1>' in html
    assert_fields_labelled(html)


@pytest.mark.parametrize(
    "url_name", ["account_change_password", "account_email", "account_reauthenticate"]
)
def test_account_pages_in_kazakh_show_no_allauth_english(client, cast, url_name):
    """Kazakh has no allauth catalogue: our msgids are the only text that can show."""
    sign_in(client, cast.parent)
    client.cookies["parta_language"] = "kk"
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_partas_page(response.content.decode(), language="kk")


def test_change_password_page_has_partas_fields(client, cast):
    sign_in(client, cast.parent)
    html = client.get(reverse("account_change_password")).content.decode()
    assert '<label class="form-label" for="id_oldpassword">Текущий пароль' in html
    assert '<label class="form-label" for="id_password1">Новый пароль' in html
    assert '<label class="form-label" for="id_password2">Новый пароль ещё раз' in html
    assert 'autocomplete="current-password"' in html and 'autocomplete="new-password"' in html
    assert "placeholder=" not in html
    assert f'href="{reverse("account_reset_password")}"' in html


def test_header_links_to_change_password_for_signed_in_person(client, cast):
    sign_in(client, cast.parent)
    html = client.get(reverse("account_email")).content.decode()
    assert f'href="{reverse("account_change_password")}">Сменить пароль</a>' in html
    assert 'aria-labelledby="account-menu-button"' in html
    anonymous = Client().get(reverse("account_login")).content.decode()
    assert reverse("account_change_password") not in anonymous


@pytest.mark.parametrize(
    "url_name",
    ["account_change_password", "account_set_password", "account_email", "account_reauthenticate"],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, db, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_parent_changes_password_with_the_current_one(client, cast):
    """The new password works, this browser stays signed in, other devices are signed out."""
    parent = cast.parent
    other_device = Client()
    sign_in(other_device, parent)
    sign_in(client, parent)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert not parent.check_password(PASSWORD)

    page = client.get(response["Location"])
    assert "Пароль изменён." in page.content.decode()
    assert signed_in_pk(client) == parent.pk
    other_device.get(reverse("account_email"))
    assert signed_in_pk(other_device) is None

    fresh = Client()
    sign_in(fresh, parent, NEW_PASSWORD)


def test_wrong_current_password_is_refused_at_its_field(client, cast):
    parent = cast.parent
    sign_in(client, parent)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert 'aria-describedby="id_oldpassword_errors"' in html
    assert (
        '<div class="invalid-feedback d-block" id="id_oldpassword_errors">Введите текущий пароль.</div>'
        in html
    )
    assert "not-my-password" not in html and NEW_PASSWORD not in html
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)


def test_missing_current_password_is_required(client, cast):
    sign_in(client, cast.parent)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    html = response.content.decode()
    assert 'id="id_oldpassword_errors">Введите текущий пароль.</div>' in html
    assert 'aria-invalid="true"' in html
    cast.parent.refresh_from_db()
    assert cast.parent.check_password(PASSWORD)


def test_mismatched_new_passwords_are_refused_at_the_repeat_field(client, cast):
    parent = cast.parent
    sign_in(client, parent)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": "lilac-river-stone-43"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_password2_errors"' in html
    assert 'id="id_password2_errors">Пароли не совпадают.</div>' in html
    assert "id_oldpassword_errors" not in html
    # Nothing typed comes back: every field on this form is a password.
    for typed in (PASSWORD, NEW_PASSWORD, "lilac-river-stone-43"):
        assert typed not in html
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)


def test_weak_or_unchanged_new_password_is_refused(client, cast):
    sign_in(client, cast.parent)
    weak = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "12345", "password2": "12345"},
    ).content.decode()
    assert 'id="id_password1_errors"' in weak
    same = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": PASSWORD, "password2": PASSWORD},
    ).content.decode()
    assert 'id="id_password1_errors">Новый пароль должен отличаться от текущего.</div>' in same
    cast.parent.refresh_from_db()
    assert cast.parent.check_password(PASSWORD)


def test_person_without_a_password_sets_one(client, cast):
    """An account with no usable password is sent from "change" to "set" and sets one."""
    student = cast.student
    client.force_login(student)
    student.set_unusable_password()
    student.save(update_fields=["password"])
    client.force_login(student)  # the session follows the new password hash

    response = client.get(reverse("account_change_password"))
    assert response["Location"] == reverse("account_set_password")
    page = client.get(reverse("account_set_password"))
    html = page.content.decode()
    assert page.status_code == 200
    assert_partas_page(html)
    assert '<h1 class="page-title">Пароль для входа</h1>' in html
    assert_fields_labelled(html)

    mismatch = client.post(
        reverse("account_set_password"),
        {"password1": NEW_PASSWORD, "password2": "something-else-77"},
    ).content.decode()
    assert 'id="id_password2_errors">Пароли не совпадают.</div>' in mismatch

    done = client.post(
        reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert "Пароль сохранён." in messages_of(done)
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)


def test_reauthenticate_asks_for_the_password_in_partas_words(client, cast):
    sign_in(client, cast.class_teacher)
    wrong = client.post(reverse("account_reauthenticate"), {"password": "not-my-password"})
    html = wrong.content.decode()
    assert wrong.status_code == 200
    assert_partas_page(html)
    assert 'id="id_password_errors">Неверный пароль.</div>' in html
    right = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert right.status_code == 302


def test_email_page_lists_the_school_typed_address_unconfirmed(client, cast):
    """The address the school typed shows as not yet confirmed, with a way to confirm it."""
    sign_in(client, cast.parent)
    html = client.get(reverse("account_email")).content.decode()
    assert "petrova@example.ru" in html
    assert "Не подтверждён" in html
    assert 'aria-label="Отправить письмо ещё раз на адрес petrova@example.ru"' in html
    assert 'aria-label="Удалить адрес petrova@example.ru"' in html
    assert "Сделать основным" not in html  # only a confirmed address may become the main one
    assert '<label class="form-label" for="id_email">Новый адрес электронной почты' in html


def test_email_page_without_any_address_says_what_that_means(client, cast):
    sign_in(client, cast.student)
    html = client.get(reverse("account_email")).content.decode()
    assert "В вашей учётной записи нет адреса электронной почты" in html


def test_parent_adds_and_confirms_an_address_by_a_letter(client, cast, smtp_server):
    """Add → letter over SMTP in our words → open the link → confirm → the address is confirmed."""
    parent = cast.parent
    sign_in(client, parent)
    added = client.post(
        reverse("account_email"), {"action_add": "", "email": "Anna.Petrova@Example.org"}
    )
    assert added.status_code == 302
    assert "На адрес anna.petrova@example.org отправлено письмо со ссылкой для подтверждения." in (
        messages_of(added)
    )

    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["X-Envelope-To"] == "anna.petrova@example.org"
    # (the parser keeps the fold of a long encoded header as a leading space)
    assert letter["Subject"].strip() == "Парта: Подтвердите адрес электронной почты"
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Здравствуйте!" in body
    assert "учётной записи Парты «Петрова А. С.»" in body
    for english in ("Please", "To confirm", "You're receiving", "register an account"):
        assert english not in body
    link = re.search(r"https?://\S+", body).group(0)

    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200
    assert_partas_page(html)
    assert "Подтвердите, что адрес anna.petrova@example.org принадлежит" in html
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert "Адрес anna.petrova@example.org подтверждён." in messages_of(confirmed)
    address = EmailAddress.objects.get(user=parent, email="anna.petrova@example.org")
    assert address.verified


def test_adding_an_address_already_on_the_account_is_refused_in_our_words(client, cast):
    parent = cast.parent
    EmailAddress.objects.create(
        user=parent, email="petrova@example.ru", verified=True, primary=True
    )
    sign_in(client, parent)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "petrova@example.ru"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert 'id="id_email_errors">Этот адрес уже есть в вашей учётной записи.</div>' in html
    assert 'value="petrova@example.ru"' in html  # what was typed stays


def test_confirmed_address_becomes_primary_and_the_old_one_is_removed(client, cast):
    parent = cast.parent
    EmailAddress.objects.create(
        user=parent, email="petrova@example.ru", verified=True, primary=True
    )
    EmailAddress.objects.create(user=parent, email="anna@example.org", verified=True, primary=False)
    sign_in(client, parent)

    html = client.get(reverse("account_email")).content.decode()
    assert 'aria-label="Сделать основным адрес anna@example.org"' in html
    assert 'aria-label="Удалить адрес petrova@example.ru"' not in html  # the main one stays
    assert "Чтобы удалить основной адрес" in html

    refused = client.post(
        reverse("account_email"), {"action_remove": "", "email": "petrova@example.ru"}
    )
    assert "Адрес petrova@example.ru основной, его нельзя удалить." in messages_of(refused)[0]

    made = client.post(
        reverse("account_email"), {"action_primary": "", "email": "anna@example.org"}
    )
    assert "Основной адрес изменён." in messages_of(made)
    parent.refresh_from_db()
    assert parent.email == "anna@example.org"

    removed = client.post(
        reverse("account_email"), {"action_remove": "", "email": "petrova@example.ru"}
    )
    assert "Адрес petrova@example.ru удалён." in messages_of(removed)
    assert list(EmailAddress.objects.filter(user=parent).values_list("email", flat=True)) == [
        "anna@example.org"
    ]


def test_email_page_queries_do_not_grow_with_addresses(client, cast, django_assert_max_num_queries):
    parent = cast.parent
    sign_in(client, parent)
    client.get(reverse("account_email"))  # the school-typed address is recorded on first visit
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("account_email"))
    for n in range(3):
        EmailAddress.objects.create(user=parent, email=f"extra{n}@example.org")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(reverse("account_email")).content.decode()
    assert "extra2@example.org" in html


def test_invalid_confirmation_link_says_so_in_our_words(client, db):
    response = client.get(reverse("account_confirm_email", args=["no-such-key"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert "Ссылка для подтверждения недействительна" in html


def test_confirmation_of_an_address_another_account_confirmed_is_refused(client, cast):
    EmailAddress.objects.create(user=cast.parent, email="shared@example.org", verified=True)
    mine = EmailAddress.objects.create(user=cast.class_teacher, email="shared@example.org")
    key = EmailConfirmationHMAC(mine).key
    html = client.get(reverse("account_confirm_email", args=[key])).content.decode()
    assert_partas_page(html)
    assert "уже подтверждён в другой учётной записи Парты" in html


def test_verification_sent_page_is_partas(client, db):
    response = client.get(reverse("account_email_verification_sent"))
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert "Подтвердите адрес почты" in html


@pytest.mark.urls(__name__)
def test_verified_email_required_page_is_partas(client, cast, smtp_server):
    """Allauth's ``verified_email_required`` answers a person whose address is unconfirmed."""
    EmailAddress.objects.create(user=cast.parent, email="petrova@example.ru", primary=True)
    client.force_login(cast.parent)
    response = client.get("/needs-confirmed-email/")
    html = response.content.decode()
    assert response.status_code == 200
    assert_partas_page(html)
    assert "Этот раздел открывается только с подтверждённым адресом" in html
    assert len(smtp_server) == 1  # and the letter it promises was sent


def test_sign_in_code_page_is_not_reachable(client, cast):
    """Sign-in by code is off: its confirmation page never renders, for anyone."""
    assert client.get(reverse("account_confirm_login_code")).status_code == 302
    sign_in(client, cast.parent)
    assert client.get(reverse("account_confirm_login_code")).status_code == 302


def test_notification_letters_are_in_our_words_when_enabled(client, cast, smtp_server, settings):
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    parent = cast.parent
    EmailAddress.objects.create(
        user=parent, email="petrova@example.ru", verified=True, primary=True
    )
    EmailAddress.objects.create(user=parent, email="anna@example.org", verified=True)
    sign_in(client, parent)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    client.post(reverse("account_email"), {"action_primary": "", "email": "anna@example.org"})
    client.post(reverse("account_email"), {"action_remove": "", "email": "petrova@example.ru"})

    subjects = [letter["Subject"].strip() for letter in smtp_server]
    assert subjects == [
        "Парта: Пароль изменён",
        "Парта: Основной адрес почты изменён",
        "Парта: Адрес почты удалён",
    ]
    bodies = [letter.get_body(preferencelist=("plain",)).get_content() for letter in smtp_server]
    assert "Пароль сменён на странице «Смена пароля»." in bodies[0]
    assert "был petrova@example.ru, теперь anna@example.org" in bodies[1]
    assert "удалён адрес электронной почты petrova@example.ru" in bodies[2]
    for body in bodies:
        assert "Если это были не вы" in body
        for english in ("Your password", "Your email", "has been", "removed from"):
            assert english not in body
