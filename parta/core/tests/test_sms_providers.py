"""NTF-2, item 4 of issue 5: the SMSC.ru and Mobizon backends of the SMS gateway against a
real local HTTP server (pytest-httpserver) that checks each request against the provider's
documented wire format and answers in it. SMS.ru's are in security/tests/test_sms.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from werkzeug import Request, Response

from parta.core.sms import MobizonBackend, SmscBackend, SmsError, get_backend, send_sms


@pytest.fixture
def smsc(settings: Any, httpserver: Any) -> Any:
    settings.PARTA_SMS_BACKEND = "smsc"
    settings.SMSC_LOGIN = "parta-school"
    settings.SMSC_PASSWORD = "s3cret"
    settings.SMSC_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.PARTA_SMS_SENDER = ""
    return httpserver


@pytest.fixture
def mobizon(settings: Any, httpserver: Any) -> Any:
    settings.PARTA_SMS_BACKEND = "mobizon"
    settings.MOBIZON_API_KEY = "kz-test-key"
    settings.MOBIZON_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.PARTA_SMS_SENDER = ""
    return httpserver


def _sent(server: Any) -> Request:
    assert len(server.log) == 1
    return server.log[0][0]


# --- SMSC.ru --------------------------------------------------------------------------------------
def test_smsc_sends_the_documented_request_and_reads_price_and_balance(smsc, settings) -> None:
    settings.PARTA_SMS_SENDER = "Parta"
    smsc.expect_request("/sys/send.php", method="POST").respond_with_json(
        {"id": 4521, "cnt": 2, "cost": "5.80", "balance": "994.20"}
    )
    result = send_sms("+79123456789", "Новая оценка: Математика — 5")
    sent = _sent(smsc)
    assert sent.args.to_dict() == {}  # the password stays out of the URL
    assert sent.mimetype == "application/x-www-form-urlencoded"
    assert sent.form.to_dict() == {
        "login": "parta-school",
        "psw": "s3cret",
        "phones": "79123456789",
        "mes": "Новая оценка: Математика — 5",
        "charset": "utf-8",
        "fmt": "3",
        "cost": "3",
        "sender": "Parta",
    }
    assert result.sms_id == "4521"
    assert result.status == "accepted"
    assert result.parts == 2
    assert result.cost == Decimal("5.80")
    assert result.balance == Decimal("994.20")


@pytest.mark.parametrize(
    ("error_code", "kind"), [(7, "recipient"), (8, "recipient"), (3, "balance"), (2, "refused")]
)
def test_smsc_errors_are_told_by_kind(smsc, error_code, kind) -> None:
    smsc.expect_request("/sys/send.php", method="POST").respond_with_json(
        {"error": "описание ошибки", "error_code": error_code}
    )
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == kind
    assert str(error_code) in caught.value.detail
    assert "s3cret" not in caught.value.detail


def test_smsc_http_failure_is_an_unavailable_service(smsc) -> None:
    smsc.expect_request("/sys/send.php").respond_with_response(Response("down", status=502))
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == "http"
    assert "недоступен" in str(caught.value.message)


def test_smsc_without_credentials_is_not_configured(settings) -> None:
    settings.PARTA_SMS_BACKEND = "smsc"
    settings.SMSC_LOGIN = ""
    with pytest.raises(SmsError) as caught:
        get_backend()
    assert caught.value.code == "not_configured"


# --- Mobizon -------------------------------------------------------------------------------------
def test_mobizon_sends_the_documented_request_and_reads_the_message_id(mobizon, settings) -> None:
    settings.PARTA_SMS_SENDER = "Parta"
    mobizon.expect_request(
        "/service/message/sendsmsmessage",
        method="POST",
        query_string={"output": "json", "api": "v1", "apiKey": "kz-test-key"},
    ).respond_with_json(
        {"code": 0, "data": {"campaignId": "1759377", "messageId": "12111324", "status": 1}}
        | {"message": ""}
    )
    result = send_sms("+77011234567", "Жаңа баға: Математика — 5")
    sent = _sent(mobizon)
    assert sent.mimetype == "application/x-www-form-urlencoded"
    assert sent.form.to_dict() == {
        "recipient": "77011234567",
        "text": "Жаңа баға: Математика — 5",
        "from": "Parta",
    }
    assert result.sms_id == "12111324"
    assert result.status == "accepted"
    assert result.cost is None  # Mobizon's answer does not say the price


def test_mobizon_validation_error_of_the_recipient_is_a_recipient_error(mobizon) -> None:
    mobizon.expect_request("/service/message/sendsmsmessage", method="POST").respond_with_json(
        {"code": 1, "data": {"recipient": "Неверный номер получателя"}, "message": ""}
    )
    with pytest.raises(SmsError) as caught:
        send_sms("+77011234567", "текст")
    assert caught.value.code == "recipient"
    assert "Проверьте номер" in str(caught.value.message)


def test_mobizon_other_refusals_and_garbage(mobizon) -> None:
    mobizon.expect_ordered_request("/service/message/sendsmsmessage").respond_with_json(
        {"code": 8, "data": [], "message": "Недостаточно прав"}
    )
    mobizon.expect_ordered_request("/service/message/sendsmsmessage").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    with pytest.raises(SmsError) as first:
        send_sms("+77011234567", "текст")
    assert first.value.code == "refused"
    assert "8" in first.value.detail
    with pytest.raises(SmsError) as second:
        send_sms("+77011234567", "текст")
    assert second.value.code == "http"


def test_mobizon_unreachable_says_only_the_host() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = MobizonBackend(api_key="secret-key", base_url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(SmsError) as caught:
        backend.send("+77011234567", "текст")
    assert caught.value.code == "network"
    assert "secret-key" not in caught.value.detail
    assert "127.0.0.1" in caught.value.detail


def test_the_backends_are_chosen_by_their_short_names(settings) -> None:
    settings.SMSC_LOGIN, settings.SMSC_PASSWORD = "a", "b"
    settings.MOBIZON_API_KEY = "c"
    settings.PARTA_SMS_BACKEND = "smsc"
    assert isinstance(get_backend(), SmscBackend)
    settings.PARTA_SMS_BACKEND = "mobizon"
    assert isinstance(get_backend(), MobizonBackend)
