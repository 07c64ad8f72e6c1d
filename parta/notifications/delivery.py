"""NTF-1, NTF-3: events reach the channels a person chose — as background tasks.

``to_channels`` is an events receiver (it runs after the event's transaction committed): it
looks up, in a fixed number of queries whatever the number of recipients, who wants this
topic by which channel and has an address for it (for push: a browser switched on), writes
one ``Delivery`` per person and channel (``key``: once, however often the event is handled)
and enqueues a task for each — at once, or for an SMS or a push in quiet hours when they end
(a push notification lights up and sounds on a phone at night like an SMS; email waits in
the mailbox and goes at once).

``deliver`` (the task) sends one delivery and is idempotent: a delivery sent is not sent
again. A failure that may pass (the provider is down, the mail server refuses for now) is
retried after growing pauses (``PARTA_DELIVERY_RETRY_MINUTES``); after the last one, or at
once for a failure that cannot pass (no balance, a number the provider rejects), the
delivery is ``failed`` with its reason, which the operator sees in the admin. With a task
backend that cannot defer (the tests' immediate one) a delivery that must wait keeps
``not_before`` and ``manage.py deliver_due`` sends it when due.

A push delivery goes to every browser of the person (``parta.notifications.push``): it is
sent when one of them took it; a browser whose push service answers 404 or 410 is forgotten,
and with no browser left the delivery fails with that reason.
"""

from __future__ import annotations

import datetime
import functools
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, FilteredRelation, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from parta.core import events, sql, webpush
from parta.core.sms import SmsError
from parta.notifications import preferences, push
from parta.notifications.balance import sms_send_paid
from parta.notifications.models import Channel, Delivery, PushSubscription
from parta.notifications.selectors import render_message

logger = logging.getLogger("parta.delivery")

# SMS refusals that another try will not change.
_FINAL_SMS_CODES = {"recipient", "config"}


def _contacts(topic: str, people: list[int]) -> Any:
    from parta.accounts.models import User

    return (
        User.objects.filter(pk__in=people, is_active=True)
        .annotate(
            browsers=Exists(PushSubscription.objects.filter(person_id=OuterRef("pk"))),
            choice=FilteredRelation(
                "notification_preferences",
                condition=Q(notification_preferences__topic=topic),
            ),
        )
        .order_by()
        .values_list(
            "pk",
            "email",
            "phone",
            "browsers",
            "quiet_hours__enabled",
            "quiet_hours__start",
            "quiet_hours__end",
            "choice__child_id",
            "choice__channel",
            "choice__enabled",
        )
    )


# Who of the recipients can be reached how, their quiet hours (a row of their own or none:
# the defaults) and their stored choices for the event's topic (a row per choice, or one
# without any): compiled once per topic and number of recipients.
_CONTACTS = sql.Baked(_contacts)


@events.subscribe
def to_channels(event: events.Event) -> None:
    """NTF-1, NTF-3: make and enqueue the deliveries of ``event`` by email, SMS and push."""
    topic = preferences.EVENT_TOPICS.get(event.kind)
    if topic is None or not event.recipients:
        return
    people = list(event.recipients)
    contacts = {}
    quiet = {}
    stored = []
    for pk, email, phone, browsers, on, start, end, child, channel, enabled in _CONTACTS(
        (topic,), topic, people=people
    ):
        contacts[pk] = (email, phone, browsers)
        quiet[pk] = preferences.quiet_hours_from(on, start, end)
        if channel is not None:  # a stored choice (the join's row without any has none)
            stored.append((pk, child, topic, channel, enabled))
    choices = preferences.Choices.of(stored)
    offer_push = webpush.available()
    key = event.key or f"{event.kind}:{timezone.now().timestamp()}"
    rows: list[Delivery] = []
    for pk in people:
        if pk not in contacts:
            continue
        email, phone, browsers = contacts[pk]
        child = event.child_ids.get(pk)
        for channel, address in (
            (Channel.EMAIL, email),
            (Channel.SMS, phone),
            (Channel.PUSH, browsers and offer_push),
        ):
            if not address or not choices.wants(pk, child, topic, channel):
                continue
            rows.append(
                Delivery(
                    person_id=pk,
                    channel=channel,
                    kind=event.kind,
                    key=key[:160],
                    title=event.title,
                    body=event.body,
                    params=dict(event.params),
                    url=event.url,
                    child_id=child,
                    not_before=preferences.after_quiet_hours(quiet.get(pk))
                    if channel in preferences.QUIET_CHANNELS
                    else None,
                )
            )
    if not rows:
        return
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    # The ones this call made (or an earlier one left queued): enqueue each.
    queued = Delivery.objects.filter(
        person_id__in={r.person_id for r in rows},
        key=key[:160],
        status=Delivery.Status.QUEUED,
        attempts=0,
    ).values_list("pk", "not_before")
    for pk, not_before in queued:
        enqueue(pk, not_before)


def enqueue(delivery_id: int, not_before: datetime.datetime | None = None) -> None:
    """Hand one delivery to the task queue (deferred to ``not_before`` where it can be)."""
    from django_tasks import default_task_backend

    from parta.notifications.tasks import deliver

    if not_before is not None and not_before > timezone.now():
        if not default_task_backend.supports_defer:
            return  # manage.py deliver_due sends it when due
        deliver.using(run_after=not_before).enqueue(delivery_id)
        return
    deliver.enqueue(delivery_id)


