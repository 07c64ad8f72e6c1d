"""Login settings (ACC-8): name, phone confirmed by an SMS code, password, sessions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parta.accounts.models import User
from parta.conftest import PASSWORD
from parta.core.errors import DomainError
from parta.security import services
from parta.security.models import NameChange, PhoneCode

pytestmark = pytest.mark.postgres

NEW_PHONE = "+79001112233"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, login: str, password: str = PASSWORD, agent: str = "") -> Client:
    if agent:
        client.defaults["HTTP_USER_AGENT"] = agent
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def signed_in(client: Client) -> bool:
    response = client.get(reverse("security_settings"))
    return response.status_code == 200


def sent_code(server) -> str:
    found = re.search(r"\b(\d{6})\b", server.last_text)
    assert found, server.last_text
    return found.group(1)


# --- Phone (ACC-8) --------------------------------------------------------------------------
def test_new_phone_is_set_only_with_the_code_from_the_sms(client, cast, smsru_server):
    client.force_login(cast.student)
    response = client.post(reverse("security_phone"), {"phone": "8 (900) 111-22-33"})
    assert response.status_code == 302
    assert response["Location"] == reverse("security_phone_confirm")
    assert smsru_server.requests[-1].params["to"] == ["79001112233"]
    cast.student.refresh_from_db()
    assert cast.student.phone == ""  # not before the code
    record = PhoneCode.objects.get(person=cast.student)
    code = sent_code(smsru_server)
    assert code not in record.code_hash  # only a keyed hash is stored
    assert record.expires_at - record.created_at <= timedelta(minutes=10)
    assert record.sms_id == "000000-10000001"

    response = client.post(reverse("security_phone_confirm"), {"code": code})
    assert response.status_code == 302
    cast.student.refresh_from_db()
    assert cast.student.phone == NEW_PHONE


def test_code_works_only_once(cast, smsru_server):
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    code = sent_code(smsru_server)
    services.phone_code_confirm(person=cast.student, code=code)
    User.objects.filter(pk=cast.student.pk).update(phone="")
    with pytest.raises(DomainError) as caught:
        services.phone_code_confirm(person=cast.student, code=code)
    assert "Сначала запросите код" in str(caught.value.message)
    cast.student.refresh_from_db()
    assert cast.student.phone == ""


def test_expired_code_does_not_set_the_phone(cast, smsru_server):
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    code = sent_code(smsru_server)
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(DomainError) as caught:
        services.phone_code_confirm(person=cast.student, code=code)
    assert "истёк" in str(caught.value.message)
    cast.student.refresh_from_db()
    assert cast.student.phone == ""


def test_five_wrong_tries_spend_the_code(cast, smsru_server):
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    code = sent_code(smsru_server)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(DomainError) as caught:
            services.phone_code_confirm(person=cast.student, code=wrong)
        messages.append(str(caught.value.message))
    assert messages[0].startswith("Код неверный. Осталось 4 ")
    assert "Осталась 1 попытка" in messages[3]
    assert "попытки закончились" in messages[4]
    assert PhoneCode.objects.get().failed_tries == 5
    with pytest.raises(DomainError):  # even the right code no longer works
        services.phone_code_confirm(person=cast.student, code=code)
    cast.student.refresh_from_db()
    assert cast.student.phone == ""


def test_a_new_code_replaces_the_previous_one(cast, smsru_server):
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    first = sent_code(smsru_server)
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    second = sent_code(smsru_server)
    if first != second:
        with pytest.raises(DomainError):
            services.phone_code_confirm(person=cast.student, code=first)
    services.phone_code_confirm(person=cast.student, code=second)
    cast.student.refresh_from_db()
    assert cast.student.phone == NEW_PHONE


def test_codes_per_hour_are_limited(cast, smsru_server, settings):
    settings.PARTA_PHONE_CODES_PER_HOUR = 3
    for _ in range(3):
        services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    with pytest.raises(DomainError) as caught:
        services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    assert caught.value.code == "too_many_codes"
    assert "через" in str(caught.value.message)
    assert len(smsru_server.requests) == 3
    PhoneCode.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    assert len(smsru_server.requests) == 4


def test_codes_to_one_number_are_limited_across_accounts(cast, smsru_server, settings):
    settings.PARTA_PHONE_CODES_PER_HOUR = 2
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    services.phone_code_send(person=cast.other_student, phone=NEW_PHONE)
    with pytest.raises(DomainError):
        services.phone_code_send(person=cast.far_student, phone=NEW_PHONE)


def test_phone_of_another_account_is_refused_and_the_form_keeps_it(client, cast, smsru_server):
    client.force_login(cast.student)
    response = client.post(reverse("security_phone"), {"phone": "+7 912 345-67-89"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "указан в другой учётной записи" in html
    assert 'value="+7 912 345-67-89"' in html
    assert smsru_server.requests == []


def test_badly_typed_phone_gets_a_clear_message(client, cast, smsru_server):
    client.force_login(cast.student)
    response = client.post(reverse("security_phone"), {"phone": "12345"})
    html = response.content.decode()
    assert "10 цифр после +7" in html
    assert 'value="12345"' in html


def test_sms_failure_is_told_and_does_not_count(client, cast, smsru_server):
    smsru_server.status = 500
    smsru_server.body = "down"
    client.force_login(cast.student)
    response = client.post(reverse("security_phone"), {"phone": NEW_PHONE})
    assert response.status_code == 200
    assert "Сервис SMS сейчас недоступен" in response.content.decode()
    assert not PhoneCode.objects.exists()


def test_wrong_code_on_the_page_says_how_many_tries_are_left(client, cast, smsru_server):
    client.force_login(cast.student)
    client.post(reverse("security_phone"), {"phone": NEW_PHONE})
    code = sent_code(smsru_server)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(reverse("security_phone_confirm"), {"code": wrong})
    html = response.content.decode()
    assert "Код неверный. Осталось 4 " in html  # Russian plural forms come with the catalogue
    assert f'value="{wrong}"' in html


def test_phone_can_be_removed(client, cast):
    client.force_login(cast.parent)
    client.post(reverse("security_phone_remove"))
    cast.parent.refresh_from_db()
    assert cast.parent.phone == ""


# --- Name (ACC-8) ---------------------------------------------------------------------------
def test_name_change_is_recorded_and_marked_for_an_issued_account(client, cast):
    client.force_login(cast.parent)
    response = client.post(
        reverse("security_name"),
        {"last_name": "Иванова", "first_name": "Анна", "middle_name": "Сергеевна"},
    )
    assert response.status_code == 302
    cast.parent.refresh_from_db()
    assert cast.parent.full_name == "Иванова Анна Сергеевна"
    change = NameChange.objects.get(person=cast.parent)
    assert change.old_full_name == "Петрова Анна Сергеевна"
    assert change.new_full_name == "Иванова Анна Сергеевна"
    assert change.changed_by == cast.parent
    assert change.school_record is True
    page = client.get(reverse("security_name")).content.decode()
    assert "Петрова Анна Сергеевна" in page  # the history shows the old name


def test_name_form_keeps_what_was_typed_on_error(client, cast):
    client.force_login(cast.parent)
    response = client.post(
        reverse("security_name"), {"last_name": "Иванова", "first_name": "", "middle_name": "С."}
    )
    html = response.content.decode()
    assert "Введите имя." in html
    assert 'value="Иванова"' in html and 'value="С."' in html
    assert not NameChange.objects.exists()


def test_unchanged_name_records_nothing(client, cast):
    client.force_login(cast.parent)
    client.post(
        reverse("security_name"),
        {"last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна"},
    )
    assert not NameChange.objects.exists()


# --- Sessions and password (ACC-8) ----------------------------------------------------------
PHONE_UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"
PC_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


def test_settings_page_lists_sessions_and_marks_this_device(cast):
    laptop = sign_in(Client(), "roditel", agent=PC_UA)
    sign_in(Client(), "roditel", agent=PHONE_UA)
    html = laptop.get(reverse("security_settings")).content.decode()
    assert "Chrome, Windows" in html and "Chrome, Android" in html
    assert html.count("Это устройство") == 1
    assert "127.0.0.1" in html
    assert "Выйти на всех других устройствах" in html


def test_password_change_ends_every_other_session(cast):
    """ACC-8: a new password signs the person out everywhere but here."""
    here = sign_in(Client(), "roditel", agent=PC_UA)
    there = sign_in(Client(), "roditel", agent=PHONE_UA)
    assert signed_in(here) and signed_in(there)
    new_password = "novyi-parol-2026!"
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(there)
    assert UserSession.objects.filter(user=cast.parent).count() == 1


def test_sign_out_everywhere_else(cast):
    here = sign_in(Client(), "roditel", agent=PC_UA)
    there = sign_in(Client(), "roditel", agent=PHONE_UA)
    elsewhere = sign_in(Client(), "roditel", agent=PHONE_UA)
    response = here.post(reverse("security_sessions_end"), follow=True)
    assert "Выполнен выход на 2 других устройствах" in response.content.decode()
    assert signed_in(here)
    assert not signed_in(there) and not signed_in(elsewhere)


def test_sessions_of_other_people_are_untouched(cast):
    mine = sign_in(Client(), "roditel")
    theirs = sign_in(Client(), "roditel2")
    mine.post(reverse("security_sessions_end"))
    assert signed_in(theirs)


def test_ended_or_expired_sessions_are_not_listed(cast):
    from django.contrib.sessions.models import Session

    here = sign_in(Client(), "roditel", agent=PC_UA)
    gone = sign_in(Client(), "roditel", agent=PHONE_UA)
    Session.objects.filter(session_key=gone.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    html = here.get(reverse("security_settings")).content.decode()
    assert "Chrome, Android" not in html
    assert UserSession.objects.filter(user=cast.parent).count() == 1


def test_settings_page_queries_do_not_grow_with_sessions(cast, django_assert_max_num_queries):
    here = sign_in(Client(), "roditel", agent=PC_UA)
    sign_in(Client(), "roditel", agent=PHONE_UA)
    here.get(reverse("security_settings"))
    with django_assert_max_num_queries(30) as few:
        here.get(reverse("security_settings"))
    count = len(few.captured_queries)  # before other requests reset the query log
    for _ in range(10):
        sign_in(Client(), "roditel", agent=PHONE_UA)
    with django_assert_max_num_queries(count):
        html = here.get(reverse("security_settings")).content.decode()
    assert html.count("Chrome, Android") == 11


def test_name_with_digits_is_refused_with_a_clear_message(client, cast):
    client.force_login(cast.parent)
    response = client.post(
        reverse("security_name"),
        {"last_name": "Иванова2", "first_name": "Анна", "middle_name": "Сергеевна"},
    )
    html = response.content.decode()
    assert "Только буквы" in html and 'value="Иванова2"' in html
    cast.parent.refresh_from_db()
    assert cast.parent.last_name == "Петрова"


def test_hyphenated_and_kazakh_names_are_accepted(client, cast):
    client.force_login(cast.parent)
    client.post(
        reverse("security_name"),
        {"last_name": "Мамин-Сибиряк", "first_name": "Нұрсұлтан", "middle_name": ""},
    )
    cast.parent.refresh_from_db()
    assert cast.parent.full_name == "Мамин-Сибиряк Нұрсұлтан"


# --- Review fixes ---------------------------------------------------------------------------
def test_failed_sms_keeps_the_previous_code_working(cast, smsru_server):
    """ACC-8: a new code closes the previous one only once its SMS is sent."""
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    first = sent_code(smsru_server)
    smsru_server.status = 500
    smsru_server.body = "down"
    with pytest.raises(DomainError) as caught:
        services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    assert caught.value.code == "sms"
    assert PhoneCode.objects.owned_by(cast.student).open().count() == 1
    services.phone_code_confirm(person=cast.student, code=first)
    cast.student.refresh_from_db()
    assert cast.student.phone == NEW_PHONE


def test_a_sent_code_closes_only_the_earlier_ones(cast, smsru_server):
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    services.phone_code_send(person=cast.student, phone=NEW_PHONE)
    first, second = PhoneCode.objects.order_by("pk")
    assert first.closed_at is not None
    assert second.closed_at is None and second.sms_id == "000000-10000001"


def test_sign_in_writes_the_session_row_once(cast):
    """ACC-8: allauth records the session of a sign-in; Parta does not write it again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    with CaptureQueriesContext(connection) as queries:
        sign_in(client, "roditel", agent=PC_UA)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "usersessions_usersession" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert len(writes) == 1, writes
    session = UserSession.objects.get(user=cast.parent)
    assert session.session_key == client.session.session_key
    assert session.user_agent == PC_UA
    assert client.session["parta_login_security"]["mfa"] is False
