"""Forms of a signed-in person's own account: password and email addresses, in our words.

Allauth has no Kazakh catalogue, so every label and error a person reads here is ours; the
flows behind the forms (saving, notifications, rate limits) stay allauth's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.forms import (
    AddEmailForm,
    ChangePasswordForm,
    ReauthenticateForm,
    SetPasswordForm,
)
from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

_MISMATCH = _("Пароли не совпадают.")

# Allauth's codes for a refused address, and what we say instead.
_EMAIL_ERRORS = {
    "duplicate_email": _("Этот адрес уже есть в вашей учётной записи."),
    "email_taken": _("Этот адрес уже указан в другой учётной записи Парты."),
    "max_email_addresses": _("Больше адресов добавить нельзя: сначала удалите один из старых."),
}


def _plain(field: forms.Field, label: StrOrPromise) -> None:
    """Our label, and no placeholder: allauth repeats its English label there."""
    field.label = label
    field.widget.attrs.pop("placeholder", None)


def _check_repeat(form: forms.Form) -> dict[str, Any]:
    """The new password typed twice must match; the error sits at the second field."""
    cleaned = forms.Form.clean(form) or {}
    first, second = cleaned.get("password1"), cleaned.get("password2")
    if first and second and first != second:
        form.add_error("password2", forms.ValidationError(_MISMATCH, code="password_mismatch"))
    return cleaned


class PartaChangePasswordForm(ChangePasswordForm):
    """Change one's password: the current one first, then the new one twice."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self.fields["oldpassword"], _("Текущий пароль"))
        _plain(self.fields["password1"], _("Новый пароль"))
        _plain(self.fields["password2"], _("Новый пароль ещё раз"))
        # Allauth's help here is an English "Forgot your password?" link; the page has ours.
        self.fields["oldpassword"].help_text = ""
        self.fields["oldpassword"].error_messages["required"] = _("Введите текущий пароль.")
        self.fields["password1"].error_messages["required"] = _("Введите новый пароль.")
        self.fields["password2"].error_messages["required"] = _("Повторите новый пароль.")

    def clean(self) -> dict[str, Any]:
        cleaned = _check_repeat(self)
        old, new = cleaned.get("oldpassword"), cleaned.get("password1")
        if old and new and old == new:
            self.add_error(
                "password1",
                forms.ValidationError(
                    _("Новый пароль должен отличаться от текущего."), code="password_same"
                ),
            )
        return cleaned


class PartaSetPasswordForm(SetPasswordForm):
    """Set a password on an account that has none (it signed in another way)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self.fields["password1"], _("Новый пароль"))
        _plain(self.fields["password2"], _("Новый пароль ещё раз"))
        self.fields["password1"].error_messages["required"] = _("Введите новый пароль.")
        self.fields["password2"].error_messages["required"] = _("Повторите новый пароль.")

    def clean(self) -> dict[str, Any]:
        return _check_repeat(self)


class PartaAddEmailForm(AddEmailForm):
    """Add an email address; Parta sends a letter to confirm it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        _plain(email, _("Новый адрес электронной почты"))
        email.help_text = _(
            "На него придёт письмо со ссылкой: адрес заработает, когда вы её откроете."
        )
        email.error_messages.update(
            {
                "required": _("Введите адрес электронной почты."),
                "invalid": _("Введите адрес электронной почты, например ivanova@mail.ru."),
            }
        )

    def clean_email(self) -> str:
        try:
            return super().clean_email()
        except forms.ValidationError as error:
            ours = _EMAIL_ERRORS.get(error.code or "")
            if ours is None:
                raise
            raise forms.ValidationError(ours, code=error.code) from error


class PartaReauthenticateForm(ReauthenticateForm):
    """Type one's password again before a sensitive change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self.fields["password"], _("Пароль"))
        self.fields["password"].help_text = ""  # the page links "Забыли пароль?" itself
        self.fields["password"].error_messages["required"] = _("Введите пароль.")
