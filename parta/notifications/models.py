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
