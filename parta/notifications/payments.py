"""NTF-2: topping up the SMS balance through the payment provider (``parta.core.payments``).

1. ``sms_payment_start`` — the person sent the top-up form. Its hidden key is the payment's
   idempotence key: the same form sent twice is the same payment (here by the unique key,
   at the provider by its ``Idempotence-Key``), so nobody pays twice for one click.
2. The person pays on the provider's page and comes back (``sms_payment_refresh``), and/or
   the provider notifies Parta (``sms_payment_notified``, the webhook). Neither is believed
   as it is: Parta asks the provider for the payment and credits only a payment that
   succeeded for exactly the amount and currency it was created with.
3. ``_settle`` credits the ledger once: the payment row is locked, and the ledger's top-up
   for ``provider:payment id`` is unique, however often the notification is replayed.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import events, payments
from parta.core.errors import DomainError
from parta.notifications.balance import SMS_BALANCE_URL, sms_top_up
from parta.notifications.models import SmsPayment

logger = logging.getLogger("parta.payments")

_KEY = re.compile(r"^[0-9a-f]{32}$")


def top_up_limits() -> tuple[Decimal, Decimal]:
    return Decimal(settings.PARTA_SMS_TOP_UP_MIN), Decimal(settings.PARTA_SMS_TOP_UP_MAX)


def parse_amount(raw: str) -> Decimal:
    """The amount a person typed ("300", "300,50", "1 000") or a clear refusal."""
    cleaned = (raw or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise DomainError(_("Введите сумму числом, например 300."), field="amount") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("Введите сумму в рублях и копейках, например 300."), field="amount")
    low, high = top_up_limits()
    if amount < low or amount > high:
        raise DomainError(
            _("Сумма пополнения — от %(low)s до %(high)s.")
            % {"low": number_format(low), "high": number_format(high)},
            field="amount",
        )
    return amount.quantize(Decimal("0.01"))


def _backend(name: str | None = None) -> payments.PaymentBackend:
    return payments.get_backend(name)


def sms_payment_start(*, person: Any, amount: Decimal, key: str, return_url: str) -> SmsPayment:
    """NTF-2: begin (or, for the same form sent again, continue) a top-up of ``person``'s SMS
    balance by ``amount``. Returns the payment; its ``confirmation_url`` is where the person
    pays. A provider that cannot be reached raises ``DomainError`` and the same form may be
    sent again: the provider is asked with the same idempotence key."""
    if not _KEY.match(key or ""):
        raise DomainError(_("Форма устарела. Проверьте сумму и отправьте её ещё раз."), code="key")
    backend = _backend()
    with transaction.atomic():
        payment, created = SmsPayment.objects.select_for_update().get_or_create(
            idempotence_key=key,
            defaults={
                "person_id": person.pk,
                "provider": backend.name,
                "amount": amount,
                "currency": settings.PARTA_CURRENCY,
            },
        )
        if not created and (payment.person_id != person.pk or payment.amount != amount):
            raise DomainError(
                _("Эта форма уже отправлена с другой суммой. Проверьте сумму и отправьте ещё раз."),
                code="key",
            )
    if payment.provider_payment_id:
        return payment  # sent twice: the payment exists, the person continues it
    try:
        remote = backend.create(
            amount=payment.amount,
            currency=payment.currency,
            description=_("Пополнение SMS-баланса в Парте, %(amount)s") % {"amount": amount},
            idempotence_key=key,
            return_url=return_url,
            metadata={"parta_payment": str(payment.pk), "person": str(person.pk)},
            receipt=payments.Receipt(
                email=getattr(person, "email", "") or "",
                phone=getattr(person, "phone", "") or "",
                item=_("SMS-уведомления Парты"),
            ),
        )
    except payments.PaymentError as exc:
        logger.warning("payment %s not created: %s %s", payment.pk, exc.code, exc.detail)
        SmsPayment.objects.filter(pk=payment.pk).update(failure=f"{exc.code}: {exc.detail}"[:300])
        raise DomainError(exc.message, code="provider") from None
    SmsPayment.objects.filter(pk=payment.pk, provider_payment_id="").update(
        provider_payment_id=remote.id, confirmation_url=remote.confirmation_url[:500]
    )
    payment.refresh_from_db()
    _settle(payment, remote)
    payment.refresh_from_db()
    return payment


def sms_payment_refresh(payment: SmsPayment) -> SmsPayment:
    """NTF-2: ask the provider how ``payment`` stands and credit it if it succeeded. A
    provider that cannot be reached raises ``payments.PaymentError``."""
    if payment.provider_payment_id and payment.is_open:
        remote = _backend(payment.provider).fetch(payment.provider_payment_id)
        _settle(payment, remote)
        payment.refresh_from_db()
    return payment


def sms_payment_notified(*, provider: str, payment_id: str) -> SmsPayment | None:
    """NTF-2: the provider says ``payment_id`` changed (a webhook). The notification itself
    is not believed: the payment is fetched from the provider's API. ``None`` when Parta
    never created such a payment; ``payments.PaymentError`` when the provider cannot be asked
    (the webhook answers so that the provider repeats the notification later)."""
    payment = SmsPayment.objects.filter(provider=provider, provider_payment_id=payment_id).first()
    if payment is None:
        logger.warning("%s notified of an unknown payment %s", provider, payment_id[:80])
        return None
    return sms_payment_refresh(payment)


def _settle(payment: SmsPayment, remote: payments.Payment) -> bool:
    """Bring ``payment`` to the provider's state; credit the ledger once when it succeeded.
    True when this call credited it."""
    with transaction.atomic():
        row = SmsPayment.objects.select_for_update().get(pk=payment.pk)
        if remote.id != row.provider_payment_id or row.ledger_entry_id is not None:
            return False
        if remote.succeeded:
            if remote.amount != row.amount or remote.currency != row.currency:
                # Never credit what was not asked for: the operator looks into it.
                logger.error(
                    "payment %s: provider says %s %s, Parta asked %s %s",
                    row.pk,
                    remote.amount,
                    remote.currency,
                    row.amount,
                    row.currency,
                )
                row.failure = (
                    f"amount mismatch: paid {remote.amount} {remote.currency}, "
                    f"expected {row.amount} {row.currency}"
                )
                row.save(update_fields=["failure", "updated_at"])
                return False
            entry, _created = sms_top_up(
                person=row.person,
                amount=row.amount,
                reference=f"{row.provider}:{row.provider_payment_id}",
                note=f"{row.provider} {row.provider_payment_id}",
            )
            row.ledger_entry = entry
            row.status = SmsPayment.Status.SUCCEEDED
            row.failure = ""
            row.save(update_fields=["ledger_entry", "status", "failure", "updated_at"])
            events.emit(
                "sms_top_up",
                recipients=[row.person_id],
                title=gettext_noop("SMS-баланс пополнен на %(amount)s"),
                params={"amount": str(row.amount)},
                url=SMS_BALANCE_URL,
                key=f"sms_top_up:{row.pk}",
            )
            return True
        status = remote.status if remote.status in SmsPayment.Status.values else row.status
        row.status = status
        if remote.status == payments.CANCELED:
            row.failure = remote.cancellation_reason[:300]
        row.save(update_fields=["status", "failure", "updated_at"])
        return False


def payments_of(viewer: Any, *, limit: int = 20) -> list[SmsPayment]:
    """The viewer's own top-ups, newest first (the page of the SMS balance)."""
    return list(SmsPayment.objects.visible_to(viewer).order_by("-created_at", "-pk")[:limit])
