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
  ``status_text`` and ``sms_id``, and the account's ``balance`` after sending;
- ``smsc``: SMSC.ru's HTTP API, ``POST {SMSC_BASE_URL}/sys/send.php`` with ``login``, ``psw``,
  ``phones``, ``mes``, ``charset=utf-8``, ``fmt=3`` (a JSON answer) and ``cost=3`` (send, and
  say the price and the balance), ``sender`` when set; it answers ``{"id", "cnt", "cost",
  "balance"}`` or ``{"error", "error_code"}``;
- ``mobizon`` (Kazakhstan): Mobizon's API v1, ``POST {MOBIZON_BASE_URL}/service/message/
  sendsmsmessage?output=json&api=v1&apiKey=…`` (the key in the query, as Mobizon documents it)
  with the form fields ``recipient``, ``text`` and ``from`` when set; it answers ``{"code",
  "data", "message"}``, ``code`` 0 with ``data.messageId`` when accepted.

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

from parta.core.errors import ProviderError

logger = logging.getLogger("parta.sms")

BACKENDS = {
    "console": "parta.core.sms.ConsoleBackend",
    "smsru": "parta.core.sms.SmsRuBackend",
    "smsc": "parta.core.sms.SmscBackend",
    "mobizon": "parta.core.sms.MobizonBackend",
}


