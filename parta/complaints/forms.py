"""The complaint form (public, ACC-6) and the official's answer form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from parta.accounts.robot import RobotCheckForm
from parta.core.validators import normalize_phone
from parta.directory.forms import SchoolChooser
from parta.directory.models import Municipality


class ComplaintForm(RobotCheckForm, SchoolChooser):
    text = forms.CharField(
        label=_("Что случилось"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Опишите, что произошло, когда и к кому вы обращались. Например: «Классный "
            "руководитель 3А две недели не выдаёт логин и пароль от дневника»."
        ),
        error_messages={"required": _("Опишите, что случилось.")},
    )
    employee = forms.CharField(
        label=_("Ответственный сотрудник школы (если знаете)"),
        required=False,
        max_length=300,
        help_text=_("ФИО и должность, например «Иванова И. И., классный руководитель 3А»."),
    )
    complainant_name = forms.CharField(
        label=_("Ваши фамилия, имя, отчество"),
        max_length=300,
        error_messages={"required": _("Укажите, как к вам обращаться в ответе.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Электронная почта для ответа"),
        max_length=254,
        help_text=_("На неё придут номер жалобы, ссылка на её состояние и ответ."),
        error_messages={
            "required": _("Укажите почту: на неё придёт ответ."),
            "invalid": _(
                "Адрес почты набран с ошибкой. Пример правильного адреса: ivanova@mail.ru."
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Телефон (необязательно)"),
        required=False,
        max_length=30,
        help_text=_("Если удобнее, чтобы вам позвонили."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    agree = forms.BooleanField(
        label=_(
            "Я согласен(на), что управление образования обработает мои ФИО, почту и телефон, "
            "чтобы рассмотреть жалобу и ответить на неё"
        ),
        error_messages={"required": _("Без согласия управление не сможет вам ответить.")},
    )

    field_order = [
        "municipality",
        "school_search",
        "organization",
        "text",
        "employee",
        "complainant_name",
        "email",
        "phone",
        "agree",
        "robot_challenge",
        "robot_answer",
        "homepage",
    ]

    def clean_phone(self) -> str:
        # The field strips what was typed; normalize_phone raises the error a person reads.
        value: str = self.cleaned_data.get("phone", "")
        return normalize_phone(value) if value else ""


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Ответ заявителю"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ответ уйдёт заявителю на почту, и жалоба будет закрыта."),
        error_messages={"required": _("Напишите ответ заявителю.")},
    )


class QueueFilterForm(forms.Form):
    """Filters of the department's queue; a wrong value is ignored, never an error page."""

    municipality = forms.ModelChoiceField(
        label=_("Муниципалитет"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("все"),
    )
    q = forms.CharField(
        label=_("Поиск: школа, номер, заявитель"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, municipalities: QuerySet[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities  # type: ignore[attr-defined]
