"""The payment provider: one interface, backends chosen by settings (docs/decisions/0012-sms-top-up-payments.md).

A backend creates a payment and tells its state; it keeps no money of its own and knows
nothing of what the payment is for. ``create`` takes an idempotence key — the same key
always names the same payment, so a form sent twice (a double click, a reload after a
timeout) never charges twice. ``fetch`` asks the provider for the payment's state: it is the
only thing Parta believes, a webhook being just a hint to ask. Backends:

- ``demo`` (the development default): no money moves; a payment succeeds the moment it is
  created, so that ``make run`` can top up an SMS balance;
- ``yookassa``: YooKassa's API v3 (https://yookassa.ru/developers/api) —
  ``POST {YOOKASSA_BASE_URL}/v3/payments`` with HTTP Basic auth ``shopId:secretKey``, the
  ``Idempotence-Key`` header and the JSON body ``{"amount": {"value": "300.00", "currency":
  "RUB"}, "capture": true, "confirmation": {"type": "redirect", "return_url": …},
  "description": …, "metadata": {…}}`` (with ``receipt`` when the shop sends fiscal receipts,
  54-FZ); it answers the payment object ``{"id", "status", "paid", "amount",
  "confirmation": {"confirmation_url"}, "metadata"}``; ``GET /v3/payments/{id}`` tells its
  state later. Statuses: ``pending``, ``waiting_for_capture``, ``succeeded``, ``canceled``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from parta.core.errors import ProviderError

BACKENDS = {
    "demo": "parta.core.payments.DemoBackend",
    "yookassa": "parta.core.payments.YooKassaBackend",
}

PENDING = "pending"
WAITING = "waiting_for_capture"
SUCCEEDED = "succeeded"
CANCELED = "canceled"
STATUSES = {PENDING, WAITING, SUCCEEDED, CANCELED}


class PaymentError(ProviderError):
    """The provider could not be asked or refused (see ``ProviderError``)."""


@dataclass(frozen=True)
class Payment:
    """A payment as the provider sees it."""

    id: str
    status: str
    amount: Decimal
    currency: str
    paid: bool = False
    confirmation_url: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    cancellation_reason: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED and self.paid


@dataclass(frozen=True)
class Receipt:
    """What a fiscal receipt (54-FZ) needs: the buyer's contact and the one item sold."""

    email: str = ""
    phone: str = ""
    item: str = ""


class PaymentBackend(Protocol):
    name: str

    def create(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        idempotence_key: str,
        return_url: str,
        metadata: dict[str, str],
        receipt: Receipt | None = None,
    ) -> Payment: ...

    def fetch(self, payment_id: str) -> Payment: ...


def get_backend(name: str | None = None) -> PaymentBackend:
    name = name or settings.PARTA_PAYMENT_BACKEND
    try:
        path = BACKENDS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"PARTA_PAYMENT_BACKEND={name!r}: expected one of {sorted(BACKENDS)}"
        ) from None
    backend: PaymentBackend = import_string(path)()
    return backend


def _unavailable(detail: str, code: str = "network") -> PaymentError:
    return PaymentError(
        _("Платёжный сервис сейчас недоступен. Попробуйте ещё раз через несколько минут."),
        detail=detail,
        code=code,
    )


class DemoBackend:
    """Development and the demo region: every payment succeeds at once, no money moves.

    The payment's id is derived from the idempotence key, so the same form sent twice is the
    same payment here too; ``fetch`` of a payment it made reads its amount back from the id."""

    name = "demo"

    def create(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        idempotence_key: str,
        return_url: str,
        metadata: dict[str, str],
        receipt: Receipt | None = None,
    ) -> Payment:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("The demo payment backend moves no money: not in production")
        payment_id = f"demo-{uuid.uuid5(uuid.NAMESPACE_URL, idempotence_key)}-{amount}-{currency}"
        return self.fetch(payment_id, metadata=metadata, return_url=return_url)

    def fetch(
        self, payment_id: str, *, metadata: dict[str, str] | None = None, return_url: str = ""
    ) -> Payment:
        try:
            _prefix, rest = payment_id.split("-", 1)
            _key, amount, currency = rest.rsplit("-", 2)
            value = Decimal(amount)
        except (ValueError, InvalidOperation):
            raise PaymentError(
                _("Платёж не найден."), detail=f"demo: no payment {payment_id}", code="not_found"
            ) from None
        return Payment(
            id=payment_id,
            status=SUCCEEDED,
            paid=True,
            amount=value,
            currency=currency,
            confirmation_url=return_url,
            metadata=metadata or {},
        )


