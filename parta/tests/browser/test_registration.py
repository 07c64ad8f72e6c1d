"""ACC-1 and ACC-3 in a real browser, on a 360 px phone and a desktop, under axe-core.

An adult learner registers, follows the emailed link and is signed in; a class teacher
invites a parent from the class roster, and the parent sets up an account from the letter
and lands on their home page with the child.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from parta.accounts.models import User
from parta.conftest import PASSWORD
from parta.directory.models import Guardianship
from parta.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    check_accessibility,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Tulips-in-May-2027"
QUESTION = re.compile(r"Сколько будет (\d+) (плюс|минус) (\d+)\?")


def _answer(text: str) -> str:
    a, op, b = QUESTION.search(text).groups()
    return str(int(a) + int(b) if op == "плюс" else int(a) - int(b))


def _link(message, pattern: str) -> str:
    found = re.search(pattern, message.body)
    assert found, message.body
    return found.group(0)


def test_acc1_learner_registers_confirms_by_email_and_is_signed_in(
    browser_page, live_server, mailoutbox
):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('account_login')}")
    page.get_by_role("link", name="Зарегистрироваться").click()
    page.wait_for_url("**/accounts/signup/")
    check_accessibility(page)
    screenshot(page, "registration-signup-phone")

    page.locator("#id_last_name").fill("Садыкова")
    page.locator("#id_first_name").fill("Айгерим")
    page.locator("#id_middle_name").fill("Маратовна")
    page.locator("#id_email").fill("aigerim@example.kz")
    page.locator("#id_username").fill("aigerim")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    # First a mistake: no consent. Everything typed stays; a new question is asked.
    page.locator("#id_robot_answer").fill(_answer(page.content()))
    page.get_by_role("button", name="Зарегистрироваться").click()
    assert page.get_by_text("Без согласия Парта не может создать учётную запись.").is_visible()
    assert page.locator("#id_last_name").input_value() == "Садыкова"
    check_accessibility(page)
    screenshot(page, "registration-signup-error-phone")

    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.locator("#id_consent").check()
    page.locator("#id_robot_answer").fill(_answer(page.content()))
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert page.get_by_role("button", name="Отправить письмо ещё раз").is_visible()
    check_accessibility(page)
    screenshot(page, "registration-check-mail-phone")

    assert len(mailoutbox) == 1
    link = _link(mailoutbox[0], r"http://\S+/accounts/confirm-email/\S+/")
    page.goto(link)
    check_accessibility(page)
    screenshot(page, "registration-confirm-phone")
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url(lambda url: "/confirm-email/" not in url)
    person = User.objects.get(email="aigerim@example.kz")
    assert page.get_by_text(person.short_name).count() >= 1  # the header names them
    check_accessibility(page)
    screenshot(page, "registration-signed-in-phone")


def test_acc3_class_teacher_invites_a_parent_who_accepts_on_a_phone(
    browser_page, live_server, cast, mailoutbox
):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}{reverse('issuing_roster', args=[cast.school_class.pk])}")
    page.get_by_role("link", name="Пригласить по e-mail").click()
    page.wait_for_url("**/join/invitations/?class=*")
    check_accessibility(page)
    page.get_by_role("link", name="Пригласить родителя").click()
    check_accessibility(page)
    page.locator("#id_child").select_option(label="Петров Миша Иванович — 5А")
    page.locator("#id_guardian_kind").select_option("father")
    page.locator("#id_last_name").fill("Петров")
    page.locator("#id_first_name").fill("Сергей")
    page.locator("#id_email").fill("petrov.father@example.ru")
    screenshot(page, "invitation-form-desktop")
    page.get_by_role("button", name="Отправить приглашение").click()
    page.wait_for_url("**/join/invitations/?class=*")
    assert page.get_by_text("Приглашение отправлено на petrov.father@example.ru").is_visible()
    check_accessibility(page)
    screenshot(page, "invitation-list-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "invitation-list-phone")

    assert len(mailoutbox) == 1
    link = _link(mailoutbox[0], r"http://\S+/join/invitation/\S+/")
    page.context.clear_cookies()
    page.goto(link)
    assert page.locator("#id_last_name").input_value() == "Петров"
    check_accessibility(page)
    screenshot(page, "invitation-accept-phone")
    page.locator("#id_username").fill("petrov-papa")
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Создать учётную запись и принять").click()
    page.wait_for_url(lambda url: "/join/" not in url)
    check_accessibility(page)
    screenshot(page, "invitation-accepted-parent-home-phone")
    father = User.objects.get(username="petrov-papa")
    assert Guardianship.objects.filter(guardian=father, child=cast.student).exists()

    # The link worked once: opened again, it says so.
    page.context.clear_cookies()
    page.goto(link)
    assert page.get_by_role("heading", name="Приглашение уже принято").is_visible()
    check_accessibility(page)
    screenshot(page, "invitation-used-phone")
