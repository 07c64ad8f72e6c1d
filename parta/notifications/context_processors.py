from typing import Any

from django.http import HttpRequest

from parta.notifications.selectors import LazyCount, unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The unread count for the header's badge: one small COUNT, and only when rendered."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"parta_inbox_unread": LazyCount(lambda: unread_count(user))}
