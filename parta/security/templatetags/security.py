"""Template helpers of the login settings."""

from __future__ import annotations

from django import template

from parta.security.devices import describe_device

register = template.Library()


@register.filter
def device_name(user_agent: str) -> str:
    """A session's browser and system in words, e.g. "Chrome, Android"."""
    return describe_device(user_agent)


@register.filter
def phone_display(phone: str) -> str:
    """+79001112233 → +7 900 111-22-33 (Russia and Kazakhstan); other numbers as they are."""
    if len(phone) == 12 and phone.startswith("+7") and phone[1:].isdigit():
        d = phone[2:]
        return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"
    return phone


@register.filter
def in_groups(secret: str, size: int = 4) -> str:
    """A key to type by hand, in groups of four: authenticator apps ignore the spaces."""
    return " ".join(secret[i : i + size] for i in range(0, len(secret), size))
