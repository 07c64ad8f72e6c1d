"""Template tags of the teacher's journal (JRN-4).

- ``teacher_journals``: the signed-in teacher's journals for the role home (accounts app).
- ``grid_head`` and ``grid_body``: the grid's header row and rows. A 30 × 50 grid has 1,500
  cells; written here in plain Python they cost a millisecond or two, where the template
  language spent most of the page's time on them. Every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parta.journal.selectors.grid import Grid, my_journals

register = template.Library()


@register.inclusion_tag("journal/teacher_home_journals.html", takes_context=True)
def teacher_journals(context: dict[str, Any]) -> dict[str, Any]:
    """The journals the signed-in teacher keeps, linked to their grids (three queries)."""
    return {"links": my_journals(context["request"].user, taught_only=True).taught}


def _hidden(text: str) -> str:
    return f'<span class="visually-hidden">{escape(text)}</span>'


@register.simple_tag
def grid_head(grid: Grid) -> SafeString:
    """The lesson columns of the header row: date, lesson number, grade type, marks."""
    lesson_word, type_word = _("урок"), _("вид работы")
    cancelled_word, substitute_word = _("отменён"), _("замена")
    parts = []
    for index, column in enumerate(grid.columns):
        lesson = column.lesson
        css = "jg-h"
        if lesson.is_cancelled:
            css += " jg-x"
        if index == grid.focus_column:
            css += " jg-today"
        date = formats.date_format(lesson.date, "d.m")
        label = _("%(date)s, урок %(number)s") % {"date": date, "number": lesson.number}
        attrs = f' data-l="{lesson.pk}" data-label="{escape(label)}"'
        if column.lock:
            attrs += f' data-lock="{escape(column.lock)}"'
        if column.can_retype:
            attrs += f' data-gt="{lesson.grade_type_id or ""}"'
        if lesson.topic:
            attrs += f' title="{escape(lesson.topic)}"'
        kind = lesson.grade_type.name if lesson.grade_type else "—"
        cell = [
            f'<th scope="col" class="{css}"{attrs}>',
            f'<span class="jg-d">{date}</span>',
            f'<span class="jg-n">{_hidden(lesson_word + " ")}{lesson.number}</span>',
            f'<span class="jg-gt" data-gt-label>{_hidden(f"{type_word}: {kind}, ")}'
            f'<span aria-hidden="true">{escape(column.type_label)}</span></span>',
        ]
        if lesson.is_cancelled:
            cell.append(f'<span class="jg-tag">{escape(cancelled_word)}</span>')
        if lesson.substitute_id and lesson.substitute is not None:
            name = lesson.substitute.short_name
            title = _("Замена: %(name)s") % {"name": name}
            cell.append(
                f'<span class="jg-tag" title="{escape(title)}">{escape(substitute_word)}'
                f"{_hidden(': ' + name)}</span>"
            )
        cell.append("</th>")
        parts.append("".join(cell))
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


@register.simple_tag
def grid_body(grid: Grid) -> SafeString:
    """The rows: the student, a cell per lesson, the averages and the final grades."""
    reason_word, comment_word = _("причина"), _("комментарий")
    term_id = grid.term.pk if grid.term else ""
    final_css = "jg-f jg-ro" if grid.final_lock else "jg-f"
    year_css = "jg-f jg-ro" if grid.year_lock else "jg-f"
    out = []
    escaped: dict[str, str] = {}
    for number, row in enumerate(grid.rows, start=1):
        name = escape(row.name)
        out.append(
            f'<tr data-s="{row.student_id}"><th scope="row" class="jg-name" data-name="{name}">'
            f'<span class="jg-num" aria-hidden="true">{number}</span> '
            f'<span title="{escape(row.full_name)}">{name}</span></th>'
        )
        for cell in row.cells:
            text = escaped.get(cell.text)
            if text is None:
                text = escaped[cell.text] = escape(cell.text)
            if not (cell.comment or cell.reason):
                out.append(f'<td class="jg-c{cell.css}" data-v="{cell.version}">{text}</td>')
                continue
            spoken = []
            attrs = ""
            if cell.reason:
                attrs += f' data-r="{escape(cell.reason)}"'
                spoken.append(f"{reason_word}: {cell.reason}.")
            if cell.comment:
                attrs += f' data-c="{escape(cell.comment)}"'
                spoken.append(f"{comment_word}: {cell.comment}")
            title = " · ".join(x for x in (cell.reason, cell.comment) if x)
            out.append(
                f'<td class="jg-c{cell.css}" data-v="{cell.version}"{attrs} '
                f'title="{escape(title)}">{text}'
                f'<span class="jg-note">{_hidden(" ".join(spoken))}</span></td>'
            )
        out.append(f'<td class="jg-s" data-sum="plain">{row.plain}</td>')
        if grid.weighted:
            out.append(f'<td class="jg-s" data-sum="weighted">{row.weighted}</td>')
        out.append(f'<td class="jg-s jg-sugg" data-sum="suggested">{row.suggested}</td>')
        out.append(
            f'<td class="{final_css}" data-final="{term_id}" '
            f'data-v="{row.term_final.version}">{row.term_final.text}</td>'
        )
        if grid.is_last_term and row.year_final is not None:
            out.extend(f'<td class="jg-s">{f.text}</td>' for f in row.earlier_finals)
            out.append(
                f'<td class="jg-s jg-sugg" data-sum="year_suggested">{row.year_suggested}</td>'
            )
            out.append(
                f'<td class="{year_css}" data-final="year" '
                f'data-v="{row.year_final.version}">{row.year_final.text}</td>'
            )
        out.append("</tr>")
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
