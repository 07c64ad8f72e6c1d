"""NTF-2: the prepaid SMS balance — a ledger whose sum is the balance; top-ups credited once,
debits refused without money, refunds for what was not delivered, and a hundred debits at
once against money for fifty (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from parta import factories as f
from parta.core.errors import DomainError
from parta.core.sms import SmsError
from parta.notifications import balance
from parta.notifications.models import Notification, SmsLedgerEntry
from parta.security.tests.sms_server import smsru_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_balance_is_the_sum_of_the_ledger() -> None:
    person = f.UserFactory()
    assert balance.balance_of(person) == Decimal("0.00")
    balance.sms_top_up(person=person, amount=Decimal("100.00"), reference="pay-1")
    debit = balance.sms_debit(person=person, amount=Decimal("3.00"), reference="d-1")
    balance.sms_debit(person=person, amount=Decimal("6.00"), reference="d-2")
    balance.sms_refund(debit=debit, note="not delivered")
    assert balance.balance_of(person) == Decimal("94.00")
    kinds = [e.kind for e in SmsLedgerEntry.objects.filter(account__person=person)]
    assert sorted(kinds) == ["debit", "debit", "refund", "top_up"]
    assert debit.amount == Decimal("-3.00")


def test_a_replayed_payment_credits_once_and_a_delivery_is_paid_once() -> None:
    person = f.UserFactory()
    first, created = balance.sms_top_up(person=person, amount=Decimal("50"), reference="yk-77")
    again, created_again = balance.sms_top_up(
        person=person, amount=Decimal("50"), reference="yk-77"
    )
    assert created and not created_again and again.pk == first.pk
    one = balance.sms_debit(person=person, amount=Decimal("3"), reference="delivery:9")
    two = balance.sms_debit(person=person, amount=Decimal("3"), reference="delivery:9")
    assert one.pk == two.pk
    assert balance.balance_of(person) == Decimal("47.00")


def test_no_money_no_debit_and_a_refund_is_given_once() -> None:
    person = f.UserFactory()
    balance.sms_top_up(person=person, amount=Decimal("5"), reference="p")
    debit = balance.sms_debit(person=person, amount=Decimal("3"), reference="a")
    with pytest.raises(DomainError) as caught:
        balance.sms_debit(person=person, amount=Decimal("3"), reference="b")
    assert caught.value.code == "no_balance"
    assert "Пополните баланс" in str(caught.value)
    refund = balance.sms_refund(debit=debit)
    assert balance.sms_refund(debit=debit).pk == refund.pk
    assert balance.balance_of(person) == Decimal("5.00")
    with pytest.raises(DomainError):
        balance.sms_refund(debit=refund)


def test_wrong_amounts_are_refused_by_the_services_and_by_the_database() -> None:
    from django.db import IntegrityError, transaction

    person = f.UserFactory()
    with pytest.raises(DomainError):
        balance.sms_top_up(person=person, amount=Decimal("0"), reference="x")
    with pytest.raises(DomainError):
        balance.sms_debit(person=person, amount=Decimal("-1"), reference="y")
    account = balance.SmsAccount.objects.create(person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsLedgerEntry.objects.create(account=account, kind="debit", amount=Decimal("5"))


def test_a_person_sees_only_their_own_ledger(cast) -> None:
    mine, theirs = cast.parent, cast.other_parent
    balance.sms_top_up(person=mine, amount=Decimal("10"), reference="m")
    balance.sms_top_up(person=theirs, amount=Decimal("20"), reference="t")
    assert [e.reference for e in balance.ledger_of(mine)] == ["m"]
    assert [e.reference for e in SmsLedgerEntry.objects.visible_to(theirs)] == ["t"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("Новая оценка: 5", 1),
        ("ж" * 70, 1),
        ("ж" * 71, 2),
        ("ә" * 135, 3),
    ],
)
def test_the_price_follows_the_parts_the_provider_bills(settings, text, parts) -> None:
    settings.PARTA_SMS_PRICE = "2.50"
    assert balance.sms_parts(text) == parts
    assert balance.sms_price(text) == Decimal("2.50") * parts


def test_a_paid_sms_is_sent_and_a_refused_one_refunded(smsru_server) -> None:  # noqa: F811
    import json

    person = f.UserFactory()
    balance.sms_top_up(person=person, amount=Decimal("9"), reference="p")
    result = balance.sms_send_paid(
        person=person, phone="+79123456789", text="Новая оценка: 5", reference="n:1"
    )
    assert result is not None and smsru_server.last_text == "Новая оценка: 5"
    assert balance.balance_of(person) == Decimal("6.00")
    smsru_server.body = json.dumps({"status": "ERROR", "status_code": 220, "status_text": "x"})
    with pytest.raises(SmsError):
        balance.sms_send_paid(person=person, phone="+79123456789", text="ещё", reference="n:2")
    assert balance.balance_of(person) == Decimal("6.00")
    refund = SmsLedgerEntry.objects.get(account__person=person, kind="refund")
    assert refund.refund_of.reference == "n:2" and "refused" in refund.note
    # The delivery's retry does not pay twice nor send again what was refunded.
    sent_before = len(smsru_server.requests)
    again = balance.sms_send_paid(person=person, phone="+79123456789", text="ещё", reference="n:2")
    assert again is None and len(smsru_server.requests) == sent_before


def test_without_money_nothing_is_sent_and_the_person_is_told_once_a_day(
    smsru_server,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    person = f.UserFactory()
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            sent = balance.sms_send_paid(
                person=person, phone="+79123456789", text="Оценка", reference=f"z:{n}"
            )
        assert sent is None
    assert smsru_server.requests == []
    told = Notification.objects.filter(recipient=person, kind="sms_no_balance")
    assert told.count() == 1
    assert told.get().url == balance.SMS_BALANCE_URL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_hundred_debits_at_once_against_money_for_fifty() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    person = f.UserFactory()
    balance.sms_top_up(person=person, amount=Decimal("50.00"), reference="pay")
    # A hundred debits start together; at most 32 hold a connection at once, so the test
    # stays under PostgreSQL's default max_connections (100) beside the other sessions.
    barrier = threading.Barrier(100)
    connections = threading.BoundedSemaphore(32)
    done: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def debit(n: int) -> None:
        try:
            barrier.wait()
            with connections:
                try:
                    balance.sms_debit(person=person, amount=Decimal("1.00"), reference=f"d:{n}")
                finally:
                    connection.close()
            done.append(n)
        except DomainError as exc:
            if exc.code == "no_balance":
                refused.append(n)
            else:
                errors.append(exc)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=debit, args=(n,)) for n in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(done) == 50 and len(refused) == 50
    entries = SmsLedgerEntry.objects.filter(account__person=person)
    assert entries.filter(kind="debit").count() == 50
    assert balance.balance_of(person) == Decimal("0.00")
    assert sum(e.amount for e in entries) == balance.balance_of(person)
