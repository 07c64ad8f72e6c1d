"""How the statistics pages write their numbers (JRN-9): a dash where there is none."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def average(value: Decimal | None) -> str:
    """4.25 as "4,25" (in the reader's language); a dash when there are no marks."""
    return "—" if value is None else number_format(value, 2)


@register.filter
def share(value: Decimal | None) -> str:
    """A percentage as "33,3 %" (whole numbers without decimals); a dash when unknown."""
    if value is None:
        return "—"
    decimals = 0 if value == value.to_integral_value() else 1
    return f"{number_format(value, decimals)}\u00a0%"


@register.filter
def signed(value: Decimal | None) -> str:
    """A change as "+0,50" or "−0,50" (a real minus sign); a dash when unknown."""
    if value is None:
        return "—"
    text = number_format(abs(value), 2)
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"\u2212{text}"
    return text


@register.filter
def css_percent(value: Any) -> str:
    """A percentage for a CSS width: always with a dot, whatever the language."""
    try:
        return f"{float(value or 0):.1f}"
    except (TypeError, ValueError):
        return "0"


@register.filter
def below(value: Decimal | None, threshold: Decimal) -> bool:
    return value is not None and value < threshold


@register.filter
def trend_kind(value: Decimal | None, threshold: Decimal) -> str:
    """ "down", "up" or "flat": whether a change of the average is as large as the rule's."""
    if value is None:
        return ""
    if value <= -threshold:
        return "down"
    if value >= threshold:
        return "up"
    return "flat"


@register.filter
def at_least(value: Decimal | None, threshold: Decimal) -> bool:
    return value is not None and value >= threshold
