"""Template helpers of the diary (JRN-8).

- ``{% diary_digest student school_class_id %}`` — the diary's card on a student's or a
  parent's home page: today's lessons, homework due tomorrow, the latest marks (three
  queries, whatever the data size).
- ``{% week_range first last %}`` — "10–15 ноября 2026" in the reader's language.
- ``mark|attendance_code`` and ``mark|attendance_text`` — "Н" and "отсутствовал" from the
  attendance label, so Kazakh readers see their own letters.
- ``value|mark_tone:scale`` — the CSS class of a mark's colour.
- ``user|enters_achievements`` — whether to offer the class's achievements page.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import dateformat

from parta.core import access
from parta.journal.selectors import diary as selectors

register = template.Library()

_SEPARATOR = " — "


@register.inclusion_tag("journal/diary_digest.html", takes_context=True)
def diary_digest(context: Any, student: Any, school_class_id: int) -> dict[str, Any]:
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if viewer is None or not viewer.is_authenticated:
        return {"digest": None}
    digest = selectors.diary_digest(viewer=viewer, student=student, school_class_id=school_class_id)
    return {
        "digest": digest,
        "student": student,
        "is_own": student.pk == viewer.pk,
        "school_class_id": school_class_id,
        "tomorrow": digest.today + datetime.timedelta(days=1),
    }


@register.simple_tag
def week_range(first: datetime.date, last: datetime.date) -> str:
    if first.year != last.year:
        return f"{dateformat.format(first, 'j E Y')} – {dateformat.format(last, 'j E Y')}"
    if first.month != last.month:
        return f"{dateformat.format(first, 'j E')} – {dateformat.format(last, 'j E Y')}"
    return f"{first.day}–{dateformat.format(last, 'j E Y')}"


def _parts(mark: Any) -> tuple[str, str]:
    if not mark or not getattr(mark, "attendance", ""):
        return "", ""
    label = str(mark.get_attendance_display())
    code, _sep, text = label.partition(_SEPARATOR)
    return code.strip(), (text or label).strip()


@register.filter
def attendance_code(mark: Any) -> str:
    return _parts(mark)[0]


@register.filter
def attendance_text(mark: Any) -> str:
    return _parts(mark)[1]


@register.filter
def mark_tone(value: Any, scale: Any = 5) -> str:
    """The colour of a mark by its share of the scale (5 of 5, 9 of 10 look alike)."""
    try:
        share = float(value) / float(scale or 5)
    except (TypeError, ValueError, ZeroDivisionError):
        return "mark-none"
    if share >= 0.85:
        return "mark-5"
    if share >= 0.65:
        return "mark-4"
    if share >= 0.5:
        return "mark-3"
    return "mark-2"


@register.filter
def enters_achievements(user: Any) -> bool:
    return access.may(user, "achievement", "change")
