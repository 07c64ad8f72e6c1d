"""The access request form (VER-1) as a PDF, prefilled with what the organization typed.

Printed on the organization's letterhead, signed by the director and stamped, then scanned and
uploaded through the official email's link. Drawn with fpdf2 and the DejaVu fonts of the
credential slips (docs/decisions/0002), so Russian and Kazakh names print on any machine.
"""

from __future__ import annotations

from typing import cast

from django.utils import formats, timezone
from django.utils.translation import get_language, gettext
from fpdf import FPDF

from parta.accounts.slips import FONT_FAMILY, FONTS
from parta.onboarding.models import AccessRequest

_MARGIN = 20.0
_WIDTH = 210.0 - 2 * _MARGIN


def request_form_pdf(access_request: AccessRequest) -> bytes:
    """VER-1: the request form of ``access_request``, in the current language."""
    r = access_request
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN)
    pdf.add_font(FONT_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(get_language() or "ru")
    title = gettext("Заявка на подключение организации к Парте")
    pdf.set_title(title)
    pdf.set_creator("Parta")
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.set_text_color(110, 110, 110)
    pdf.multi_cell(
        _WIDTH,
        4,
        gettext(
            "Распечатайте на официальном бланке организации, подпишите у руководителя, "
            "поставьте печать и загрузите скан по ссылке из письма."
        ),
        align="L",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(6)
    pdf.set_font(FONT_FAMILY, "", 10.5)
    region = r.municipality.region.name
    pdf.set_x(_MARGIN + _WIDTH / 2)
    pdf.multi_cell(
        _WIDTH / 2,
        5.5,
        gettext("Региональному оператору платформы «Парта»") + f"\n{region}",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(8)
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(_WIDTH, 7, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    submitted = formats.date_format(timezone.localtime(r.submitted_at), "SHORT_DATE_FORMAT")
    pdf.cell(
        _WIDTH,
        6,
        gettext("№ %(number)s от %(date)s") % {"number": r.number, "date": submitted},
        align="C",
    )
    pdf.ln(10)
    pdf.set_font(FONT_FAMILY, "", 10.5)
    pdf.multi_cell(
        _WIDTH,
        5.5,
        gettext(
            "Просим предоставить организации доступ к Парте и направить логин и пароль "
            "руководителя на официальную электронную почту организации. Сведения об организации:"
        ),
        align="L",
    )
    pdf.ln(3)
    rows = (
        (gettext("Полное название"), r.name),
        (gettext("Краткое название"), r.short_name),
        (gettext("Вид организации"), r.get_kind_display()),
        (gettext("Муниципалитет"), f"{r.municipality.name}, {region}"),
        (gettext("ИНН / БИН"), r.inn),
        (gettext("Адрес"), r.address),
        (gettext("Официальная почта"), r.official_email),
        (gettext("Руководитель"), r.full_name),
        (gettext("Телефон"), r.phone),
    )
    label_w = 52.0
    pdf.set_draw_color(150, 150, 150)
    for label, value in rows:
        pdf.set_font(FONT_FAMILY, "B", 10.5)
        lines = cast(
            list[str], pdf.multi_cell(_WIDTH - label_w, 6, value, dry_run=True, output="LINES")
        )
        height = 6 * max(1, len(lines))
        y = pdf.get_y()
        if y + height > pdf.h - _MARGIN:
            pdf.add_page()
            y = pdf.get_y()
        pdf.set_xy(_MARGIN, y)
        pdf.set_font(FONT_FAMILY, "", 9.5)
        pdf.set_text_color(80, 80, 80)
        pdf.cell(label_w, height, "", border=1)
        pdf.set_xy(_MARGIN + 1, y)
        pdf.multi_cell(label_w - 2, 6, label, align="L")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT_FAMILY, "B", 10.5)
        pdf.set_xy(_MARGIN + label_w, y)
        pdf.multi_cell(_WIDTH - label_w, 6, value, border=1, align="L")
        pdf.set_xy(_MARGIN, y + height)
    pdf.ln(6)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(
        _WIDTH,
        5.5,
        gettext(
            "Подтверждаем, что указанная почта — официальная почта организации, и просим "
            "считать заявку, загруженную по ссылке из письма на эту почту, поданной организацией."
        ),
        align="L",
    )
    pdf.ln(16)
    # Places for the signature and the stamp.
    y = pdf.get_y()
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.cell(40, 6, gettext("Руководитель"))
    pdf.line(_MARGIN + 42, y + 5.5, _MARGIN + 92, y + 5.5)
    pdf.set_xy(_MARGIN + 96, y)
    pdf.cell(_WIDTH - 96, 6, f"/ {r.last_name} {_initials(r)} /")
    pdf.set_xy(_MARGIN + 42, y + 6)
    pdf.set_font(FONT_FAMILY, "", 7.5)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(50, 4, gettext("подпись"), align="C")
    pdf.set_xy(_MARGIN, y + 16)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(40, 6, gettext("Дата"))
    pdf.line(_MARGIN + 42, y + 21.5, _MARGIN + 92, y + 21.5)
    pdf.set_draw_color(170, 170, 170)
    pdf.set_dash_pattern(dash=1.5, gap=1.2)
    # fpdf2 2.8 places a circle by its centre.
    pdf.circle(x=_MARGIN + _WIDTH - 20, y=y + 26, radius=17)
    pdf.set_dash_pattern()
    pdf.set_xy(_MARGIN + _WIDTH - 37, y + 23.5)
    pdf.set_text_color(150, 150, 150)
    pdf.cell(34, 5, gettext("М. П."), align="C")
    return bytes(pdf.output())


def _initials(r: AccessRequest) -> str:
    return " ".join(f"{p[0]}." for p in (r.first_name, r.middle_name) if p)
