"""VER-4 and VER-5 in a real browser: the director confirms a teacher, the teacher then
confirms a student of their class, an unconfirmed teacher gets the 404 page, the director
sends the report and downloads its PDF. Every page on the way passes axe-core, at desktop
width and at 360 px.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from parta.accounts.tests.issuing_helpers import pdf_text
from parta.confirmation.models import Decision, Report
from parta.conftest import PASSWORD
from parta.directory.models import Confirmation, Enrollment, StaffPosition
from parta.factories import EnrollmentFactory, UserFactory
from parta.tests.browser.conftest import DESKTOP, PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _both_widths(page, name: str) -> None:
    """axe and a screenshot at desktop width and on a 360 px phone."""
    page.set_viewport_size(DESKTOP)
    check_accessibility(page)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    check_accessibility(page)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


def test_ver4_ver5_director_then_teacher_confirm_and_the_report_is_sent(
    browser_page, live_server, cast
):
    page = browser_page
    kid = UserFactory(
        username="novenkiy", last_name="Лаптева", first_name="Соня", middle_name="Ивановна"
    )
    claim = EnrollmentFactory(student=kid, school_class=cast.other_class, status="pending")

    # VER-4: the teacher of 6Б is not confirmed yet: no class-teacher role, the 404 page.
    sign_in(page, live_server, cast.pending_teacher.username, PASSWORD)
    assert page.url.endswith("/welcome/")
    assert page.get_by_text("ждёт решения директора").is_visible()
    _both_widths(page, "confirmation-pending-teacher-home")
    response = page.goto(f"{live_server.url}/confirmation/students/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="Страница не найдена").is_visible()
    check_accessibility(page)
    page.context.clear_cookies()

    # VER-4: the director sees the waiting teacher on the home page and confirms them.
    sign_in(page, live_server, cast.director.username, PASSWORD)
    assert page.get_by_text("1 сотрудник ждёт подтверждения").is_visible()
    page.get_by_role("link", name="Открыть заявки сотрудников").click()
    page.wait_for_url("**/confirmation/staff/")
    _both_widths(page, "confirmation-staff")
    # Rejecting without a reason is refused, nothing is lost.
    page.get_by_label("Отметить: Новикова Ирина Андреевна").check()
    page.get_by_role("button", name="Отклонить отмеченных").click()
    assert page.get_by_text("Напишите причину отказа").first.is_visible()
    assert page.get_by_label("Отметить: Новикова Ирина Андреевна").is_checked()
    check_accessibility(page)
    page.get_by_role("button", name="Подтвердить отмеченных").click()
    assert page.get_by_text("Подтверждена 1 заявка.").is_visible()
    position = StaffPosition.objects.get(person=cast.pending_teacher)
    assert position.status == Confirmation.CONFIRMED and position.decided_by == cast.director
    page.goto(f"{live_server.url}/confirmation/staff/?status=confirmed")
    assert page.get_by_text("Новикова Ирина Андреевна").first.is_visible()
    page.context.clear_cookies()

    # VER-4: now confirmed, the teacher confirms the student of 6Б, on a phone.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.pending_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/class/")
    assert page.get_by_text("1 ученик ждёт вашего подтверждения").is_visible()
    page.get_by_role("link", name="Открыть заявки учеников").click()
    page.wait_for_url("**/confirmation/students/")
    assert page.get_by_text("Лаптева Соня").first.is_visible()
    _both_widths(page, "confirmation-students")
    page.set_viewport_size(PHONE)
    # The select-all box (a small script) ticks every row.
    assert not page.get_by_text("Отмечено строк:").is_visible()
    page.get_by_label("Отметить все строки").check()
    assert page.get_by_label("Отметить: Лаптева Соня Ивановна").is_checked()
    # The bar at the bottom counts the ticked rows and leads to the decision.
    assert page.get_by_role("status").filter(has_text="Отмечено строк: 1").is_visible()
    page.get_by_role("link", name="К решению").click()
    page.wait_for_url("**#decide")
    expect(page.get_by_role("button", name="Подтвердить отмеченных")).to_be_in_viewport()
    screenshot(page, "confirmation-students-ticked-phone")
    page.get_by_role("button", name="Подтвердить отмеченных").click()
    page.wait_for_load_state()
    claim.refresh_from_db()
    assert claim.status == Confirmation.CONFIRMED
    assert claim.decided_by == cast.pending_teacher
    page.context.clear_cookies()
    page.set_viewport_size(DESKTOP)

    # VER-5: the director is reminded and sends the report with both decisions.
    sign_in(page, live_server, cast.director.username, PASSWORD)
    assert page.get_by_text("2 решения о подтверждении ещё не вошли в отчёт.").is_visible()
    page.get_by_role("link", name="Отправить отчёт").first.click()
    page.wait_for_url("**/confirmation/reports/")
    assert page.get_by_text("Лаптева Соня").first.is_visible()
    _both_widths(page, "confirmation-reports")
    page.get_by_role("button", name="Отправить отчёт").click()
    page.wait_for_url("**/confirmation/reports/*/")
    report = Report.objects.get()
    assert set(Decision.objects.filter(report=report).values_list("person_id", flat=True)) == {
        cast.pending_teacher.pk,
        kid.pk,
    }
    _both_widths(page, "confirmation-report")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать PDF").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Новикова Ирина Андреевна" in text and "Лаптева Соня" in text
    assert "Ученик, класс 6Б" in text

    # The municipal authority sees the report.
    page.context.clear_cookies()
    sign_in(page, live_server, cast.official.username, PASSWORD)
    page.goto(f"{live_server.url}/confirmation/reports/")
    row = page.locator("tr", has=page.locator(f"a[href='/confirmation/reports/{report.pk}/']"))
    assert row.is_visible() and "Школа № 1" in row.inner_text()
    check_accessibility(page)
    assert Enrollment.objects.filter(student=kid, status="confirmed").exists()
