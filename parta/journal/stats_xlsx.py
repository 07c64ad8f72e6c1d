"""The class teacher's table as an Excel workbook (JRN-9): the same numbers as the page.

Sheet one is the students × subjects table of averages with each student's overall average
and missed lessons; sheet two is the class per subject. Names are written as text, never as
formulas: a name that begins with "=" must not run in the reader's spreadsheet.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from parta.journal.selectors.statistics import ClassStats

_AVERAGE = "0.00"
_PERCENT = "0.0"


def _put(sheet: Any, row: int, column: int, value: Any, number_format: str = "") -> Any:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # text even when it starts with "=", "+", "-" or "@"
    else:
        cell.value = value
        if number_format and isinstance(value, int | float | Decimal):
            cell.number_format = number_format
    return cell


def note(stats: ClassStats) -> str:
    """How the averages are counted, for the reader of the file."""
    if stats.weighted:
        return _(
            "Средний балл по предмету — с весами видов работ: Σ(оценка × вес) / Σ весов. "
            "Средний по предметам — среднее средних баллов ученика по предметам."
        )
    return _(
        "Средний балл по предмету — среднее арифметическое оценок. "
        "Средний по предметам — среднее средних баллов ученика по предметам."
    )


def class_workbook(stats: ClassStats) -> bytes:
    """JRN-9: the class's statistics for the term as an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ref = stats.ref
    term = ref.period.term
    bold = Font(bold=True)
    caption = _("Класс %(class)s, %(term)s (%(start)s – %(end)s), по %(day)s") % {
        "class": ref.school_class.name,
        "term": term.name,
        "start": term.starts_on.strftime("%d.%m.%Y"),
        "end": term.ends_on.strftime("%d.%m.%Y"),
        "day": ref.period.day.strftime("%d.%m.%Y"),
    }
    average_label = _("Средний балл с весами") if stats.weighted else _("Средний балл")

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ученики и предметы")[:31]
    _put(sheet, 1, 1, caption).font = bold
    header = [
        _("№"),
        _("Ученик"),
        *[c.name for c in stats.columns],
        _("Средний по предметам"),
        _("Пропущено уроков"),
        _("Пропущено, %"),
    ]
    for col, text in enumerate(header, start=1):
        cell = _put(sheet, 3, col, text)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, line in enumerate(stats.rows, start=1):
        r = 3 + number
        _put(sheet, r, 1, number)
        _put(sheet, r, 2, line.student.full_name)
        col = 3
        for value in line.averages():
            _put(sheet, r, col, value, _AVERAGE)
            col += 1
        _put(sheet, r, col, line.average, _AVERAGE)
        _put(sheet, r, col + 1, line.missed)
        _put(sheet, r, col + 2, line.missed_percent, _PERCENT)
    r = 4 + len(stats.rows)
    _put(sheet, r, 2, _("Класс")).font = bold
    col = 3
    for column in stats.columns:
        _put(sheet, r, col, column.average, _AVERAGE).font = bold
        col += 1
    _put(sheet, r, col, stats.average, _AVERAGE).font = bold
    _put(sheet, r, col + 1, stats.missed).font = bold
    _put(sheet, r, col + 2, stats.missed_percent, _PERCENT).font = bold
    _put(sheet, r + 2, 2, note(stats))
    sheet.freeze_panes = "C4"
    sheet.column_dimensions["A"].width = 5
    sheet.column_dimensions["B"].width = 32
    for col in range(3, len(header) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 14
    sheet.row_dimensions[3].height = 45

    subjects = workbook.create_sheet(_("По предметам")[:31])
    _put(subjects, 1, 1, caption).font = bold
    header = [
        _("Предмет"),
        _("Уроков проведено"),
        _("Уроков по плану"),
        _("Оценок"),
        average_label,
        _("Качество, % («4» и «5»)"),
        _("Успеваемость, % (без «2»)"),
        "5",
        "4",
        "3",
        "2",
        _("Пропущено уроков"),
        _("Пропущено, %"),
        _("Без уважительной причины (Н)"),
        _("Опозданий"),
        _("Уроков без темы"),
        _("Уроков без домашнего задания"),
    ]
    for col, text in enumerate(header, start=1):
        cell = _put(subjects, 3, col, text)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, column in enumerate(stats.columns, start=1):
        r = 3 + number
        t = column.total
        values: list[tuple[Any, str]] = [
            (column.name, ""),
            (column.lessons.held, ""),
            (column.lessons.planned, ""),
            (t.all.count, ""),
            (column.average, _AVERAGE),
            (t.quality, _PERCENT),
            (t.success, _PERCENT),
            (t.fives, ""),
            (t.fours, ""),
            (t.threes, ""),
            (t.twos, ""),
            (t.missed, ""),
            (column.missed_percent, _PERCENT),
            (t.absent, ""),
            (t.late, ""),
            (column.lessons.without_topic, ""),
            (column.lessons.without_homework, ""),
        ]
        for col, (value, fmt) in enumerate(values, start=1):
            _put(subjects, r, col, value, fmt)
    subjects.freeze_panes = "B4"
    subjects.column_dimensions["A"].width = 28
    for col in range(2, len(header) + 1):
        subjects.column_dimensions[get_column_letter(col)].width = 13
    subjects.row_dimensions[3].height = 60

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
