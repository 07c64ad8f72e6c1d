"""The report of confirmations as PDF (VER-5), drawn with fpdf2 like the credential slips.

DejaVu Sans (``parta/accounts/fonts``) is embedded as a subset so that Cyrillic and Kazakh
names print the same everywhere. A table: whose place, which place, the verdict with the
reason, who decided and when. The text is in the current language.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from parta.accounts.slips import FONT_FAMILY, FONTS
from parta.confirmation.models import Decision, Report


def _when(value: object) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")  # type: ignore[arg-type]


def report_pdf(*, report: Report, decisions: Sequence[Decision]) -> bytes:
    """VER-5: the report ``report`` with its ``decisions`` as PDF bytes (A4, landscape)."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(FONT_FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT_FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang(get_language() or "ru")
    title = gettext("Отчёт о подтверждении сотрудников и учеников")
    pdf.set_title(title)
    pdf.set_creator("Parta")
    pdf.add_page()

    organization = report.organization
    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "", 10)
    lines = [
        organization.name,
        gettext("ИНН: %(inn)s") % {"inn": organization.inn},
        gettext("Отправил: %(name)s, %(when)s")
        % {"name": report.sent_by.full_name, "when": _when(report.sent_at)},
        gettext("Подтверждено: %(confirmed)s · отклонено: %(rejected)s")
        % {"confirmed": report.confirmed_count, "rejected": report.rejected_count},
    ]
    pdf.multi_cell(0, 5.5, "\n".join(lines), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font(FONT_FAMILY, "", 9)
    headings = (
        "№",
        gettext("ФИО"),
        gettext("Место"),
        gettext("Решение"),
        gettext("Причина отказа"),
        gettext("Кто решил"),
        gettext("Когда"),
    )
    widths = (9, 55, 38, 33, 58, 48, 32)
    with pdf.table(
        col_widths=widths,
        headings_style=FontFace(family=FONT_FAMILY, emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=5,
        text_align="LEFT",
    ) as table:
        table.row(headings)
        for number, decision in enumerate(decisions, start=1):
            table.row(
                (
                    str(number),
                    decision.person.full_name,
                    capfirst(decision.place),
                    str(decision.get_verdict_display()),
                    decision.reason,
                    decision.decided_by.full_name,
                    _when(decision.decided_at),
                )
            )
    return bytes(pdf.output())
