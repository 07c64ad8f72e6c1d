"""VER-1..3 in a real browser, every page under axe-core.

The waiting director (on a 360 px phone) sees the step on the home page, consents, only then
gets the form, sends it, and the operator confirms; an organization fills the public request
and uploads the signed form through the official email's link.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from parta.conftest import PASSWORD
from parta.onboarding.models import AccessRequest, DirectorSubmission
from parta.onboarding.tests import fixtures as fx
from parta.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    check_accessibility,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer_robot(page) -> None:
    label = page.locator("label[for='id_robot_answer']").inner_text()
    a, op, b = re.search(r"(\d+) (плюс|минус) (\d+)", label).groups()
    page.fill("#id_robot_answer", str(int(a) + int(b) if op == "плюс" else int(a) - int(b)))


def _look(page, name: str) -> None:
    check_accessibility(page)
    screenshot(page, name)


def test_ver2_director_consents_then_confirms_identity_on_a_phone(browser_page, live_server, cast):
    """VER-2: consent first, then the identity form with the INN; the operator confirms."""
    position = fx.pending_director(cast)
    position.person.set_password(PASSWORD)
    position.person.save()
    page = browser_page
    page.set_viewport_size(PHONE)

    sign_in(page, live_server, position.person.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    step = page.get_by_role("link", name="Подтвердить полномочия")
    assert step.is_visible()
    _look(page, "onboarding-director-home-360")

    step.click()
    page.wait_for_url(re.compile(r"/organizations/director/\d+/$"))
    assert page.locator("input[name='snils']").count() == 0  # no form before the consent
    _look(page, "onboarding-director-consent-360")
    page.get_by_label("Я прочитал(а) текст и даю согласие").check()
    page.get_by_role("button", name="Дать согласие и продолжить").click()

    page.locator("input[name='snils']").wait_for()
    _look(page, "onboarding-director-form-360")
    page.get_by_label("Отчество").fill("Игоревна")
    page.get_by_label("СНИЛС").fill("112-233-445 95")
    page.get_by_label("Телефон").fill("+7 912 000-22-33")
    page.get_by_label("Личная электронная почта").fill("belova.d@example.ru")
    page.get_by_label("ИНН / БИН организации").fill(cast.school.inn)  # another school's
    page.get_by_role("button", name="Отправить на проверку").click()
    error = page.locator(".invalid-feedback")
    assert "ИНН не совпадает с ИНН организации «Школа № 2»" in error.inner_text()
    assert page.get_by_label("Личная электронная почта").input_value() == "belova.d@example.ru"
    _look(page, "onboarding-director-form-error-360")

    page.get_by_label("ИНН / БИН организации").fill(cast.other_school.inn)
    page.get_by_role("button", name="Отправить на проверку").click()
    page.get_by_text("Данные на проверке").wait_for()
    _look(page, "onboarding-director-sent-360")
    assert DirectorSubmission.objects.filter(staff_position=position, status="pending").exists()

    # The operator confirms on a desktop; the director's cabinet opens.
    page.set_viewport_size(DESKTOP)
    page.context.clear_cookies()
    sign_in(page, live_server, cast.operator.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile("Подтверждение руководителей")).click()
    _look(page, "onboarding-operator-directors")
    page.get_by_role("link", name="Белова Дарья Игоревна").click()
    _look(page, "onboarding-operator-director")
    page.get_by_role("button", name="Подтвердить руководителя").click()
    page.get_by_text("Руководитель подтверждён.").wait_for()

    page.set_viewport_size(PHONE)
    page.context.clear_cookies()
    sign_in(page, live_server, position.person.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    page.wait_for_url(re.compile(r"/school/"))
    _look(page, "onboarding-director-confirmed-360")


def test_ver1_organization_requests_access_and_uploads_the_signed_form(
    browser_page, live_server, cast, tmp_path
):
    """VER-1: the public form, the official email's link, the upload, the operator's queue."""
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/organizations/request/")
    _look(page, "onboarding-request-new-360")
    page.get_by_label("Полное название организации").fill("МБОУ «Школа № 12»")
    page.get_by_label("Краткое название").fill("Школа № 12")
    page.get_by_label("Муниципалитет").select_option(label="Городской округ — Демо-регион")
    page.get_by_label("ИНН / БИН").fill("7707083894")  # a typo in the check digit
    page.get_by_label("Адрес организации").fill("ул. Абая, 12")
    page.get_by_label("Официальная электронная почта организации").fill("school12@example.ru")
    page.get_by_label("Фамилия руководителя").fill("Жұмабаева")
    page.get_by_label("Имя руководителя").fill("Әйгерім")
    page.get_by_label("Телефон руководителя").fill("+7 912 555-12-12")
    _answer_robot(page)
    page.get_by_role("button", name="Отправить заявку").click()
    assert "не сходится контрольная цифра" in page.locator(".invalid-feedback").inner_text()
    assert page.get_by_label("Фамилия руководителя").input_value() == "Жұмабаева"
    _look(page, "onboarding-request-error-360")
    page.get_by_label("ИНН / БИН").fill(fx.NEW_INN)
    _answer_robot(page)
    page.get_by_role("button", name="Отправить заявку").click()
    page.wait_for_url(re.compile(r"/request/sent/$"))
    _look(page, "onboarding-request-sent-360")

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    _look(page, "onboarding-request-status-360")
    scan = tmp_path / "zayavka.pdf"
    scan.write_bytes(fx.pdf_bytes())
    page.get_by_label("Скан подписанной формы с печатью").set_input_files(str(scan))
    page.get_by_role("button", name="Загрузить скан").click()
    page.get_by_text("Форма загружена.").wait_for()
    assert AccessRequest.objects.get().status == "uploaded"
    page.set_viewport_size(DESKTOP)
    _look(page, "onboarding-request-status-uploaded")

    page.context.clear_cookies()
    sign_in(page, live_server, cast.operator.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    _look(page, "onboarding-operator-home")
    page.get_by_role("link", name=re.compile("Заявки организаций на доступ")).click()
    _look(page, "onboarding-operator-requests")
    page.get_by_role("link", name=re.compile(r"Д-\d+")).click()
    _look(page, "onboarding-operator-request")
    page.set_viewport_size(PHONE)
    _look(page, "onboarding-operator-request-360")
