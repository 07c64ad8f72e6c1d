from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User


class IdentifierLoginForm(LoginForm):
    """Allauth's sign-in form, reading one identifier: login, email, phone or SNILS."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Логин, почта, телефон или СНИЛС")
        field.widget.attrs.update(
            {"placeholder": "", "autocomplete": "username", "autocapitalize": "none"}
        )
        self.fields["password"].label = _("Пароль")
        self.fields["password"].widget.attrs["placeholder"] = ""
        if "remember" in self.fields:
            self.fields["remember"].label = _("Запомнить меня на этом устройстве")


class InitialPasswordForm(forms.Form):
    """Set one's own password in place of the issued one (ACC-2)."""

    new_password1 = forms.CharField(
        label=_("Новый пароль"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("Новый пароль ещё раз"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self) -> str:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data["new_password2"]
        if first and first != second:
            raise forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch")
        password_validation.validate_password(second, self.user)
        if self.user.check_password(second):
            raise forms.ValidationError(
                _("Новый пароль должен отличаться от выданного."), code="password_same"
            )
        return second