def retry_pause(attempt: int) -> datetime.timedelta:
    """The pause after the ``attempt``-th failed try (1, 5, 30, 120 minutes by default)."""
    minutes = settings.PARTA_DELIVERY_RETRY_MINUTES
    return datetime.timedelta(minutes=minutes[min(attempt, len(minutes)) - 1])


class _Retry(Exception):
    """A failure that may pass: try again later."""


class _Final(Exception):
    """A failure that will not pass: stop here."""


def deliver_one(delivery_id: int) -> str:
    """Send one delivery; returns its state afterwards. Safe to call again at any time: a
    delivery sent, failed or not yet due is left as it is."""
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True)
            .select_related("person")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None:
            return "busy"  # another worker has it, or it is gone
        if row.status != Delivery.Status.QUEUED:
            return str(row.status)
        if row.not_before and row.not_before > timezone.now():
            return "not_due"
        row.attempts += 1
        row.save(update_fields=["attempts"])
    try:
        _send(row)
    except _Retry as exc:
        reason = str(exc)[:300]
        if row.attempts >= len(settings.PARTA_DELIVERY_RETRY_MINUTES) + 1:
            return _finish(row, Delivery.Status.FAILED, reason)
        not_before = timezone.now() + retry_pause(row.attempts)
        Delivery.objects.filter(pk=row.pk).update(last_error=reason, not_before=not_before)
        logger.info("delivery %s: %s; again at %s", row.pk, reason, not_before.isoformat())
        transaction.on_commit(lambda: enqueue(row.pk, not_before))
        return "retry"
    except _Final as exc:
        return _finish(row, Delivery.Status.FAILED, str(exc)[:300])
    return _finish(row, Delivery.Status.SENT, "")


def _finish(row: Delivery, status: str, reason: str) -> str:
    Delivery.objects.filter(pk=row.pk).update(
        status=status,
        last_error=reason,
        sent_at=timezone.now() if status == Delivery.Status.SENT else None,
    )
    if status == Delivery.Status.FAILED:
        logger.warning("delivery %s failed for good: %s", row.pk, reason)
    return status


def _texts(row: Delivery) -> tuple[str, str]:
    person = row.person
    with translation.override(person.language or settings.LANGUAGE_CODE):
        title = render_message(row.title, row.params)
        body = render_message(row.body, row.params) if row.body else ""
        subject = gettext("Парта: %(subject)s") % {"subject": title}
        lines = [title]
        if body:
            lines += ["", body]
        if row.url:
            lines += ["", settings.PARTA_SITE_URL.rstrip("/") + row.url]
        lines += [
            "",
            "—",
            gettext("Что приходит на почту и по SMS, выбирается в Парте: «Настройки уведомлений»."),
            settings.PARTA_SITE_URL.rstrip("/") + "/inbox/settings/",
        ]
    return subject, "\n".join(lines)


def _send(row: Delivery) -> None:
    person = row.person
    if row.channel == Channel.EMAIL:
        if not person.email:
            raise _Final("no email address")
        subject, text = _texts(row)
        message = EmailMessage(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise _Final(f"smtp: recipient refused {exc.recipients}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _Retry(f"smtp: {type(exc).__name__}: {exc}") from None
        return
    if row.channel == Channel.SMS:
        if not person.phone:
            raise _Final("no phone number")
        with translation.override(person.language or settings.LANGUAGE_CODE):
            text = gettext("Парта: %(subject)s") % {
                "subject": render_message(row.title, row.params)
            }
        try:
            result = sms_send_paid(
                person=person, phone=person.phone, text=text, reference=f"delivery:{row.pk}"
            )
        except SmsError as exc:
            reason = f"sms {exc.code}: {exc.detail}"
            if exc.code in _FINAL_SMS_CODES:
                raise _Final(reason) from None
            raise _Retry(reason) from None
        if result is None:
            raise _Final("no SMS balance")
        return
    if row.channel == Channel.PUSH:
        try:
            outcome = push.send_to_person(row)
        except push.Retry as exc:
            raise _Retry(str(exc)) from None
        except push.Final as exc:
            raise _Final(str(exc)) from None
        if outcome.failed:
            logger.info(
                "delivery %s: pushed to %s, not to: %s", row.pk, outcome.sent, outcome.failed
            )
        return
    raise _Final(f"unknown channel {row.channel}")


def deliver_due(limit: int = 1000) -> int:
    """Send the queued deliveries whose time has come (the fallback of a task backend that
    cannot defer, and a sweep after an outage); returns how many were tried."""
    now = timezone.now()
    due = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, not_before__lte=now)
        .order_by("not_before")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        deliver_one(pk)
    return len(due)


def deliveries_failed(limit: int = 100) -> list[Any]:
    """What finally failed, newest first, for the operator."""
    return list(
        Delivery.objects.filter(status=Delivery.Status.FAILED)
        .select_related("person")
        .order_by("-created_at")[:limit]
    )


def delivery_retry(deliveries: Any) -> int:
    """NTF-3: the operator sends failed deliveries again: queued afresh, tried at once."""
    ids = list(deliveries.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.QUEUED, attempts=0, not_before=None, last_error=""
    )
    for pk in ids:
        transaction.on_commit(functools.partial(enqueue, pk))
    return len(ids)
