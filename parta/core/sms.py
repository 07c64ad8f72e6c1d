"""The SMS gateway: one interface, backends chosen by settings (docs/decisions/0007-sms-gateway.md).

``send_sms(phone, text)`` hands a message to the configured backend and returns what the
provider said (its id, status and cost); a refusal raises ``SmsError`` with a message a person
can read. Backends:

- ``console`` (the development default): writes the message to the log and to stdout, costs
  nothing;
- ``smsru``: SMS.ru's documented HTTP API, ``POST {SMSRU_BASE_URL}/sms/send`` with the form
  fields ``api_id``, ``to``, ``msg``, ``json=1`` (and ``from`` when a sender name is set) —
  in the body, never in the URL, where the key and the code would reach proxy and server
  logs — answering JSON with
  ``status``/``status_code``, ``sms[phone]`` with its own ``status``, ``status_code``,
  ``status_text`` and ``sms_id``, and the account's ``balance`` after sending.

The result carries the cost so that a prepaid SMS balance (NTF-2) can debit it later; the
balance itself is not kept here.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("parta.sms")

BACKENDS = {
    "console": "parta.core.sms.ConsoleBackend",
    "smsru": "parta.core.sms.SmsRuBackend",
}


class SmsError(Exception):
    """The message was not accepted. ``message`` is for the person; ``detail`` for the log."""

    def __init__(self, message: Any, *, detail: str = "", code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.detail = detail
        self.code = code


@dataclass(frozen=True)
class SmsResult:
    """What the provider answered for one message."""

    sms_id: str
    status: str  # "accepted" (queued by the provider) or "sent"
    # In roubles: what a prepaid SMS balance (NTF-2) would debit; None when the provider's
    # answer did not say (SMS.ru's send answer gives the account balance, its cost method the
    # price).
    cost: Decimal | None = Decimal("0")
    parts: int = 1
    balance: Decimal | None = None  # the provider account's balance after sending, if told
    raw: dict[str, Any] = field(default_factory=dict)


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> SmsResult: ...


class ConsoleBackend:
    """Development: the message goes to the log and stdout instead of a phone."""

    def send(self, phone: str, text: str) -> SmsResult:
        sms_id = "console-" + get_random_string(12)
        line = f"SMS to {phone}: {text}"
        logger.warning(line)
        print(line, file=sys.stdout, flush=True)
        return SmsResult(sms_id=sms_id, status="sent")


# SMS.ru's status codes for a refused message that are about the recipient, not the account:
# the person can fix them by typing another number.
_SMSRU_RECIPIENT_CODES = {202, 207, 208, 209, 230, 231, 232}
_SMSRU_MONEY_CODES = {201}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class SmsRuBackend:
    """SMS.ru (https://sms.ru/api/send): one POST per message, JSON answer."""

    def __init__(
        self,
        api_id: str | None = None,
        base_url: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.api_id = api_id if api_id is not None else settings.SMSRU_API_ID
        self.base_url = (base_url or settings.SMSRU_BASE_URL).rstrip("/")
        self.sender = sender if sender is not None else settings.PARTA_SMS_SENDER
        self.timeout = timeout if timeout is not None else settings.PARTA_SMS_TIMEOUT_SECONDS
        if not self.api_id:
            raise SmsError(
                _("Отправка SMS не настроена. Сообщите администратору Парты."),
                detail="SMSRU_API_ID is empty",
                code="not_configured",
            )

    def send(self, phone: str, text: str) -> SmsResult:
        to = phone.lstrip("+")
        form = {"api_id": self.api_id, "to": to, "msg": text, "json": "1"}
        if self.sender:
            form["from"] = self.sender
        unavailable = _("Сервис SMS сейчас недоступен. Попробуйте ещё раз через несколько минут.")
        try:
            response = requests.post(f"{self.base_url}/sms/send", data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            # Only the kind of failure and the host: the exception's text may carry the
            # request (the key, the message with its code) and goes to the log.
            host = urlsplit(self.base_url).hostname or ""
            raise SmsError(
                unavailable,
                detail=f"SMS.ru unreachable: {type(exc).__name__} ({host})",
                code="network",
            ) from None
        if response.status_code != 200:
            raise SmsError(
                unavailable, detail=f"SMS.ru answered HTTP {response.status_code}", code="http"
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise SmsError(
                unavailable,
                detail=f"SMS.ru answered not JSON: {response.text[:200]!r}",
                code="http",
            ) from exc
        if not isinstance(answer, dict) or answer.get("status") != "OK":
            code = answer.get("status_code") if isinstance(answer, dict) else None
            text_ = answer.get("status_text", "") if isinstance(answer, dict) else ""
            raise self._refused(code, f"SMS.ru refused the request: {code} {text_}")
        item = (answer.get("sms") or {}).get(to)
        if not isinstance(item, dict):
            raise SmsError(
                unavailable, detail=f"SMS.ru answer has no entry for {to}: {answer}", code="http"
            )
        if item.get("status") != "OK":
            raise self._refused(
                item.get("status_code"),
                f"SMS.ru refused the message: {item.get('status_code')} {item.get('status_text', '')}",
            )
        return SmsResult(
            sms_id=str(item.get("sms_id", "")),
            status="accepted",
            cost=_decimal(item.get("cost")),
            parts=int(item.get("sms") or 1),
            balance=_decimal(answer.get("balance")),
            raw=answer,
        )

    @staticmethod
    def _refused(code: Any, detail: str) -> SmsError:
        try:
            number = int(code)
        except (TypeError, ValueError):
            number = 0
        if number in _SMSRU_RECIPIENT_CODES:
            message = _("SMS на этот номер отправить нельзя. Проверьте номер или укажите другой.")
            kind = "recipient"
        elif number in _SMSRU_MONEY_CODES:
            message = _("Отправка SMS временно приостановлена. Сообщите администратору Парты.")
            kind = "balance"
        else:
            message = _("Сервис SMS не принял сообщение. Попробуйте ещё раз через несколько минут.")
            kind = "refused"
        return SmsError(message, detail=detail, code=kind)


def get_backend() -> SmsBackend:
    """The backend named by ``PARTA_SMS_BACKEND`` (a short name or a dotted path)."""
    name = settings.PARTA_SMS_BACKEND
    backend_class = import_string(BACKENDS.get(name, name))
    return backend_class()


def send_sms(phone: str, text: str) -> SmsResult:
    """Send ``text`` to ``phone`` (E.164) through the configured gateway; ``SmsError`` if not."""
    try:
        result = get_backend().send(phone, text)
    except SmsError as exc:
        logger.warning("SMS to %s not sent: %s", phone, exc.detail or exc.message)
        raise
    logger.info("SMS %s to %s: %s, cost %s", result.sms_id, phone, result.status, result.cost)
    return result
