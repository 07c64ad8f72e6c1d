"""NTF-2: the prepaid SMS balance of a person — a ledger of top-ups, debits and refunds.

- The balance is the sum of the person's ledger (``balance_of``); it is never stored apart,
  so the two cannot disagree.
- ``sms_debit`` takes the price of one SMS before it is sent. Debits of one person serialize
  on the lock of their ``SmsAccount`` row, so a hundred debits at once against a balance that
  covers fifty let exactly fifty through; the others are refused with ``no_balance``.
- ``sms_refund`` gives a debit back when its SMS was not delivered — once.
- ``sms_top_up`` credits a payment the provider confirmed — once per payment id, however
  often its confirmation is replayed.
- ``sms_send_paid`` is the whole path of one paid SMS: debit, send through the gateway
  (``parta.core.sms``), refund when the gateway refuses; with no balance nothing is sent and
  the person is told in the inbox (once a day).

Amounts are in the currency of the deployment (roubles or tenge); ``PARTA_SMS_PRICE`` is the
price of one SMS part.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import events
from parta.core.errors import DomainError
from parta.core.sms import SmsError, SmsResult, send_sms
from parta.notifications.models import SmsAccount, SmsLedgerEntry

ZERO = Decimal("0.00")
SMS_BALANCE_URL = "/inbox/sms/"
# Characters of the GSM 03.38 default alphabet: a text of them only is 160 per SMS (153 per
# part of a long one); any other character (Cyrillic, Kazakh letters) makes it 70 (67).
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_parts(text: str) -> int:
    """How many SMS a text takes (what the provider bills)."""
    single, part = (160, 153) if set(text) <= _GSM7 else (70, 67)
    if len(text) <= single:
        return 1
    return -(-len(text) // part)


def sms_price(text: str) -> Decimal:
    return Decimal(settings.PARTA_SMS_PRICE) * sms_parts(text)


def _locked_account(person_id: int) -> SmsAccount:
    """The person's account row, created when missing, locked until the transaction ends."""
    SmsAccount.objects.bulk_create([SmsAccount(person_id=person_id)], ignore_conflicts=True)
    return SmsAccount.objects.select_for_update().get(person_id=person_id)


def _sum(account_id: int) -> Decimal:
    total = SmsLedgerEntry.objects.filter(account_id=account_id).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else ZERO


def balance_of(person: Any) -> Decimal:
    """NTF-2: the person's SMS balance — the sum of their ledger."""
    return _sum(person.pk)


def sms_top_up(
    *, person: Any, amount: Decimal, reference: str, note: str = ""
) -> tuple[SmsLedgerEntry, bool]:
    """NTF-2: credit a confirmed payment; ``(entry, created)`` — a replay credits nothing."""
    if amount <= 0:
        raise DomainError(_("Сумма пополнения должна быть больше нуля."), field="amount")
    if not reference:
        raise DomainError(_("У пополнения нет номера платежа."), code="no_reference")
    with transaction.atomic():
        account = _locked_account(person.pk)
        existing = SmsLedgerEntry.objects.filter(
            account=account, kind=SmsLedgerEntry.Kind.TOP_UP, reference=reference
        ).first()
        if existing is not None:
            return existing, False
        entry = SmsLedgerEntry.objects.create(
            account=account,
            kind=SmsLedgerEntry.Kind.TOP_UP,
            amount=amount,
            reference=reference,
            note=note[:300],
        )
    return entry, True


def sms_debit(*, person: Any, amount: Decimal, reference: str, note: str = "") -> SmsLedgerEntry:
    """NTF-2: take ``amount`` for one SMS (``reference``: the delivery it pays for, paid
    once). Refused with ``no_balance`` when the balance does not cover it."""
    if amount <= 0:
        raise DomainError(_("Сумма списания должна быть больше нуля."), field="amount")
    with transaction.atomic():
        account = _locked_account(person.pk)
        if reference:
            existing = SmsLedgerEntry.objects.filter(
                account=account, kind=SmsLedgerEntry.Kind.DEBIT, reference=reference
            ).first()
            if existing is not None:
                return existing
        if _sum(account.pk) < amount:
            raise DomainError(
                _("На SMS-балансе не хватает денег. Пополните баланс, чтобы получать SMS."),
                code="no_balance",
            )
        return SmsLedgerEntry.objects.create(
            account=account,
            kind=SmsLedgerEntry.Kind.DEBIT,
            amount=-amount,
            reference=reference,
            note=note[:300],
        )


def sms_refund(*, debit: SmsLedgerEntry, note: str = "") -> SmsLedgerEntry:
    """NTF-2: give back a debit whose SMS was not delivered; a second call returns the same
    refund."""
    if debit.kind != SmsLedgerEntry.Kind.DEBIT:
        raise DomainError(_("Вернуть можно только списание."), code="not_debit")
    with transaction.atomic():
        _locked_account(debit.account_id)
        existing = SmsLedgerEntry.objects.filter(refund_of=debit).first()
        if existing is not None:
            return existing
        return SmsLedgerEntry.objects.create(
            account_id=debit.account_id,
            kind=SmsLedgerEntry.Kind.REFUND,
            amount=-debit.amount,
            refund_of=debit,
            note=note[:300],
        )


def sms_send_paid(*, person: Any, phone: str, text: str, reference: str) -> SmsResult | None:
    """NTF-2: one paid SMS to ``person`` at ``phone``. Debits the price first; a gateway
    refusal refunds it and is raised (``SmsError``, for the delivery's retry); no balance sends
    nothing, tells the person in the inbox once a day and returns ``None``."""
    try:
        debit = sms_debit(person=person, amount=sms_price(text), reference=reference)
    except DomainError as exc:
        if exc.code != "no_balance":
            raise
        day = timezone.localdate()
        events.emit(
            "sms_no_balance",
            recipients=[person.pk],
            title=gettext_noop("SMS не отправлено: на SMS-балансе не хватает денег"),
            body=gettext_noop(
                "Уведомления приходят сюда, в Парту. Чтобы получать их и по SMS, пополните "
                "SMS-баланс."
            ),
            url=SMS_BALANCE_URL,
            key=f"sms_no_balance:{day.isoformat()}",
        )
        return None
    if debit.refund_of_id is None and SmsLedgerEntry.objects.filter(refund_of=debit).exists():
        return None  # this delivery was paid, tried and refunded before: not again
    try:
        return send_sms(phone, text)
    except SmsError as exc:
        sms_refund(debit=debit, note=f"{exc.code}: {exc.detail}"[:300])
        raise


def ledger_of(viewer: Any, *, since: datetime.date | None = None) -> list[SmsLedgerEntry]:
    """The viewer's own movements, newest first (the page of the SMS balance)."""
    rows = SmsLedgerEntry.objects.visible_to(viewer)
    if since is not None:
        rows = rows.filter(created_at__date__gte=since)
    return list(rows.order_by("-created_at", "-pk")[:200])
