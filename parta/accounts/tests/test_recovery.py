"""Password recovery by email with a robot check (ACC-5), through a real SMTP server."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from parta.accounts import robot
from parta.accounts.models import User
from parta.conftest import PASSWORD

pytestmark = pytest.mark.postgres

NEW_PASSWORD = "lilac-river-stone-42"
QUESTION = re.compile(r"Сколько будет (\d+) (плюс|минус) (\d+)\?")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def solve(html: str) -> dict[str, str]:
    """Answer the robot check the way a person does: read the question, do the sum."""
    token = re.search(r'name="robot_challenge" value="([^"]+)"', html).group(1)
    a, op, b = QUESTION.search(html).groups()
    answer = int(a) + int(b) if op == "плюс" else int(a) - int(b)
    return {"robot_challenge": token, "robot_answer": str(answer), "homepage": ""}


def request_reset(client: Client, email: str, **override: str):
    page = client.get(reverse("account_reset_password"))
    data = {"email": email, **solve(page.content.decode()), **override}
    return client.post(reverse("account_reset_password"), data)


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+", body).group(0)


def test_reset_page_asks_a_question_in_words_and_hides_the_honeypot(client, db):
    """ACC-5: the robot check is text with a labelled answer field; no picture, no service."""
    html = client.get(reverse("account_reset_password")).content.decode()
    assert QUESTION.search(html)
    assert '<label class="form-label fw-semibold" for="id_robot_answer">Сколько будет' in html
    assert '<label class="form-label" for="id_email">Электронная почта' in html
    assert 'aria-describedby="id_robot_answer_help"' in html
    assert '<div class="d-none" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html
    assert "<img" not in html and '<script src="http' not in html


def test_parent_recovers_password_by_email_and_signs_in_with_it(client, cast, smtp_server):
    """ACC-5: request → letter over SMTP → link → new password → sign in with it."""
    response = request_reset(client, "petrova@example.ru")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert "Проверьте почту" in client.get(response["Location"]).content.decode()

    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["X-Envelope-To"] == "petrova@example.ru"
    assert "Восстановление пароля" in letter["Subject"]
    link = link_in(letter)

    opened = client.get(link)  # allauth moves the key out of the address bar
    assert opened.status_code == 302
    form_page = client.get(opened["Location"])
    assert "Придумайте новый пароль" in form_page.content.decode()
    done = client.post(opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")

    fresh = Client()
    assert (
        fresh.post(reverse("account_login"), {"login": "roditel", "password": PASSWORD}).status_code
        == 200
    )
    signed = fresh.post(reverse("account_login"), {"login": "roditel", "password": NEW_PASSWORD})
    assert signed.status_code == 302
    assert int(fresh.session["_auth_user_id"]) == cast.parent.pk


def test_recovery_link_works_only_once(client, cast, smtp_server):
    """ACC-5: the token holds the password hash, so a used link is dead."""
    request_reset(client, "petrova@example.ru")
    link = link_in(smtp_server[0])
    opened = client.get(link)
    client.post(opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link)
    assert again.status_code == 200
    assert "Ссылка недействительна" in again.content.decode()


def reset_path(user: User, token: str) -> str:
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": token},
    )


def test_recovery_link_expires(client, cast, settings):
    """ACC-5: a link older than PASSWORD_RESET_TIMEOUT is refused; a fresh one is not."""
    parent = cast.parent
    now = default_token_generator._num_seconds(default_token_generator._now())
    secret = default_token_generator.secret
    stale = default_token_generator._make_token_with_timestamp(
        parent, now - settings.PASSWORD_RESET_TIMEOUT - 60, secret
    )
    fresh = default_token_generator._make_token_with_timestamp(parent, now - 60, secret)

    assert "Ссылка недействительна" in client.get(reset_path(parent, stale)).content.decode()
    assert client.get(reset_path(parent, fresh)).status_code == 302

    settings.PASSWORD_RESET_TIMEOUT = 30  # the same fresh link, under a shorter policy
    assert "Ссылка недействительна" in Client().get(reset_path(parent, fresh)).content.decode()


def test_recovery_link_dies_when_the_person_signs_in(client, cast):
    """ACC-5: the token holds the last sign-in too: signing in with the old password kills it."""
    token = default_token_generator.make_token(cast.parent)
    Client().post(reverse("account_login"), {"login": "roditel", "password": PASSWORD})
    assert "Ссылка недействительна" in client.get(reset_path(cast.parent, token)).content.decode()


def test_address_without_account_gets_the_same_answer_and_a_letter_saying_what_to_do(
    client, db, smtp_server
):
    """ACC-5: strangers learn nothing; the address's owner is told to ask the class teacher."""
    response = request_reset(client, "nobody@example.ru")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    done = client.get(response["Location"]).content.decode()
    assert "классного руководителя" in done

    assert len(smtp_server) == 1
    letter = smtp_server[0]
    assert letter["X-Envelope-To"] == "nobody@example.ru"
    body = letter.get_body(preferencelist=("plain",)).get_content()
    assert "классного руководителя выдать новый листок" in body
    assert "/password/reset/key/" not in body


