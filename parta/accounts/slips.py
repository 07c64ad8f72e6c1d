"""Credential slips (ACC-2): a PDF with one cut-out slip per person, four to an A4 page.

Drawn with fpdf2 (docs/decisions/0002): pure Python, no system libraries. DejaVu Sans, shipped
in ``fonts/`` with its licence, is embedded as a subset, so Cyrillic and Kazakh names print the
same on every machine. The text is in the current language.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext
from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"

_PAGE_W, _PAGE_H = 210.0, 297.0
_PER_PAGE = 4
_SLIP_H = _PAGE_H / _PER_PAGE
_MARGIN = 12.0
_TEXT_W = _PAGE_W - 2 * _MARGIN


@dataclass(frozen=True)
class Slip:
    """What one slip says. ``role`` is e.g. "Ученик, 5А" or "Родитель ученика: …"."""

    full_name: str
    role: str
    school: str
    login: str
    password: str
    expires_on: datetime.date


def _fit(pdf: FPDF, text: str, width: float, size: float, style: str = "") -> None:
    """Set the largest font size up to ``size`` at which ``text`` fits ``width`` (min 7 pt)."""
    while size > 7:
        pdf.set_font(FONT_FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 0.5
    pdf.set_font(FONT_FAMILY, style, 7)


def slips_pdf(*, slips: Sequence[Slip], address: str, days: int) -> bytes:
    """ACC-2: the credential slips of ``slips`` as PDF bytes, ready to print and cut."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.add_font(FONT_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(get_language() or "ru")
    pdf.set_title(gettext("Парта — данные для входа"))
    pdf.set_creator("Parta")

    heading = gettext("Парта — данные для входа")
    labels = (gettext("Адрес"), gettext("Логин"), gettext("Пароль"))
    label_w = max(28.0, *(len(label) * 2.6 for label in labels))
    for index, slip in enumerate(slips):
        position = index % _PER_PAGE
        if position == 0:
            pdf.add_page()
            _cut_lines(pdf)
        top = position * _SLIP_H + 7
        pdf.set_text_color(80, 80, 80)
        pdf.set_xy(_MARGIN, top)
        _fit(pdf, slip.school, _TEXT_W / 2, 9)
        pdf.cell(_TEXT_W, 5, slip.school, align="R")
        pdf.set_xy(_MARGIN, top)
        pdf.set_font(FONT_FAMILY, "", 9)
        pdf.cell(_TEXT_W / 2, 5, heading)

        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(_MARGIN, top + 6)
        _fit(pdf, slip.full_name, _TEXT_W, 14, "B")
        pdf.cell(_TEXT_W, 7, slip.full_name)
        pdf.set_xy(_MARGIN, top + 13)
        _fit(pdf, slip.role, _TEXT_W, 10)
        pdf.cell(_TEXT_W, 5, slip.role)

        y = top + 20
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(_MARGIN, y, _TEXT_W, 23)
        for row, (label, value) in enumerate(
            zip(labels, (address, slip.login, slip.password), strict=True)
        ):
            pdf.set_xy(_MARGIN + 3, y + 1.5 + row * 7)
            pdf.set_font(FONT_FAMILY, "", 10)
            pdf.cell(label_w, 6, f"{label}:")
            if row == 0:
                _fit(pdf, value, _TEXT_W - label_w - 6, 11)
            else:
                pdf.set_font(FONT_FAMILY, "B", 14)
                pdf.set_char_spacing(1)
            pdf.cell(_TEXT_W - label_w - 6, 6, value)
            pdf.set_char_spacing(0)

        pdf.set_xy(_MARGIN, y + 25)
        pdf.set_font(FONT_FAMILY, "", 8.5)
        expires = formats.date_format(slip.expires_on, "SHORT_DATE_FORMAT")
        instructions = "\n".join(
            (
                gettext("1. Откройте адрес в браузере и войдите с этим логином и паролем."),
                gettext(
                    "2. Парта сразу попросит придумать свой пароль. После этого пароль с листка "
                    "перестанет работать."
                ),
                ngettext(
                    "Пароль с листка одноразовый и действует до %(date)s (%(days)s день). "
                    "Не показывайте листок другим.",
                    "Пароль с листка одноразовый и действует до %(date)s (%(days)s дней). "
                    "Не показывайте листок другим.",
                    days,
                )
                % {"date": expires, "days": days},
            )
        )
        pdf.multi_cell(_TEXT_W, 4.2, instructions)
    return bytes(pdf.output())


def _cut_lines(pdf: FPDF) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    for k in range(1, _PER_PAGE):
        y = k * _SLIP_H
        pdf.line(8, y, _PAGE_W - 4, y)
        pdf.set_xy(2, y - 2.5)
        pdf.set_font(FONT_FAMILY, "", 8)
        pdf.set_text_color(120, 120, 120)
        pdf.cell(5, 5, "✂")
    pdf.set_dash_pattern()
