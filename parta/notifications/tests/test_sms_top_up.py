"""NTF-2, item 5 of issue 5: topping up the SMS balance through YooKassa, tested against a
real local HTTP server (pytest-httpserver) that checks each request against YooKassa's
documented API v3 and answers in it: the idempotence key (a form sent twice is one payment),
the webhook believed only after asking the API, a replayed webhook crediting once, a forged
one crediting nothing; the page of the balance and who may see it."""

from __future__ import annotations

import base64
import json
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from werkzeug import Request, Response

from parta.core.payments import PaymentError, YooKassaBackend
from parta.notifications import balance, payments
from parta.notifications.models import Notification, SmsLedgerEntry, SmsPayment

pytestmark = pytest.mark.django_db

PAY_ID = "2ed2e0e2-000f-5000-9000-1b41c2c0a8f1"
CONFIRM = "https://yoomoney.ru/checkout/payments/v2/contract?orderId=" + PAY_ID


class FakeYooKassa:
    """The payments YooKassa holds, served at its documented paths."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.payments: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, str] = {}  # Idempotence-Key -> payment id
        self.next_id = PAY_ID
        self.down = False
        server.expect_request("/v3/payments", method="POST").respond_with_handler(self.create)
        server.expect_request(
            re.compile(r"^/v3/payments/[^/]+$"), method="GET"
        ).respond_with_handler(self.get)

    def create(self, request: Request) -> Response:
        if self.down:
            return Response("upstream", status=502)
        key = request.headers.get("Idempotence-Key", "")
        if key in self.keys:  # YooKassa answers a repeated key with the same payment
            return self._json(self.payments[self.keys[key]])
        body = request.get_json()
        payment = {
            "id": self.next_id,
            "status": "pending",
            "paid": False,
            "amount": body["amount"],
            "confirmation": {"type": "redirect", "confirmation_url": CONFIRM},
            "created_at": "2026-12-02T10:00:00.000Z",
            "description": body["description"],
            "metadata": body.get("metadata", {}),
            "recipient": {"account_id": "100500", "gateway_id": "100700"},
            "refundable": False,
            "test": True,
        }
        self.payments[payment["id"]] = payment
        self.keys[key] = payment["id"]
        return self._json(payment)

    def get(self, request: Request) -> Response:
        if self.down:
            return Response("upstream", status=502)
        payment = self.payments.get(request.path.rsplit("/", 1)[1])
        if payment is None:
            return self._json({"type": "error", "code": "not_found"}, 404)
        return self._json(payment)

    def pay(self, payment_id: str = PAY_ID, **changes: Any) -> None:
        self.payments[payment_id].update({"status": "succeeded", "paid": True, **changes})

    @staticmethod
    def _json(data: Any, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, content_type="application/json")

    def requests(self, method: str) -> list[Request]:
        return [r for r, _ in self.server.log if r.method == method]


@pytest.fixture
def yookassa(settings: Any, httpserver: Any) -> FakeYooKassa:
    settings.PARTA_PAYMENT_BACKEND = "yookassa"
    settings.YOOKASSA_SHOP_ID = "506751"
    settings.YOOKASSA_SECRET_KEY = "test_Fh8hUAVVBGUGbjmlzba6TB0iyUbos_lueTHE-axOwM0"
    settings.YOOKASSA_BASE_URL = httpserver.url_for("/").rstrip("/")
    settings.YOOKASSA_VAT_CODE = ""
    settings.YOOKASSA_WEBHOOK_NETWORKS = ["127.0.0.0/8"]
    settings.PARTA_CURRENCY = "RUB"
    return FakeYooKassa(httpserver)


def _notify(client: Any, payment_id: str = PAY_ID, event: str = "payment.succeeded", **kw: Any):
    body = {"type": "notification", "event": event, "object": {"id": payment_id, **kw}}
    return client.post(
        reverse("yookassa_webhook"), data=json.dumps(body), content_type="application/json"
    )


def _form_key(client: Any) -> str:
    response = client.get(reverse("sms_balance"))
    assert response.status_code == 200
    key: str = response.context["form"].initial["key"]
    return key


def _start(client: Any, amount: str = "300", key: str | None = None) -> Any:
    key = key or _form_key(client)
    return client.post(reverse("sms_top_up"), {"amount": amount, "key": key})


# --- the wire format ---------------------------------------------------------------------------
def test_create_sends_yookassas_documented_request(yookassa, settings) -> None:
    settings.YOOKASSA_VAT_CODE = "1"
    payment = YooKassaBackend().create(
        amount=Decimal("300"),
        currency="RUB",
        description="Пополнение SMS-баланса",
        idempotence_key="a" * 32,
        return_url="https://parta.example/inbox/sms/payments/aaa/",
        metadata={"parta_payment": "7"},
        receipt=payments.payments.Receipt(email="mama@example.ru", item="SMS-уведомления"),
    )
    sent = yookassa.requests("POST")[0]
    assert sent.headers["Idempotence-Key"] == "a" * 32
    assert sent.headers["Content-Type"] == "application/json"
    user, secret = base64.b64decode(sent.headers["Authorization"].split()[1]).decode().split(":")
    assert (user, secret) == ("506751", settings.YOOKASSA_SECRET_KEY)
    assert sent.get_json() == {
        "amount": {"value": "300.00", "currency": "RUB"},
        "capture": True,
        "confirmation": {
            "type": "redirect",
            "return_url": "https://parta.example/inbox/sms/payments/aaa/",
        },
        "description": "Пополнение SMS-баланса",
        "metadata": {"parta_payment": "7"},
        "receipt": {
            "customer": {"email": "mama@example.ru"},
            "items": [
                {
                    "description": "SMS-уведомления",
                    "quantity": "1.00",
                    "amount": {"value": "300.00", "currency": "RUB"},
                    "vat_code": 1,
                    "payment_mode": "full_payment",
                    "payment_subject": "service",
                }
            ],
        },
    }
    assert payment.id == PAY_ID and payment.status == "pending" and not payment.succeeded
    assert payment.confirmation_url == CONFIRM
    assert payment.amount == Decimal("300.00") and payment.currency == "RUB"


@pytest.mark.parametrize(("status", "code"), [(401, "refused"), (400, "refused"), (500, "http")])
def test_provider_errors_are_told_without_the_key(yookassa, httpserver, status, code) -> None:
    httpserver.clear_all_handlers()
    httpserver.expect_request("/v3/payments").respond_with_json(
        {"type": "error", "code": "invalid_credentials", "description": "Bad key"}, status=status
    )
    with pytest.raises(PaymentError) as caught:
        YooKassaBackend().create(
            amount=Decimal("1"),
            currency="RUB",
            description="d",
            idempotence_key="k",
            return_url="https://x/",
            metadata={},
        )
    assert caught.value.code == code
    assert str(status) in caught.value.detail and "test_Fh8" not in caught.value.detail


def test_an_unknown_payment_is_not_found(yookassa) -> None:
    with pytest.raises(PaymentError) as caught:
        YooKassaBackend().fetch("no-such-payment")
    assert caught.value.code == "not_found"


def test_an_unreachable_provider_is_a_clear_retryable_error(settings) -> None:
    backend = YooKassaBackend(
        shop_id="1", secret_key="s", base_url="http://127.0.0.1:9", timeout=0.5
    )
    with pytest.raises(PaymentError) as caught:
        backend.fetch(PAY_ID)
    assert caught.value.code == "network"
    assert "недоступен" in str(caught.value.message)


# --- a top-up, end to end ----------------------------------------------------------------------
def test_top_up_pays_at_yookassa_and_the_webhook_credits_once(
    cast, client, yookassa, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast.parent)
    response = _start(client, "300")
    assert response.status_code == 302 and response["Location"] == CONFIRM
    payment = SmsPayment.objects.get(person=cast.parent)
    assert payment.provider_payment_id == PAY_ID and payment.status == "pending"
    assert (
        yookassa.requests("POST")[0]
        .get_json()["confirmation"]["return_url"]
        .endswith(reverse("sms_payment_return", args=[payment.idempotence_key]))
    )
    assert balance.balance_of(cast.parent) == Decimal("0")

    yookassa.pay()
    anonymous = client.__class__()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # YooKassa repeats a notification until answered; and replays
            assert _notify(anonymous).status_code == 200
    assert balance.balance_of(cast.parent) == Decimal("300.00")
    assert SmsLedgerEntry.objects.filter(account__person=cast.parent, kind="top_up").count() == 1
    assert Notification.objects.filter(recipient=cast.parent, kind="sms_top_up").count() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.ledger_entry.amount == Decimal("300.00")
    # Every notification was checked with the API, never believed as it came.
    assert len(yookassa.requests("GET")) >= 1

    # Back from YooKassa's page: the page says so, nothing is credited again.
    back = client.get(reverse("sms_payment_return", args=[payment.idempotence_key]), follow=True)
    assert "SMS-баланс пополнен на 300,00" in back.content.decode()
    assert balance.balance_of(cast.parent) == Decimal("300.00")


def test_the_same_form_sent_twice_is_one_payment(cast, client, yookassa) -> None:
    client.force_login(cast.parent)
    key = _form_key(client)
    first = _start(client, "300", key)
    second = _start(client, "300", key)
    assert first["Location"] == second["Location"] == CONFIRM
    assert SmsPayment.objects.filter(person=cast.parent).count() == 1
    assert len(yookassa.payments) == 1


def test_a_provider_down_at_creation_keeps_the_form_and_retries_with_the_same_key(
    cast, client, yookassa
) -> None:
    client.force_login(cast.parent)
    key = _form_key(client)
    yookassa.down = True
    refused = _start(client, "250", key)
    assert refused.status_code == 400
    form = refused.context["form"]
    assert form.data["amount"] == "250" and form.data["key"] == key
    assert "Платёжный сервис сейчас недоступен" in refused.content.decode()
    yookassa.down = False
    again = _start(client, "250", key)
    assert again["Location"] == CONFIRM
    keys = {r.headers["Idempotence-Key"] for r in yookassa.requests("POST")}
    assert keys == {key}
    assert SmsPayment.objects.get().failure.startswith("http")


def test_a_forged_webhook_credits_nothing(cast, client, yookassa, settings) -> None:
    client.force_login(cast.parent)
    _start(client, "300")
    # The notification says "succeeded"; the API, asked, says it is still pending.
    assert _notify(client, status="succeeded", paid=True).status_code == 200
    assert balance.balance_of(cast.parent) == Decimal("0")
    # A payment Parta never created.
    assert _notify(client, payment_id="22e12f66-000f-5000-8000-18db351245c7").status_code == 200
    # From outside YooKassa's networks: not even asked about.
    settings.YOOKASSA_WEBHOOK_NETWORKS = ["185.71.76.0/27"]
    gets = len(yookassa.requests("GET"))
    yookassa.pay()
    assert _notify(client).status_code == 404
    assert len(yookassa.requests("GET")) == gets
    assert balance.balance_of(cast.parent) == Decimal("0")
    # Not JSON at all.
    settings.YOOKASSA_WEBHOOK_NETWORKS = []
    bad = client.post(reverse("yookassa_webhook"), data="{", content_type="application/json")
    assert bad.status_code == 400


def test_a_payment_for_another_amount_is_not_credited(cast, client, yookassa) -> None:
    client.force_login(cast.parent)
    _start(client, "300")
    yookassa.pay(amount={"value": "3000.00", "currency": "RUB"})
    _notify(client)
    assert balance.balance_of(cast.parent) == Decimal("0")
    assert "amount mismatch" in SmsPayment.objects.get().failure


def test_a_webhook_the_api_cannot_confirm_asks_to_be_repeated(cast, client, yookassa) -> None:
    client.force_login(cast.parent)
    _start(client, "300")
    yookassa.pay()
    yookassa.down = True
    assert _notify(client).status_code == 503
    assert balance.balance_of(cast.parent) == Decimal("0")
    payment = SmsPayment.objects.get()
    page = client.get(reverse("sms_payment_return", args=[payment.idempotence_key]), follow=True)
    assert "Не удалось узнать у платёжного сервиса" in page.content.decode()
    yookassa.down = False
    assert _notify(client).status_code == 200
    assert balance.balance_of(cast.parent) == Decimal("300.00")


def test_a_canceled_payment_is_shown_and_credits_nothing(cast, client, yookassa) -> None:
    client.force_login(cast.parent)
    _start(client, "300")
    yookassa.payments[PAY_ID].update(
        status="canceled",
        cancellation_details={"party": "yoo_money", "reason": "expired_on_confirmation"},
    )
    payment = SmsPayment.objects.get()
    page = client.get(reverse("sms_payment_return", args=[payment.idempotence_key]), follow=True)
    assert "Оплата отменена" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == "canceled" and payment.failure == "expired_on_confirmation"
    assert balance.balance_of(cast.parent) == Decimal("0")


@pytest.mark.django_db(transaction=True)
def test_webhooks_and_the_return_at_once_credit_once(cast, yookassa) -> None:
    """Eight confirmations of one payment racing each other (PostgreSQL row locks)."""
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (DATABASE_URL)")
    payment = payments.sms_payment_start(
        person=cast.parent, amount=Decimal("300"), key="b" * 32, return_url="https://x/"
    )
    yookassa.pay()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def confirm() -> None:
        try:
            barrier.wait()
            payments.sms_payment_notified(provider="yookassa", payment_id=PAY_ID)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert balance.balance_of(cast.parent) == Decimal("300.00")
    assert SmsLedgerEntry.objects.filter(kind="top_up").count() == 1
    payment.refresh_from_db()
    assert payment.status == "succeeded"


# --- the page ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("сто", "Введите сумму числом"),
        ("10", "Сумма пополнения — от 50 до 5000"),
        ("100000", "Сумма пополнения — от 50 до 5000"),
        ("100,555", "в рублях и копейках"),
    ],
)
def test_a_wrong_amount_is_refused_and_kept(cast, client, yookassa, typed, message) -> None:
    client.force_login(cast.parent)
    response = _start(client, typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and f'value="{typed}"' in body
    assert SmsPayment.objects.count() == 0 and yookassa.requests("POST") == []


def test_amounts_as_people_type_them() -> None:
    assert payments.parse_amount("1 000") == Decimal("1000.00")
    assert payments.parse_amount("300,50") == Decimal("300.50")
    assert payments.parse_amount("\u00a0500 ") == Decimal("500.00")


def test_demo_backend_credits_at_once(cast, client, settings) -> None:
    settings.PARTA_PAYMENT_BACKEND = "demo"
    client.force_login(cast.parent)
    key = _form_key(client)
    response = client.post(reverse("sms_top_up"), {"amount": "150", "key": key}, follow=True)
    assert "SMS-баланс пополнен на 150,00" in response.content.decode()
    client.post(reverse("sms_top_up"), {"amount": "150", "key": key})
    assert balance.balance_of(cast.parent) == Decimal("150.00")


def test_the_page_shows_balance_and_ledger_in_a_fixed_number_of_queries(cast, client) -> None:
    client.force_login(cast.parent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("sms_balance"))
        assert response.status_code == 200
        return len(ctx.captured_queries)

    balance.sms_top_up(person=cast.parent, amount=Decimal("30"), reference="p0")
    few = queries()
    for i in range(1, 25):
        balance.sms_top_up(person=cast.parent, amount=Decimal("30"), reference=f"p{i}")
        balance.sms_debit(person=cast.parent, amount=Decimal("3"), reference=f"d{i}")
        SmsPayment.objects.create(
            person=cast.parent,
            provider="yookassa",
            idempotence_key=f"{i:032x}",
            amount=Decimal("100"),
            currency="RUB",
            status="pending",
            provider_payment_id=f"id-{i}",
            confirmation_url=CONFIRM,
        )
    assert queries() == few
    body = client.get(reverse("sms_balance")).content.decode()
    assert "678,00" in body  # 25 × 30 − 24 × 3
    assert body.count("Проверить оплату") == 20


def test_only_the_owner_sees_a_payment(cast, client, yookassa) -> None:
    client.force_login(cast.parent)
    _start(client, "300")
    payment = SmsPayment.objects.get()
    client.force_login(cast.other_parent)
    assert (
        client.get(reverse("sms_payment_return", args=[payment.idempotence_key])).status_code == 404
    )
    page = client.get(reverse("sms_balance"))
    assert page.context["open_payments"] == [] and page.context["balance"] == Decimal("0")
    # The other parent cannot hijack the first one's form key either.
    stolen = client.post(reverse("sms_top_up"), {"amount": "300", "key": payment.idempotence_key})
    assert stolen.status_code == 400
    assert SmsPayment.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(client) -> None:
    response = client.get(reverse("sms_balance"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
