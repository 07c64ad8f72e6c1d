"""Forms people fill in to sign in, recover a password and set their own (ACC-2, ACC-4, ACC-5)."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.forms import LoginForm, ResetPasswordForm, ResetPasswordKeyForm
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from parta.accounts import throttle
from parta.accounts.models import User
from parta.accounts.robot import RobotCheckForm


class IdentifierLoginForm(LoginForm):
    """Allauth's sign-in form, reading one identifier: login, email, phone or SNILS (ACC-4).

    Before the password is checked, the sign-in throttle (``parta.accounts.throttle``) may
    refuse the attempt; a failed check is counted there.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Our own field: an email may be longer than a username, and the label is ours.
        self.fields["login"] = forms.CharField(
            label=_("Логин, почта, телефон или СНИЛС"),
            max_length=254,
            widget=forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
            ),
        )
        password = self.fields["password"]
        password.label = _("Пароль")
        password.help_text = ""  # the page links "Забыли пароль?" itself
        password.widget.attrs.pop("placeholder", None)
        if "remember" in self.fields:
            self.fields["remember"].label = _("Запомнить меня на этом устройстве")

    def user_credentials(self) -> dict[str, Any]:
        """Credentials only ``IdentifierBackend`` reads.

        Allauth would pass the identifier as ``username`` too, and its own backend would then
        sign in the owner of a login that is also another person's phone; an ambiguous
        identifier must sign in nobody.
        """
        credentials: dict[str, Any] = {"login": self.cleaned_data["login"]}
        if self.cleaned_data.get("password"):
            credentials["password"] = self.cleaned_data["password"]
        return credentials

    def clean(self) -> dict[str, Any]:
        if self._errors or self.request is None:
            return super().clean()
        attempt = throttle.attempt_for(self.request, self.cleaned_data["login"])
        wait = throttle.retry_after(attempt)
        if wait:
            raise forms.ValidationError(throttle.throttled_message(wait), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(attempt)
            raise
        login = getattr(self, "_login", None)
        if login is not None and not _asks_email_verification(login.user):
            login.email_verification = allauth_settings.EmailVerificationMethod.NONE
        return cleaned


def _asks_email_verification(user: User) -> bool:
    """Whether signing in waits for a confirmed email (ACC-1) — only for self-made accounts.

    Allauth's own sign-up (and its email management) give an account a *primary* address;
    an address the school typed into an issued account (ACC-2) is not one, and an issued
    account signs in without confirming it.
    """
    return EmailAddress.objects.filter(user_id=user.pk, primary=True).exists()


class RobotCheckedResetPasswordForm(RobotCheckForm, ResetPasswordForm):
    """Allauth's "send me a recovery link" form with a robot check in front (ACC-5)."""

    field_order = ["email", "robot_answer", "homepage", "robot_challenge"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        email = self.fields["email"]
        email.label = _("Электронная почта")
        email.widget.attrs.pop("placeholder", None)
        email.help_text = _("Адрес, который указан в вашей учётной записи Парты.")
        email.error_messages.update(
            {
                "required": _("Введите адрес электронной почты."),
                "invalid": _(
                    "Введите адрес электронной почты, например ivanova@mail.ru. Если почты в "
                    "Парте нет, попросите классного руководителя выдать новый листок с данными "
                    "для входа."
                ),
            }
        )


class NewPasswordForm(ResetPasswordKeyForm):
    """Allauth's "set a new password" form of a recovery link, in our words (ACC-5)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].label = _("Новый пароль")
        self.fields["password2"].label = _("Новый пароль ещё раз")
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)

    def clean(self) -> dict[str, Any]:
        cleaned = forms.Form.clean(self) or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2",
                forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch"),
            )
        return cleaned


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