def test_login_typed_instead_of_email_is_told_what_to_do(client, cast, smtp_server):
    """ACC-5: someone without an email types their login; the answer says to ask the school."""
    response = request_reset(client, "roditel")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Если почты в Парте нет" in html
    assert 'aria-describedby="id_email_errors id_email_help"' in html
    assert smtp_server == []


def test_issued_account_is_done_with_its_slip_after_a_reset(client, cast, smtp_server):
    """ACC-2/ACC-5: the person chose their own password, so no "set your password" page."""
    User.objects.filter(pk=cast.parent.pk).update(must_change_password=True)
    request_reset(client, "petrova@example.ru")
    opened = client.get(link_in(smtp_server[0]))
    client.post(opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    parent = User.objects.get(pk=cast.parent.pk)
    assert parent.must_change_password is False
    assert parent.initial_password_issued_at is None
    browser = Client()
    browser.post(reverse("account_login"), {"login": "roditel", "password": NEW_PASSWORD})
    assert browser.get(reverse("home"))["Location"] != reverse("set_initial_password")


def test_mismatched_new_passwords_are_refused_in_our_words(client, cast, smtp_server):
    request_reset(client, "petrova@example.ru")
    opened = client.get(link_in(smtp_server[0]))
    response = client.post(
        opened["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    html = response.content.decode()
    assert "Пароли не совпадают." in html
    assert 'aria-describedby="id_password2_errors"' in html


# --- the robot check -----------------------------------------------------------------------
def test_robot_check_refuses_a_wrong_answer_and_asks_a_new_question(client, cast, smtp_server):
    page = client.get(reverse("account_reset_password")).content.decode()
    data = solve(page)
    data["robot_answer"] = str(int(data["robot_answer"]) + 1)
    response = client.post(
        reverse("account_reset_password"), {"email": "petrova@example.ru", **data}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ответ неверный" in html
    assert 'aria-describedby="id_robot_answer_errors id_robot_answer_help"' in html
    assert solve(html)["robot_challenge"] != data["robot_challenge"]
    assert 'value="petrova@example.ru"' in html  # what was typed stays
    assert smtp_server == []
    # The new question on the page is the one its token asks: answering it works.
    retry = client.post(
        reverse("account_reset_password"), {"email": "petrova@example.ru", **solve(html)}
    )
    assert retry.status_code == 302
    assert len(smtp_server) == 1


def test_robot_check_shows_a_new_question_after_an_unreadable_one(client, db):
    response = client.post(
        reverse("account_reset_password"),
        {"email": "x", "robot_challenge": "garbage", "robot_answer": "3"},
    )
    html = response.content.decode()
    token = solve(html)["robot_challenge"]
    assert robot.question(token) in html


def test_robot_check_refuses_a_replayed_solved_question(client, cast, smtp_server):
    page = client.get(reverse("account_reset_password")).content.decode()
    data = {"email": "petrova@example.ru", **solve(page)}
    assert client.post(reverse("account_reset_password"), data).status_code == 302
    replay = Client().post(reverse("account_reset_password"), data)
    assert replay.status_code == 200
    assert "уже был использован" in replay.content.decode()
    assert len(smtp_server) == 1


def test_robot_check_refuses_an_expired_question(client, cast, smtp_server, settings):
    token = robot.issue(now=time.time() - settings.PARTA_ROBOT_CHALLENGE_SECONDS - 5)
    html = f'name="robot_challenge" value="{token}" {robot.question(token)}'
    response = client.post(
        reverse("account_reset_password"), {"email": "petrova@example.ru", **solve(html)}
    )
    assert response.status_code == 200
    assert "Время на ответ истекло" in response.content.decode()
    assert smtp_server == []


def test_robot_check_refuses_a_filled_honeypot(client, cast, smtp_server):
    response = request_reset(client, "petrova@example.ru", homepage="https://spam.example")
    assert response.status_code == 200
    assert "Проверка не пройдена" in response.content.decode()
    assert smtp_server == []


def test_robot_check_refuses_a_question_parta_did_not_sign(client, cast, smtp_server):
    forged = signing.dumps(
        {"a": 1, "b": 1, "op": "+", "id": "x", "exp": time.time() + 600}, salt="something-else"
    )
    response = client.post(
        reverse("account_reset_password"),
        {"email": "petrova@example.ru", "robot_challenge": forged, "robot_answer": "2"},
    )
    assert response.status_code == 200
    assert "Проверка не пройдена" in response.content.decode()
    assert smtp_server == []


def test_robot_question_speaks_english_to_an_english_reader(client, db):
    client.cookies["parta_language"] = "en"
    html = client.get(reverse("account_reset_password")).content.decode()
    token = re.search(r'name="robot_challenge" value="([^"]+)"', html).group(1)
    from django.utils import translation

    with translation.override("en"):
        assert robot.question(token) in html
    assert '<html lang="en">' in html