class YooKassaBackend:
    """YooKassa (https://yookassa.ru/developers/api#create_payment): one-stage payments
    (``capture: true``) confirmed by a redirect to the provider's payment page."""

    name = "yookassa"

    def __init__(
        self,
        shop_id: str | None = None,
        secret_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.shop_id = shop_id if shop_id is not None else settings.YOOKASSA_SHOP_ID
        self.secret_key = secret_key if secret_key is not None else settings.YOOKASSA_SECRET_KEY
        self.base_url = (base_url or settings.YOOKASSA_BASE_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.PARTA_PAYMENT_TIMEOUT_SECONDS
        if not self.shop_id or not self.secret_key:
            raise ImproperlyConfigured(
                "PARTA_PAYMENT_BACKEND=yookassa needs YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY"
            )

    def create(
        self,
        *,
        amount: Decimal,
        currency: str,
        description: str,
        idempotence_key: str,
        return_url: str,
        metadata: dict[str, str],
        receipt: Receipt | None = None,
    ) -> Payment:
        value = {"value": f"{amount:.2f}", "currency": currency}
        body: dict[str, Any] = {
            "amount": value,
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            # YooKassa's limit is 128 characters; it shows the description to the payer.
            "description": description[:128],
            "metadata": metadata,
        }
        if receipt is not None and settings.YOOKASSA_VAT_CODE:
            customer = {"email": receipt.email} if receipt.email else {"phone": receipt.phone}
            body["receipt"] = {
                "customer": customer,
                "items": [
                    {
                        "description": (receipt.item or description)[:128],
                        "quantity": "1.00",
                        "amount": value,
                        "vat_code": int(settings.YOOKASSA_VAT_CODE),
                        "payment_mode": "full_payment",
                        "payment_subject": "service",
                    }
                ],
            }
        answer = self._call("POST", "/v3/payments", json=body, key=idempotence_key)
        return self._payment(answer)

    def fetch(self, payment_id: str) -> Payment:
        return self._payment(self._call("GET", f"/v3/payments/{quote(payment_id, safe='')}"))

    def _call(
        self, method: str, path: str, *, json: dict[str, Any] | None = None, key: str = ""
    ) -> dict[str, Any]:
        host = urlsplit(self.base_url).hostname or ""
        headers = {"Idempotence-Key": key} if key else {}
        try:
            response = requests.request(
                method,
                f"{self.base_url}{path}",
                json=json,
                headers=headers,
                auth=(self.shop_id, self.secret_key),
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise _unavailable(f"YooKassa unreachable: {type(exc).__name__} ({host})") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code == 404:
            raise PaymentError(
                _("Платёж не найден."), detail=f"YooKassa: {path} not found", code="not_found"
            )
        if response.status_code != 200 or not isinstance(answer, dict):
            # YooKassa's errors: {"type": "error", "code": "invalid_request", "description": …}
            code = answer.get("code", "") if isinstance(answer, dict) else ""
            description = answer.get("description", "") if isinstance(answer, dict) else ""
            if response.status_code in (400, 401, 403):
                raise PaymentError(
                    _("Платёжный сервис отклонил платёж. Оператор Парты уже знает об этом."),
                    detail=f"YooKassa HTTP {response.status_code}: {code} {description}"[:300],
                    code="refused",
                )
            raise _unavailable(
                f"YooKassa HTTP {response.status_code}: {code} {description}"[:300], code="http"
            )
        return answer

    @staticmethod
    def _payment(answer: dict[str, Any]) -> Payment:
        try:
            amount = answer["amount"]
            status = str(answer["status"])
            payment = Payment(
                id=str(answer["id"]),
                status=status,
                paid=bool(answer.get("paid")),
                amount=Decimal(str(amount["value"])),
                currency=str(amount["currency"]),
                confirmation_url=str(
                    (answer.get("confirmation") or {}).get("confirmation_url", "")
                ),
                metadata={str(k): str(v) for k, v in (answer.get("metadata") or {}).items()},
                cancellation_reason=str(
                    (answer.get("cancellation_details") or {}).get("reason", "")
                ),
            )
        except (KeyError, TypeError, InvalidOperation, AttributeError):
            raise _unavailable(
                f"YooKassa answered an unknown payment: {answer!r}"[:300], "http"
            ) from None
        if status not in STATUSES:
            raise _unavailable(f"YooKassa: unknown status {status!r}", "http")
        return payment
