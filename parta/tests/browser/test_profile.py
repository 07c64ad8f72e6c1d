"""ACC-7 and 152-FZ in a real browser, at a parent's phone width (360 px) and on a desktop:
the questionnaire with a refused and an accepted upload, the consent card on the parent's
home page, the consents page with a withdrawal, and the access log. axe-core on every page."""

from __future__ import annotations

import pytest

from parta.conftest import PASSWORD
from parta.privacy.models import AccessRecord, Consent
from parta.profiles.models import NameChangeDocument
from parta.profiles.tests.fixtures import png_bytes
from parta.tests.browser.conftest import (
    DESKTOP,
    PHONE,
    check_accessibility,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_acc7_questionnaire_with_upload(browser_page, live_server, cast, width, tmp_path):
    page = browser_page
    page.set_viewport_size(PHONE if width == "phone" else DESKTOP)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    page.goto(f"{live_server.url}/profile/")
    screenshot(page, f"profile-{width}-empty")
    check_accessibility(page)

    # A program renamed to .pdf is refused; what was typed stays.
    fake = tmp_path / "svidetelstvo.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a document")
    page.get_by_label("Гражданство").fill("Российская Федерация")
    page.get_by_label("Должность").fill("Бухгалтер")
    page.get_by_label("домой").check()
    page.get_by_label("Адрес доставки").fill("г. Энск, ул. Лесная, 5, кв. 7")
    page.get_by_label("Вид документа").select_option("marriage")
    page.get_by_label("Файл документа").set_input_files(str(fake))
    page.get_by_role("button", name="Сохранить анкету").click()
    page.wait_for_load_state()
    assert "не является документом" in page.locator("main").inner_text()
    assert page.get_by_label("Должность").input_value() == "Бухгалтер"
    screenshot(page, f"profile-{width}-refused")
    check_accessibility(page)

    scan = tmp_path / "Свидетельство о браке.png"
    scan.write_bytes(png_bytes())
    page.get_by_label("Файл документа").set_input_files(str(scan))
    page.get_by_role("button", name="Сохранить анкету").click()
    page.wait_for_url("**/profile/")
    assert "Анкета сохранена" in page.locator("main").inner_text()
    assert NameChangeDocument.objects.filter(person=cast.parent).count() == 1
    assert "Свидетельство о браке.png" in page.locator(".documents-list").inner_text()
    screenshot(page, f"profile-{width}-saved")
    check_accessibility(page)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_152fz_consent_card_consents_page_and_access_log(browser_page, live_server, cast, width):
    # The class teacher opened the roster: the parent will see it in the log.
    AccessRecord.objects.create(
        viewer=cast.class_teacher,
        subject=cast.student,
        what="class_roster",
        params={"class": "5А"},
        viewer_role="class_teacher",
        viewer_place="5А · Школа № 1",
    )
    page = browser_page
    page.set_viewport_size(PHONE if width == "phone" else DESKTOP)
    sign_in(page, live_server, cast.parent.username, PASSWORD)
    assert page.url.endswith("/parent/")
    card = page.locator(".consent-requests")
    assert "Петров Миша" in card.inner_text()
    screenshot(page, f"consent-card-{width}")
    check_accessibility(page)

    child_form = card.locator("form").filter(
        has=page.locator(f"input[name=person][value='{cast.student.pk}']")
    )
    child_form.locator("button[type=submit]").click()
    page.wait_for_url("**/parent/")
    assert page.locator(".consent-requests").count() == 0
    consent = Consent.objects.get(person=cast.student)
    assert consent.given_by == cast.parent

    page.goto(f"{live_server.url}/privacy/")
    assert "Действует" in page.locator("main").inner_text()
    screenshot(page, f"consents-{width}")
    check_accessibility(page)

    page.get_by_role("link", name="Отозвать согласие").first.click()
    assert "Что изменится" in page.locator("main").inner_text()
    screenshot(page, f"consent-withdraw-{width}")
    check_accessibility(page)
    page.get_by_role("button", name="Отозвать согласие").click()
    page.wait_for_url("**/privacy/")
    assert "Отозвано" in page.locator("main").inner_text()
    consent.refresh_from_db()
    assert consent.withdrawn_by == cast.parent

    page.get_by_role("link", name="Прочитать текст согласия").first.click()
    assert "Цель обработки" in page.locator("main").inner_text()
    screenshot(page, f"consent-text-{width}")
    check_accessibility(page)

    page.goto(f"{live_server.url}/privacy/views/{cast.student.pk}/")
    text = page.locator("main").inner_text()
    assert "Смирнова Ольга Петровна" in text and "Список класса 5А" in text
    screenshot(page, f"access-log-{width}")
    check_accessibility(page)
