"""The form of the diary's pages: entering a student's achievement (JRN-8)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parta.journal.models import Achievement
from parta.journal.services.achievements import DESCRIPTION_MAX, TITLE_MAX


class AchievementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Вид"), choices=Achievement.Kind.choices)
    title = forms.CharField(
        label=_("Название"),
        max_length=TITLE_MAX,
        help_text=_("Например: «Диплом II степени муниципальной олимпиады по математике»."),
        error_messages={"required": _("Напишите, что это за достижение.")},
    )
    date = forms.DateField(
        label=_("Дата"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={
            "required": _("Укажите дату."),
            "invalid": _("Дата набрана с ошибкой. Пример: 14.03.2026."),
        },
    )
    description = forms.CharField(
        label=_("Подробнее (необязательно)"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
