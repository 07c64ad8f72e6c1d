"""Self-registration of adult learners (ACC-1), through a real SMTP server."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from parta.accounts.models import User
from parta.core import access
from parta.privacy.models import Consent

pytestmark = pytest.mark.postgres

PASSWORD = "lilac-river-stone-42"
QUESTION = re.compile(r"Сколько будет (\d+) (плюс|минус) (\d+)\?")
EMAIL = "aigerim.learner@example.kz"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the robot's spent questions and allauth's letter limits
    yield
    cache.clear()


def solve(html: str) -> dict[str, str]:
    """Answer the robot check the way a person does: read the question, do the sum."""
    token = re.search(r'name="robot_challenge" value="([^"]+)"', html).group(1)
    a, op, b = QUESTION.search(html).groups()
    answer = int(a) + int(b) if op == "плюс" else int(a) - int(b)
    return {"robot_challenge": token, "robot_answer": str(answer), "homepage": ""}


def form_data(html: str, **override: str) -> dict[str, str]:
    data = {
        "last_name": "Садыкова",
        "first_name": "Айгерим",
        "middle_name": "Маратовна",
        "email": EMAIL,
        "username": "aigerim",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "consent": "on",
        **solve(html),
    }
    data.update(override)
    return {k: v for k, v in data.items() if v is not None}


def register(client: Client, **override: str):
    page = client.get(reverse("account_signup"))
    return client.post(reverse("account_signup"), form_data(page.content.decode(), **override))


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_acc1_signup_page_asks_names_email_password_consent_and_robot_check(client, db):
    html = client.get(reverse("account_signup")).content.decode()
    for field in (
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "username",
        "password1",
        "password2",
        "consent",
        "robot_answer",
    ):
        assert f'id="id_{field}"' in html, field
    assert QUESTION.search(html)
    assert "Одна учётная запись — для всей Парты" in html
    assert "Региональному оператору" in html or "региональному оператору" in html  # the text


def test_acc1_full_registration_over_smtp(client, db, smtp_server):
    """ACC-1: form → letter → link → the account works → sign in with the same credentials."""
    response = register(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email=EMAIL)
    assert (user.last_name, user.first_name, user.middle_name) == (
        "Садыкова",
        "Айгерим",
        "Маратовна",
    )
    assert user.username == "aigerim"
    # No school role: a self-registered person holds no place until a school confirms one.
    assert access.roles_of(user) == []
    consent = Consent.objects.get(person=user, purpose="learner_account")
    assert consent.given_by_id == user.pk and consent.withdrawn_at is None
    assert "_auth_user_id" not in client.session

    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["To"] == EMAIL
    assert "Подтвердите регистрацию" in letter["Subject"]
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "Ваш логин: aigerim" in body
    link = path_of(link_in(letter))

    page = client.get(link)
    assert page.status_code == 200 and "Подтвердить" in page.content.decode()
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    # The browser that registered is signed in by the link.
    assert client.session["_auth_user_id"] == str(user.pk)

    # The same credentials sign in anywhere: by email and by login.
    for identifier in (EMAIL, "aigerim"):
        other = Client()
        response = other.post(reverse("account_login"), {"login": identifier, "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] != reverse("account_email_verification_sent")
        assert other.session["_auth_user_id"] == str(user.pk)


def test_acc1_sign_in_before_confirmation_is_refused_with_send_again(client, db, smtp_server):
    register(client)
    user = User.objects.get(email=EMAIL)
    other = Client()
    response = other.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in other.session
    page = other.get(response["Location"]).content.decode()
    assert "Пока адрес не подтверждён, войти нельзя" in page
    assert "Отправить письмо ещё раз" in page
    # A letter a few minutes ago is enough: asking again at once is refused politely.
    again = other.post(reverse("registration_resend_confirmation"), follow=True)
    assert "Письмо уже отправлено несколько минут назад" in again.content.decode()
    letters = len(smtp_server)
    cache.clear()  # minutes later
    again = other.post(reverse("registration_resend_confirmation"), follow=True)
    assert f"На адрес {EMAIL} отправлено письмо" in again.content.decode()
    assert len(smtp_server) == letters + 1
    assert smtp_server[-1]["To"] == EMAIL
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in other.session


def test_acc1_resend_without_a_pending_sign_in_asks_to_sign_in(client, db, smtp_server):
    response = client.post(reverse("registration_resend_confirmation"))
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert smtp_server == []


def test_acc1_confirmation_link_is_single_use(client, db, smtp_server):
    register(client)
    link = path_of(link_in(smtp_server[0]))
    client.post(link)
    reused = Client().get(link).content.decode()
    assert "Ссылка для подтверждения недействительна" in reused


def test_acc1_confirmation_link_expires(client, db, smtp_server, settings):
    register(client)
    link = path_of(link_in(smtp_server[0]))
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 0
    expired = client.get(link).content.decode()
    assert "Ссылка для подтверждения недействительна" in expired
    assert client.post(link).status_code == 404  # allauth: no such confirmation
    assert not EmailAddress.objects.get(email=EMAIL).verified


def test_acc1_existing_email_does_not_leak(client, db, cast, smtp_server):
    """ACC-1: registering an address Parta knows looks exactly like a new registration; the
    address gets an "you already have an account" letter and no second account is made."""
    fresh = register(client)
    fresh_page = client.get(fresh["Location"]).content.decode()
    people = User.objects.count()

    taken = Client()
    response = register(taken, email=cast.parent.email.upper(), username="petrova-again")
    assert response.status_code == fresh.status_code
    assert response["Location"] == fresh["Location"]
    taken_page = taken.get(response["Location"]).content.decode()
    strip = re.compile(
        r'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"|На адрес \S+ отправлено'
    )
    assert strip.sub("", taken_page) == strip.sub("", fresh_page)
    assert User.objects.count() == people
    letter = smtp_server[-1]
    assert letter["To"].lower() == cast.parent.email
    assert "У вас уже есть учётная запись" in letter["Subject"]
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "/accounts/password/reset/" in body


def test_acc1_rejected_form_keeps_what_was_typed(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    data = form_data(page, robot_answer="999", password2="something-else-42")
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Садыкова"' in html and 'value="Маратовна"' in html
    assert f'value="{EMAIL}"' in html and 'value="aigerim"' in html
    assert "Пароли не совпадают." in html
    assert "Ответ неверный" in html
    assert QUESTION.search(html)  # a new question to answer
    assert not User.objects.filter(email=EMAIL).exists()


def test_acc1_consent_and_password_rules_are_required(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    data = form_data(page, consent=None, password1="12345", password2="12345")
    data.pop("consent", None)
    html = client.post(reverse("account_signup"), data).content.decode()
    assert "Без согласия Парта не может создать учётную запись." in html
    assert 'id="id_password1_errors"' in html
    assert not User.objects.filter(email=EMAIL).exists()


def test_acc1_self_registration_can_be_switched_off(client, db, settings):
    settings.PARTA_SELF_REGISTRATION = False
    html = client.get(reverse("account_signup")).content.decode()
    assert "Регистрация закрыта" in html


def test_acc1_sign_in_page_links_to_registration(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in html
    assert "Зарегистрироваться" in html


@pytest.mark.parametrize("login", ["aigerim@mail", "79123456789"])
def test_acc1_login_cannot_look_like_an_email_or_a_phone(client, db, login):
    """ACC-4 reads "@" as an email and long digits as a phone: such a login could not sign in."""
    page = client.get(reverse("account_signup")).content.decode()
    html = client.post(reverse("account_signup"), form_data(page, username=login)).content.decode()
    assert "Логин не может содержать «@»" in html
    assert not User.objects.filter(email=EMAIL).exists()


def test_acc1_help_explains_registration_and_invitations(client, db):
    """HELP-1: the "?" of the sign-up and invitation pages opens their own topics."""
    html = client.get(reverse("help") + "?topic=account_signup").content.decode()
    assert "Одна учётная запись — для всей Парты" in html
    html = client.get(reverse("help") + "?topic=registration_invitations").content.decode()
    assert "«Отозвать»" in html
