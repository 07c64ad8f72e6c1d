"""ACC-6 and ACC-9 in a real browser: a parent complains from the sign-in page on a 360 px
phone and the department answers; a parent switches between two children by keyboard and
asks the school to link another child, which the director confirms. axe-core on every page.
"""

from __future__ import annotations

import datetime
import re

import pytest

from parta import factories as f
from parta.complaints.models import Complaint
from parta.conftest import PASSWORD
from parta.directory.models import Guardianship
from parta.family.models import FamilyRequest
from parta.tests.browser.conftest import PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer_robot(page) -> None:
    label = page.locator("label[for='id_robot_answer']").inner_text()
    a, op, b = re.search(r"(\d+) (плюс|минус) (\d+)", label).groups()
    page.fill("#id_robot_answer", str(int(a) + int(b) if op == "плюс" else int(a) - int(b)))


def test_acc6_complaint_from_the_sign_in_page_on_a_phone(browser_page, live_server, cast):
    f.OrganizationFactory(municipality=cast.municipality, short_name="Гимназия № 5")
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("Пожаловаться в управление образования")).click()
    page.wait_for_url("**/complaints/new/")
    check_accessibility(page)
    screenshot(page, "acc6-complaint-empty-phone")

    # The municipality brings its schools; the search narrows them (htmx, no reload).
    page.select_option("#id_municipality", str(cast.municipality.pk))
    page.wait_for_selector(f"#id_organization option[value='{cast.school.pk}']", state="attached")
    page.fill("#id_school_search", "гимназ")
    page.wait_for_function(
        "() => document.querySelectorAll('#id_organization option').length === 2"
    )
    page.fill("#id_school_search", "№ 1")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#id_organization option')]"
        ".some(o => o.textContent.includes('Школа № 1'))"
    )
    page.select_option("#id_organization", str(cast.school.pk))
    page.fill("#id_text", "Классный руководитель 5А не выдаёт логин и пароль третью неделю.")
    page.fill("#id_complainant_name", "Иванова Ирина Ивановна")
    page.fill("#id_email", "ivanova-at-example")
    page.check("#id_agree")
    _answer_robot(page)
    page.get_by_role("button", name="Отправить жалобу").click()
    page.wait_for_load_state()
    # Refused: the address is wrong; everything typed is still there.
    assert page.locator("#id_email_errors").is_visible()
    assert page.input_value("#id_text").startswith("Классный руководитель 5А")
    assert page.input_value("#id_organization") == str(cast.school.pk)
    check_accessibility(page)
    screenshot(page, "acc6-complaint-errors-phone")

    page.fill("#id_email", "ivanova@example.ru")
    _answer_robot(page)
    page.get_by_role("button", name="Отправить жалобу").click()
    page.wait_for_url("**/complaints/status/**")
    complaint = Complaint.objects.get()
    assert complaint.number in page.locator("h1").inner_text()
    check_accessibility(page)
    screenshot(page, "acc6-complaint-status-phone")

    # The department of the municipality answers on a desktop.
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, cast.official.username, PASSWORD)
    check_accessibility(page)
    screenshot(page, "acc6-municipal-home")
    page.get_by_role("link", name="Открыть жалобы").click()
    page.wait_for_url("**/complaints/")
    check_accessibility(page)
    screenshot(page, "acc6-queue")
    page.get_by_role("link", name=complaint.number).click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    check_accessibility(page)
    page.get_by_role("button", name="Взять в работу").click()
    page.wait_for_url(f"**/complaints/{complaint.pk}/")
    page.fill("#id_answer", "Логин выдан, классному руководителю сделано замечание.")
    screenshot(page, "acc6-answer")
    page.get_by_role("button", name="Отправить ответ").click()
    page.wait_for_url("**/complaints/?status=answered")
    check_accessibility(page)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED


def test_acc9_parent_switches_children_and_the_school_confirms_a_new_one(
    browser_page, live_server, cast
):
    sister = f.UserFactory(
        username="sestra",
        last_name="Петрова",
        first_name="Оля",
        birth_date=datetime.date(2014, 2, 3),
    )
    f.EnrollmentFactory(student=sister, school_class=cast.other_class)
    f.GuardianshipFactory(guardian=cast.parent, child=sister)
    brother = f.UserFactory(
        username="brat", last_name="Петров", first_name="Ваня", birth_date=datetime.date(2017, 9, 1)
    )
    f.EnrollmentFactory(student=brother, school_class=cast.school_class)
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/parent/")
    check_accessibility(page)
    switcher = page.get_by_role("navigation", name="Выбор ребёнка")
    assert switcher.get_by_role("link").count() == 2
    assert "Петрова Оля" in page.locator(".child-card h2").inner_text()
    screenshot(page, "acc9-parent-home-phone")

    # By keyboard: Tab to the other child, Enter.
    switcher.get_by_role("link", name=re.compile("Миша")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/parent/?child={cast.student.pk}")
    assert "Петров Миша" in page.locator(".child-card h2").inner_text()
    assert switcher.locator("[aria-current='page']").inner_text().startswith("Миша")
    check_accessibility(page)
    screenshot(page, "acc9-parent-home-switched-phone")
    page.goto(f"{live_server.url}/parent/")
    assert "Петров Миша" in page.locator(".child-card h2").inner_text()  # remembered

    page.get_by_role("link", name="Добавить ребёнка или второго родителя").click()
    page.wait_for_url("**/family/")
    check_accessibility(page)
    page.get_by_role("link", name="Добавить ребёнка").click()
    page.wait_for_url("**/family/child/")
    check_accessibility(page)
    page.select_option("#id_municipality", str(cast.municipality.pk))
    page.wait_for_selector(f"#id_organization option[value='{cast.school.pk}']", state="attached")
    page.select_option("#id_organization", str(cast.school.pk))
    page.wait_for_selector(
        f"#id_school_class option[value='{cast.school_class.pk}']", state="attached"
    )
    page.select_option("#id_school_class", str(cast.school_class.pk))
    page.fill("#id_child_last_name", "Петров")
    page.fill("#id_child_first_name", "Ваня")
    page.fill("#id_child_birth_date", "2017-09-01")
    page.select_option("#id_relation", "mother")
    screenshot(page, "acc9-child-request-phone")
    page.get_by_role("button", name="Отправить заявку в школу").click()
    page.wait_for_url("**/family/")
    check_accessibility(page)
    screenshot(page, "acc9-family-index-phone")
    request = FamilyRequest.objects.get()
    assert not Guardianship.objects.filter(guardian=cast.parent, child=brother).exists()

    page.set_viewport_size({"width": 1280, "height": 800})
    page.context.clear_cookies()
    sign_in(page, live_server, cast.director.username, PASSWORD)
    page.get_by_role("link", name="Открыть заявки родителей").click()
    page.wait_for_url("**/family/school/")
    check_accessibility(page)
    screenshot(page, "acc9-school-requests")
    page.get_by_role("link", name="Петров Ваня").click()
    page.wait_for_url(f"**/family/school/{request.pk}/")
    check_accessibility(page)
    page.get_by_label(re.compile("Петров Ваня")).check()
    page.get_by_label("Подтвердить").check()
    screenshot(page, "acc9-decide")
    page.get_by_role("button", name="Сохранить решение").click()
    page.wait_for_url("**/family/school/")
    check_accessibility(page)
    assert Guardianship.objects.filter(guardian=cast.parent, child=brother).exists()
