"""Reads of the inbox: a person's own messages, rendered in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from parta.notifications.models import Notification


def inbox(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The person's notifications, newest first, with the child each one is about."""
    qs = Notification.objects.visible_to(user).select_related("child")
    if unread_only:
        qs = qs.unread()
    return qs.order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    return Notification.objects.visible_to(user).unread().count()


def render_message(msgid: str, params: Mapping[str, Any] | None) -> str:
    """A stored msgid in the reader's language, filled with its parameters.

    When the translation's placeholders do not fit the parameters (an older event, a
    catalogue with a typo), the msgid itself is filled; if even that fails, it is shown as
    it is: a person always reads something, never an error.
    """
    if not msgid:
        return ""
    values = dict(params or {})
    for template in (gettext(msgid), msgid):
        try:
            return template % values
        except (KeyError, ValueError, TypeError):
            continue
    return msgid


def title_of(notification: Notification) -> str:
    return render_message(notification.title, notification.params)


def body_of(notification: Notification) -> str:
    return render_message(notification.body, notification.params)


class LazyCount:
    """A number computed the first time a template reads ``.value``, and only then.

    The header shows the unread count; pages that never render the header (downloads, JSON,
    htmx fragments) never pay for the query.
    """

    def __init__(self, compute: Callable[[], int]) -> None:
        self._compute = compute
        self._value: int | None = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __int__(self) -> int:
        return self.value

    def __str__(self) -> str:
        return str(self.value)
