"""Forms of the login settings (ACC-8): name, new phone, its code, the organization's rule."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from parta.core.validators import normalize_phone

# Letters of any alphabet (Cyrillic, Kazakh, Latin), with spaces, hyphens, apostrophes and dots
# between them: "Мамин-Сибиряк", "Д'Артаньян", "Нұрсұлтан", "Кызы".
_NAME = RegexValidator(
    re.compile(r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*\.?$"),
    _("Только буквы; между частями можно пробел, дефис или апостроф."),
    code="name_letters",
)


class NameForm(forms.Form):
    last_name = forms.CharField(
        label=_("Фамилия"),
        validators=[_NAME],
        max_length=150,
        error_messages={"required": _("Введите фамилию.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("Имя"),
        validators=[_NAME],
        max_length=150,
        error_messages={"required": _("Введите имя.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    middle_name = forms.CharField(
        label=_("Отчество"),
        validators=[_NAME],
        max_length=150,
        required=False,
        help_text=_("Если отчества нет, оставьте поле пустым."),
        widget=forms.TextInput(attrs={"autocomplete": "additional-name"}),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Новый номер телефона"),
        max_length=32,
        help_text=_("Например, +7 912 345-67-89. На этот номер придёт SMS с кодом."),
        error_messages={"required": _("Введите номер телефона.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Код из SMS"),
        max_length=12,
        help_text=_("6 цифр. Код действует 10 минут."),
        error_messages={"required": _("Введите код из SMS.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
            }
        ),
    )

    def __init__(self, *args: Any, minutes: int = 10, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("6 цифр. Код действует %(n)d мин.") % {"n": minutes}


class SecurityPolicyForm(forms.Form):
    require_staff_mfa = forms.BooleanField(
        label=_("Сотрудники входят с кодом из приложения-аутентификатора"),
        required=False,
    )
