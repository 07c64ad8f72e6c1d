"""The header's two badges — unread notifications and unread conversations — in one query."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parta.messaging.selectors import badge_counts
from parta.notifications.selectors import LazyCount


class _HeaderCounts:
    """Both counts from one statement, made the first time a template reads either."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._values: list[int] | None = None

    def get(self, index: int) -> int:
        if self._values is None:
            self._values = list(badge_counts(self.user))
        return self._values[index]


def header_counts(request: HttpRequest) -> dict[str, Any]:
    """NTF-1, MSG-1: the badges; pages that never render the header never pay for them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = _HeaderCounts(user)
    return {
        "parta_inbox_unread": LazyCount(lambda: counts.get(0)),
        "parta_messages_unread": LazyCount(lambda: counts.get(1)),
    }
