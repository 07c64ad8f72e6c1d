"""The SMS gateway (parta.core.sms) against a real local HTTP server speaking SMS.ru's API."""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import pytest

from parta.core.sms import ConsoleBackend, SmsError, SmsRuBackend, get_backend, send_sms


def test_smsru_backend_sends_the_documented_request_and_reads_the_answer(smsru_server, settings):
    settings.PARTA_SMS_SENDER = "Parta"
    result = send_sms("+79123456789", "Парта: код 123456")
    assert len(smsru_server.requests) == 1
    sent = smsru_server.requests[0]
    assert sent.method == "POST"  # the key and the code in the body, not in the URL
    assert sent.path == "/sms/send"
    assert sent.query == {}
    assert sent.content_type.startswith("application/x-www-form-urlencoded")
    assert sent.params == {
        "api_id": ["test-api-id"],
        "to": ["79123456789"],
        "msg": ["Парта: код 123456"],
        "json": ["1"],
        "from": ["Parta"],
    }
    assert result.sms_id == "000000-10000001"
    assert result.status == "accepted"
    assert result.balance == Decimal("4122.56")
    assert result.cost is None  # SMS.ru's send answer does not say the price


def test_smsru_backend_without_sender_name_sends_no_from(smsru_server):
    send_sms("+79123456789", "текст")
    assert "from" not in smsru_server.requests[0].params


def test_smsru_cost_is_read_when_the_answer_gives_it(smsru_server):
    smsru_server.body = json.dumps(
        {
            "status": "OK",
            "status_code": 100,
            "sms": {
                "79123456789": {
                    "status": "OK",
                    "status_code": 100,
                    "sms_id": "1-2",
                    "cost": "3.49",
                    "sms": 2,
                }
            },
            "balance": 10,
        }
    )
    result = send_sms("+79123456789", "текст")
    assert result.cost == Decimal("3.49")
    assert result.parts == 2


def test_smsru_refused_recipient_is_a_clear_error(smsru_server):
    smsru_server.body = json.dumps(
        {
            "status": "OK",
            "status_code": 100,
            "sms": {
                "79123456789": {
                    "status": "ERROR",
                    "status_code": 207,
                    "status_text": "На этот номер нельзя отправлять сообщения",
                }
            },
            "balance": 4122.56,
        }
    )
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == "recipient"
    assert "Проверьте номер" in str(caught.value.message)
    assert "207" in caught.value.detail


def test_smsru_refused_request_says_the_service_did_not_accept(smsru_server):
    smsru_server.body = json.dumps(
        {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
    )
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == "refused"
    assert "200" in caught.value.detail


def test_smsru_out_of_money_is_reported_to_the_operator(smsru_server):
    smsru_server.body = json.dumps(
        {"status": "ERROR", "status_code": 201, "status_text": "Не хватает средств"}
    )
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == "balance"


@pytest.mark.parametrize(("status", "body"), [(500, "oops"), (200, "<html>not json</html>")])
def test_smsru_http_failure_or_garbage_is_an_unavailable_service(smsru_server, status, body):
    smsru_server.status = status
    smsru_server.body = body
    with pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "текст")
    assert caught.value.code == "http"
    assert "недоступен" in str(caught.value.message)


def test_smsru_unreachable_server_is_an_unavailable_service(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = SmsRuBackend(api_id="x", base_url=f"http://127.0.0.1:{port}", sender="", timeout=2)
    with pytest.raises(SmsError) as caught:
        backend.send("+79123456789", "текст")
    assert caught.value.code == "network"


def test_smsru_unreachable_server_logs_neither_the_api_id_nor_the_code(settings, caplog):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.PARTA_SMS_BACKEND = "smsru"
    settings.SMSRU_API_ID = "secret-api-id-4711"
    settings.SMSRU_BASE_URL = f"http://127.0.0.1:{port}"
    settings.PARTA_SMS_SENDER = ""
    settings.PARTA_SMS_TIMEOUT_SECONDS = 2
    with caplog.at_level("DEBUG"), pytest.raises(SmsError) as caught:
        send_sms("+79123456789", "Парта: код 482913")
    assert caught.value.code == "network"
    logged = caplog.text
    assert "SMS to +79123456789 not sent" in logged
    assert "ConnectionError" in logged and "127.0.0.1" in logged
    for secret in ("secret-api-id-4711", "482913"):
        assert secret not in logged
        assert secret not in caught.value.detail
        assert secret not in str(caught.value)


def test_smsru_without_api_id_refuses_to_start(settings):
    settings.PARTA_SMS_BACKEND = "smsru"
    settings.SMSRU_API_ID = ""
    with pytest.raises(SmsError) as caught:
        get_backend()
    assert caught.value.code == "not_configured"


def test_console_backend_prints_the_message(settings, capsys):
    settings.PARTA_SMS_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)
    result = send_sms("+79123456789", "Парта: код 654321")
    assert "SMS to +79123456789: Парта: код 654321" in capsys.readouterr().out
    assert result.status == "sent"
    assert result.cost == Decimal("0")
