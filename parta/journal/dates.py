"""What "today" is for a school: the date in its region's time zone (ENGINEERING: habits)."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.utils import timezone


def school_zone(organization: Any | None) -> datetime.tzinfo:
    """The time zone of the organization's region; the server's when unknown or invalid."""
    name = ""
    if organization is not None:
        try:
            name = organization.municipality.region.timezone
        except AttributeError:
            name = ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_current_timezone()


def school_today(organization: Any | None) -> datetime.date:
    return timezone.now().astimezone(school_zone(organization)).date()
