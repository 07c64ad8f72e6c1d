"""ACC-2 end to end in a real browser: the school enters a family, the class teacher prints
the slips, the parent signs in with the slip's password, must set their own, and lands on
the parent home page showing their child. Every page on the way passes axe-core.
"""

from __future__ import annotations

import datetime
import re

import pytest

from parta.accounts.issuing import PersonEntry, student_enter
from parta.accounts.models import User
from parta.accounts.tests.issuing_helpers import pdf_text
from parta.conftest import PASSWORD
from parta.directory.models import Guardianship
from parta.tests.browser.conftest import PHONE, check_accessibility, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Tulips-in-May-2027"


def _slip_credentials(text: str, full_name: str) -> tuple[str, str]:
    """The login and password printed on the slip of ``full_name``."""
    compact = re.sub(r"\s+", " ", text)
    start = compact.index(full_name)
    slip = compact[start:]
    login = re.search(r"Логин:? ?(\S+)", slip)
    password = re.search(r"Пароль:? ?([a-z0-9]{10})", slip)
    assert login and password, f"no credentials on the slip of {full_name}: {slip[:400]}"
    return login.group(1), password.group(1)


def test_issued_parent_signs_in_with_slip_sets_password_and_sees_child(
    browser_page, live_server, cast
):
    """ACC-2: slip password → forced change → parent home with the child."""
    entered = student_enter(
        school_class=cast.school_class,
        student=PersonEntry("Ковалёва", "Дарья", "Сергеевна", datetime.date(2015, 3, 14)),
        parents=[
            PersonEntry(
                "Ковалёва",
                "Наталья",
                "Петровна",
                phone="+7 912 555-01-02",
                kind=Guardianship.Kind.MOTHER,
            )
        ],
        entered_by=cast.class_teacher,
    )
    mother = entered.parents[0]
    page = browser_page

    # The class teacher prints the slips of everyone who has not set a password yet.
    sign_in(page, live_server, cast.class_teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/classes/{cast.school_class.pk}/roster/")
    assert page.get_by_text("Ковалёва Наталья Петровна").count() >= 1
    check_accessibility(page)
    screenshot(page, "issued-roster-desktop")
    with page.expect_download() as download_info:
        page.locator("button[name='which'][value='pending']").click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    login, slip_password = _slip_credentials(pdf_text(pdf), "Ковалёва Наталья Петровна")
    assert login == mother.username

    # The parent, on a phone, signs in with the slip.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, login, slip_password)
    assert page.url.endswith("/password/first/")
    screenshot(page, "issued-first-password-phone")
    check_accessibility(page)

    # No other page opens before the password is set.
    page.goto(f"{live_server.url}/parent/")
    assert page.url.endswith("/password/first/")

    # A mismatch keeps the person on the page with a message at the field.
    page.fill("input[name='new_password1']", NEW_PASSWORD)
    page.fill("input[name='new_password2']", NEW_PASSWORD + "x")
    page.get_by_role("button", name="Сохранить пароль и продолжить").click()
    assert page.locator("[aria-invalid='true']").count() >= 1
    check_accessibility(page)

    page.fill("input[name='new_password1']", NEW_PASSWORD)
    page.fill("input[name='new_password2']", NEW_PASSWORD)
    page.get_by_role("button", name="Сохранить пароль и продолжить").click()
    page.wait_for_url(f"{live_server.url}/parent/")
    assert page.get_by_role("heading", name="Ковалёва Дарья Сергеевна").is_visible()
    assert page.get_by_text(cast.school_class.name, exact=True).count() >= 1
    screenshot(page, "issued-parent-home-phone")
    check_accessibility(page)

    # The slip's password is spent; the person's own one works.
    mother = User.objects.get(pk=mother.pk)
    assert not mother.must_change_password
    assert not mother.check_password(slip_password)
    assert mother.check_password(NEW_PASSWORD)