class SmsError(ProviderError):
    """The message was not accepted (see ``ProviderError``)."""


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
            raise _not_configured("SMSRU_API_ID")

    def send(self, phone: str, text: str) -> SmsResult:
        to = phone.lstrip("+")
        form = {"api_id": self.api_id, "to": to, "msg": text, "json": "1"}
        if self.sender:
            form["from"] = self.sender
        answer = _post_json("SMS.ru", self.base_url, "/sms/send", form, self.timeout)
        if not isinstance(answer, dict) or answer.get("status") != "OK":
            code = answer.get("status_code") if isinstance(answer, dict) else None
            text_ = answer.get("status_text", "") if isinstance(answer, dict) else ""
            raise self._refused(code, f"SMS.ru refused the request: {code} {text_}")
        item = (answer.get("sms") or {}).get(to)
        if not isinstance(item, dict):
            raise SmsError(
                _("Сервис SMS сейчас недоступен. Попробуйте ещё раз через несколько минут."),
                detail=f"SMS.ru answer has no entry for {to}: {answer}",
                code="http",
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
            return _refusal("recipient", detail)
        if number in _SMSRU_MONEY_CODES:
            return _refusal("balance", detail)
        return _refusal("refused", detail)


def _post_json(
    provider: str, base_url: str, path: str, form: dict[str, str], timeout: float, **kw: Any
) -> Any:
    """POST ``form`` to a provider and return its JSON answer; ``SmsError`` when the service
    cannot be reached or answers something else. Only the kind of failure and the host go
    to the log: the request (the key, the text with its code) never does."""
    unavailable = _("Сервис SMS сейчас недоступен. Попробуйте ещё раз через несколько минут.")
    host = urlsplit(base_url).hostname or ""
    try:
        response = requests.post(f"{base_url}{path}", data=form, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise SmsError(
            unavailable,
            detail=f"{provider} unreachable: {type(exc).__name__} ({host})",
            code="network",
        ) from None
    if response.status_code != 200:
        raise SmsError(
            unavailable, detail=f"{provider} answered HTTP {response.status_code}", code="http"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise SmsError(
            unavailable,
            detail=f"{provider} answered not JSON: {response.text[:200]!r}",
            code="http",
        ) from exc


def _refusal(kind: str, detail: str) -> SmsError:
    messages = {
        "recipient": _("SMS на этот номер отправить нельзя. Проверьте номер или укажите другой."),
        "balance": _("Отправка SMS временно приостановлена. Сообщите администратору Парты."),
        "refused": _("Сервис SMS не принял сообщение. Попробуйте ещё раз через несколько минут."),
    }
    return SmsError(messages[kind], detail=detail, code=kind)


def _not_configured(setting: str) -> SmsError:
    return SmsError(
        _("Отправка SMS не настроена. Сообщите администратору Парты."),
        detail=f"{setting} is empty",
        code="not_configured",
    )


# SMSC.ru's error codes: 3 — not enough money; 7 — a wrong number; 8 — cannot be delivered
# to this number. The others (parameters, login, blocked IP, forbidden text, too frequent)
# are the operator's to fix.
_SMSC_RECIPIENT_CODES = {7, 8}
_SMSC_MONEY_CODES = {3}


class SmscBackend:
    """SMSC.ru (https://smsc.ru/api/http/): one POST per message, JSON answer (``fmt=3``)."""

    def __init__(
        self,
        login: str | None = None,
        password: str | None = None,
        base_url: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.login = login if login is not None else settings.SMSC_LOGIN
        self.password = password if password is not None else settings.SMSC_PASSWORD
        self.base_url = (base_url or settings.SMSC_BASE_URL).rstrip("/")
        self.sender = sender if sender is not None else settings.PARTA_SMS_SENDER
        self.timeout = timeout if timeout is not None else settings.PARTA_SMS_TIMEOUT_SECONDS
        if not self.login or not self.password:
            raise _not_configured("SMSC_LOGIN or SMSC_PASSWORD")

    def send(self, phone: str, text: str) -> SmsResult:
        form = {
            "login": self.login,
            "psw": self.password,
            "phones": phone.lstrip("+"),
            "mes": text,
            "charset": "utf-8",
            "fmt": "3",
            "cost": "3",
        }
        if self.sender:
            form["sender"] = self.sender
        answer = _post_json("SMSC.ru", self.base_url, "/sys/send.php", form, self.timeout)
        if not isinstance(answer, dict):
            raise _refusal("refused", f"SMSC.ru answered {answer!r}")
        if "error_code" in answer or "error" in answer:
            try:
                number = int(answer.get("error_code") or 0)
            except (TypeError, ValueError):
                number = 0
            kind = (
                "recipient"
                if number in _SMSC_RECIPIENT_CODES
                else "balance"
                if number in _SMSC_MONEY_CODES
                else "refused"
            )
            raise _refusal(kind, f"SMSC.ru refused the message: {number} {answer.get('error', '')}")
        if answer.get("id") in (None, ""):
            raise _refusal("refused", f"SMSC.ru answer has no id: {answer}")
        return SmsResult(
            sms_id=str(answer["id"]),
            status="accepted",
            cost=_decimal(answer.get("cost")),
            parts=int(answer.get("cnt") or 1),
            balance=_decimal(answer.get("balance")),
            raw=answer,
        )


class MobizonBackend:
    """Mobizon, Kazakhstan (https://mobizon.kz/help/api-docs/message): API v1, JSON answer."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.api_key = api_key if api_key is not None else settings.MOBIZON_API_KEY
        self.base_url = (base_url or settings.MOBIZON_BASE_URL).rstrip("/")
        self.sender = sender if sender is not None else settings.PARTA_SMS_SENDER
        self.timeout = timeout if timeout is not None else settings.PARTA_SMS_TIMEOUT_SECONDS
        if not self.api_key:
            raise _not_configured("MOBIZON_API_KEY")

    def send(self, phone: str, text: str) -> SmsResult:
        form = {"recipient": phone.lstrip("+"), "text": text}
        if self.sender:
            form["from"] = self.sender
        answer = _post_json(
            "Mobizon",
            self.base_url,
            "/service/message/sendsmsmessage",
            form,
            self.timeout,
            params={"output": "json", "api": "v1", "apiKey": self.api_key},
        )
        if not isinstance(answer, dict):
            raise _refusal("refused", f"Mobizon answered {answer!r}")
        code = answer.get("code")
        found = answer.get("data")
        data: dict[str, Any] = found if isinstance(found, dict) else {}
        if code != 0:
            # Code 1 is a validation error with the offending fields in ``data``.
            kind = "recipient" if code == 1 and "recipient" in data else "refused"
            raise _refusal(kind, f"Mobizon refused the message: {code} {answer.get('message', '')}")
        if data.get("messageId") in (None, ""):
            raise _refusal("refused", f"Mobizon answer has no messageId: {answer}")
        return SmsResult(sms_id=str(data["messageId"]), status="accepted", cost=None, raw=answer)


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
