"""Forms of linking a portal sign-in to an account (ACC-4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class LinkByPasswordForm(forms.Form):
    """Prove the account is one's own: its login (or email, phone, SNILS) and password."""

    login = forms.CharField(
        label=_("Логин, почта, телефон или СНИЛС"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
        error_messages={"required": _("Введите логин, почту, телефон или СНИЛС.")},
    )
    password = forms.CharField(
        label=_("Пароль Парты"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Введите пароль.")},
    )


class LinkRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Сообщение школе (необязательно)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Например: «Мама ученицы 5А Петровой Анны»."),
    )


class RejectForm(forms.Form):
    # Not "required" in the form: the same card confirms too; the service asks for a reason
    # when the school refuses.
    reason = forms.CharField(
        label=_("Причина, если отклоняете"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Человек увидит её при следующем входе через Госуслуги."),
    )


class UnlinkForm(forms.Form):
    password = forms.CharField(
        label=_("Пароль Парты"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Введите пароль, чтобы подтвердить, что это вы.")},
    )
