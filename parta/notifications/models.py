"""The in-app inbox: every event a person must hear about lands here (NTF-1, NTF-4).

The inbox always receives everything; the other channels (email, SMS, push) and the
person's choices among them come with the notifications issue, through the same receiver.
Apps that emit events never import this app: they call ``parta.core.events.emit``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.directory.models import VisibleQuerySet


class NotificationQuerySet(VisibleQuerySet):
    policy_object = "notification"

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message of a person's inbox.

    ``title`` and ``body`` are msgids with ``params``, rendered in the reader's language when
    shown; ``key`` makes delivery idempotent (one row per recipient and key).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("вид"), max_length=30)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True)
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("уведомление")
        verbose_name_plural = _("уведомления")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"


# --- the prepaid SMS balance (NTF-2) --------------------------------------------------------------
class SmsAccount(models.Model):
    """A person's SMS balance. The balance is not stored: it is the sum of the ledger. This
    row exists so that the debits of one person serialize on its lock (``balance.py``)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sms_account",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS-баланс")
        verbose_name_plural = _("SMS-балансы")

    def __str__(self) -> str:
        return str(self.person_id)


class SmsLedgerQuerySet(VisibleQuerySet):
    policy_object = "sms_ledger"


class SmsLedgerEntry(models.Model):
    """One movement of a person's SMS balance: a top-up, a debit for one SMS, or the refund
    of a debit whose SMS was not delivered. Amounts are signed (a debit is negative); rows
    are only ever added."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("пополнение")
        DEBIT = "debit", _("списание")
        REFUND = "refund", _("возврат")

    account = models.ForeignKey(SmsAccount, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("операция"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("сумма"), max_digits=12, decimal_places=2)
    # A top-up: the payment's id at the provider; a debit: the delivery it paid for.
    reference = models.CharField(max_length=120, blank=True)
    refund_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="refund"
    )
    note = models.CharField(_("примечание"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = SmsLedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("движение SMS-баланса")
        verbose_name_plural = _("движения SMS-баланса")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A payment credits once, a delivery is paid once, whatever is replayed.
            models.UniqueConstraint(
                fields=["account", "kind", "reference"],
                condition=Q(kind__in=["top_up", "debit"]) & ~Q(reference=""),
                name="sms_ledger_once",
            ),
            models.CheckConstraint(
                condition=(Q(kind="debit") & Q(amount__lt=0))
                | (Q(kind__in=["top_up", "refund"]) & Q(amount__gt=0)),
                name="sms_ledger_sign",
            ),
            models.CheckConstraint(
                condition=Q(kind="refund", refund_of__isnull=False)
                | (~Q(kind="refund") & Q(refund_of__isnull=True)),
                name="sms_ledger_refund_of_debit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.kind} {self.amount}"


class SmsPaymentQuerySet(VisibleQuerySet):
    policy_object = "sms_payment"


class SmsPayment(models.Model):
    """A top-up of a person's SMS balance being paid at the payment provider (NTF-2).

    ``idempotence_key`` comes from the form the person sent: the same form sent twice is the
    same payment, here and at the provider. The balance is credited only when the provider,
    asked directly, says the payment succeeded for exactly this amount — once, whatever the
    webhook replays (the ledger's top-up carries ``provider:payment id``)."""

    class Status(models.TextChoices):
        NEW = "new", _("создан")
        PENDING = "pending", _("ожидает оплаты")
        WAITING = "waiting_for_capture", _("ожидает подтверждения")
        SUCCEEDED = "succeeded", _("оплачен")
        CANCELED = "canceled", _("отменён")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sms_payments",
        db_index=False,  # sms_payment_person leads with it
    )
    provider = models.CharField(max_length=20)
    provider_payment_id = models.CharField(max_length=80, blank=True)
    idempotence_key = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(_("сумма"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        _("состояние"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    confirmation_url = models.URLField(max_length=500, blank=True)
    # Why the provider canceled it, or why it could not be credited (for the operator).
    failure = models.CharField(max_length=300, blank=True)
    ledger_entry = models.OneToOneField(
        SmsLedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SmsPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("оплата SMS-баланса")
        verbose_name_plural = _("оплаты SMS-баланса")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="sms_payment_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="sms_payment_provider_id",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sms_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_payment_id or self.idempotence_key}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.PENDING, self.Status.WAITING)


# --- the notification manager (NTF-1) and delivery through the channels ----------------------------
class Topic(models.TextChoices):
    """What a notification is about: the rows of a person's notification settings."""

    NEW_GRADE = "new_grade", _("новая оценка")
    GRADE_DIGEST = "grade_digest", _("оценки за неделю")
    HOMEWORK = "homework", _("домашнее задание")
    ABSENCE = "absence", _("пропуск урока")
    SCHEDULE_CHANGE = "schedule_change", _("изменение расписания")
    VERIFICATION = "verification", _("результат проверки")
    MESSAGE = "message", _("новое сообщение")
    ANNOUNCEMENT = "announcement", _("объявление")


class Channel(models.TextChoices):
    """Where a notification goes besides the inbox, which always receives everything."""

    EMAIL = "email", _("электронная почта")
    SMS = "sms", _("SMS")
    PUSH = "push", _("push-уведомления")


class PreferenceQuerySet(VisibleQuerySet):
    policy_object = "notification_preference"


class NotificationPreference(models.Model):
    """NTF-1: whether ``person`` wants ``topic`` by ``channel`` — about ``child`` (a parent's
    choice for one child), or about themselves when ``child`` is empty. What is not stored
    follows the defaults of ``parta.notifications.preferences``."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,  # notification_preference_once leads with it
    )
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(_("о чём"), max_length=20, choices=Topic.choices)
    channel = models.CharField(_("канал"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("присылать"))

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("настройка уведомлений")
        verbose_name_plural = _("настройки уведомлений")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "child", "topic", "channel"],
                nulls_distinct=False,
                name="notification_preference_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}/{self.child_id}: {self.topic} {self.channel} {self.enabled}"


class QuietHours(models.Model):
    """NTF-1: the hours in which SMS and push notifications wait until the morning (the inbox
    and email do not). No row: the defaults (``PARTA_QUIET_HOURS``)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="quiet_hours",
    )
    enabled = models.BooleanField(_("не беспокоить"), default=True)
    start = models.TimeField(_("с"))
    end = models.TimeField(_("до"))

    class Meta:
        verbose_name = _("тихие часы")
        verbose_name_plural = _("тихие часы")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.start}-{self.end}"


class DeliveryQuerySet(VisibleQuerySet):
    policy_object = "delivery"


class Delivery(models.Model):
    """One notification on its way to one person by one channel (email, SMS, push).

    Made after the event's transaction commits, sent by a background task; ``key`` makes it
    once per person, channel and event however often the event is handled. A failure is
    retried with growing pauses; what finally fails keeps its reason for the operator."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("в очереди")
        SENT = "sent", _("отправлено")
        FAILED = "failed", _("не доставлено")
        SKIPPED = "skipped", _("пропущено")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("канал"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("вид"), max_length=30)
    key = models.CharField(max_length=160)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    not_before = models.DateTimeField(_("не раньше"), null=True, blank=True)
    last_error = models.CharField(_("причина"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("доставка уведомления")
        verbose_name_plural = _("доставки уведомлений")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status")]
        constraints = [
            models.UniqueConstraint(fields=["person", "channel", "key"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.channel} {self.kind}: {self.status}"


# --- web push (NTF-3) -----------------------------------------------------------------------------
class PushSubscriptionQuerySet(VisibleQuerySet):
    policy_object = "push_subscription"


class PushSubscription(models.Model):
    """NTF-3: one browser in which a person receives push notifications.

    ``endpoint`` is the browser's address at its push service (a secret: whoever knows it
    with the keys can send to the browser); ``p256dh`` and ``auth`` are the browser's keys the
    payload is encrypted with. One endpoint is one browser, so it belongs to one person at a
    time: the last one who switched push on in it. A push service that answers 404 or 410
    for it has forgotten it, and so do we (``parta.notifications.push``)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # "Chrome, Android": for the person to tell their browsers apart (not the whole User-Agent).
    user_agent = models.CharField(_("браузер"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("подключён"), auto_now_add=True)
    last_success_at = models.DateTimeField(_("последняя доставка"), null=True, blank=True)
    # Failures since the last success and the last one's reason (the delivery keeps it too).
    failures = models.PositiveSmallIntegerField(_("сбоев подряд"), default=0)
    last_error = models.CharField(_("причина"), max_length=300, blank=True)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("подписка на push-уведомления")
        verbose_name_plural = _("подписки на push-уведомления")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.user_agent or self.pk}"
