"""Writes of the inbox: marking messages read (NTF-1, NTF-4)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from parta.notifications.models import Notification


def notification_read(*, user: Any, notification: Notification) -> Notification:
    """NTF-1: mark one of the person's own messages read (again is harmless)."""
    with transaction.atomic():
        if notification.read_at is None:
            notification.read_at = timezone.now()
            Notification.objects.visible_to(user).filter(
                pk=notification.pk, read_at__isnull=True
            ).update(read_at=notification.read_at)
    return notification


def notifications_read_all(*, user: Any) -> int:
    """NTF-1: mark every unread message of the person read; returns how many."""
    with transaction.atomic():
        return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
