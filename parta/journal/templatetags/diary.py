"""Template helpers of the diary (JRN-8).

- ``{% diary_digest student school_class_id %}`` — the diary's card on a student's or a
  parent's home page: today's lessons, homework due tomorrow, the latest marks (three
  queries, whatever the data size).
- ``{% week_range first last %}`` — "10–15 ноября 2026" in the reader's language.
- ``mark|attendance_code`` and ``mark|attendance_text`` — "Н" and "отсутствовал" from the
  attendance label, so Kazakh readers see their own letters.
- ``value|mark_tone:scale`` — the CSS class of a mark's colour.
- ``user|enters_achievements`` — whether to offer the class's achievements page.
- ``{% diary_lessons day.lessons weighted scale %}`` — the lessons of a diary day, in Python.
"""

from __future__ import annotations

import datetime
from html import escape
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat, floatformat
from django.utils import dateformat
from django.utils.dateformat import time_format
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


# --- the lessons of a diary day ------------------------------------------------------------------
def _files_html(files: list[dict[str, Any]]) -> list[str]:
    out = []
    for file in files:
        size = (
            f' <span class="text-muted small">({escape(filesizeformat(file["size"]))})</span>'
            if file.get("size")
            else ""
        )
        out.append(f'<li><a href="{escape(file["url"])}">{escape(file["name"])}</a>{size}</li>')
    return out


def _lesson_html(line: Any, weighted: bool, scale: Any) -> str:
    lesson, mark = line.lesson, line.mark
    cancelled, substituted = lesson.is_cancelled, line.is_substituted
    css = "diary-lesson" + (" is-cancelled" if cancelled else "")
    css += " is-substituted" if substituted else ""
    out = [
        f'<li class="{css}"><div class="diary-when"><span class="diary-number">',
        f'<span class="visually-hidden">{escape(_("Урок"))} </span>{lesson.number}</span>',
    ]
    if lesson.starts_at:
        out.append(
            f'<span class="diary-time">{time_format(lesson.starts_at, "G:i")}–'
            f"{time_format(lesson.ends_at, 'G:i')}</span>"
        )
    subject = escape(lesson.subject.name)
    out.append('</div><div class="diary-main"><h4 class="diary-subject">')
    out.append(f"<s>{subject}</s></h4>" if cancelled else f"{subject}</h4>")
    if cancelled:
        out.append(f'<p class="diary-flag diary-flag-cancelled">{escape(_("Урок отменён"))}</p>')
    out.append('<p class="diary-meta">')
    if substituted:
        who = _("ведёт %(substitute)s вместо %(teacher)s") % {
            "substitute": lesson.substitute.short_name,
            "teacher": lesson.teacher.short_name,
        }
        out.append(
            f'<span class="diary-flag diary-flag-substitute">{escape(_("Замена"))}</span> '
            f"{escape(who)}"
        )
    else:
        out.append(escape(lesson.teacher.short_name))
    if lesson.room:
        out.append(" · " + escape(_("каб. %(room)s") % {"room": lesson.room}))
    out.append("</p>")
    if lesson.topic:
        out.append(
            f'<p class="diary-topic"><span class="diary-label">{escape(_("Тема:"))}</span> '
            f"{escape(lesson.topic)}</p>"
        )
    if lesson.homework or line.homework_files or line.links:
        out.append(
            f'<div class="diary-homework"><p class="diary-label mb-1">{escape(_("Домашнее задание"))}'
        )
        if lesson.homework_due:
            due = _("к %(due)s") % {"due": date_format(lesson.homework_due, "j E")}
            out.append(f' <span class="diary-due">{escape(due)}</span>')
        out.append("</p>")
        # Stored HTML was sanitized by the lesson services when it was saved (richtext.py).
        if lesson.homework:
            out.append(f'<div class="diary-html">{lesson.homework}</div>')
        if line.homework_files or line.links:
            out.append('<ul class="diary-attachments">')
            out.extend(_files_html(line.homework_files))
            new_tab = escape(_("откроется в новой вкладке"))
            for link in line.links:
                out.append(
                    f'<li><a href="{escape(link["url"])}" rel="noopener noreferrer nofollow"'
                    f' target="_blank">{escape(link["title"])}'
                    f'<span class="visually-hidden"> ({new_tab})</span></a></li>'
                )
            out.append("</ul>")
        out.append("</div>")
    if lesson.materials or line.material_files:
        out.append(
            f'<details class="diary-materials"><summary>{escape(_("Материалы урока"))}</summary>'
        )
        if lesson.materials:
            out.append(f'<div class="diary-html">{lesson.materials}</div>')
        if line.material_files:
            out.append('<ul class="diary-attachments">')
            out.extend(_files_html(line.material_files))
            out.append("</ul>")
        out.append("</details>")
    out.append('</div><div class="diary-result">')
    if mark is not None and mark.value:
        out.append(
            f'<p class="diary-mark-line"><span class="diary-mark {mark_tone(mark.value, scale)}">'
            f'<span class="visually-hidden">{escape(_("Оценка"))} </span>{mark.value}</span>'
        )
        if mark.grade_type_id and mark.grade_type is not None:
            out.append(f' <span class="diary-gtype">{escape(mark.grade_type.name)}</span>')
        out.append("</p>")
    if mark is not None and mark.attendance:
        code, text = _parts(mark)
        out.append(
            f'<p class="diary-att-line"><span class="diary-att att-{escape(mark.attendance)}"'
            f' aria-hidden="true">{escape(code)}</span> <span class="diary-att-text">'
            f"{escape(text)}</span>"
        )
        if mark.reason:
            out.append(f'<span class="text-muted"> ({escape(mark.reason)})</span>')
        out.append("</p>")
    if mark is not None and mark.comment:
        out.append(
            f'<p class="diary-comment"><span class="visually-hidden">'
            f"{escape(_('Комментарий учителя:'))} </span>«{escape(mark.comment)}»</p>"
        )
    average = line.average
    if average is not None and average.count and not cancelled:
        shown = floatformat(average.weighted if weighted else average.plain, 2)
        out.append(
            f'<p class="diary-avg">{escape(_("Средний балл"))}: <strong>{escape(shown)}</strong></p>'
        )
    out.append("</div></li>")
    return "".join(out)


@register.simple_tag
def diary_lessons(lines: list[Any], weighted: bool, scale: Any) -> SafeString:
    """JRN-8: the ``<li>`` of each lesson of a diary day — subject, teacher or substitute,
    room, topic, homework with files and links, materials, the mark, attendance, comment and
    the subject's average. Plain Python, as the grid's cells: a week of 30 lessons cost the
    template language most of the diary's time. Every value is escaped; homework and
    materials are HTML the lesson services sanitized when they were saved."""
    return mark_safe("".join(_lesson_html(line, weighted, scale) for line in lines))  # noqa: S308
