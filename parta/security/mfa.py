"""Two-factor sign-in (TOTP) through allauth's MFA, in Parta's words and rules.

Allauth has no Kazakh catalogue, so every label and error here is ours. The one rule Parta
adds: a member of staff of an organization that requires a second factor cannot switch it
off (``can_delete_authenticator``); ``parta.security.middleware`` sends them to set it up.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.forms import GenerateRecoveryCodesForm
from allauth.mfa.totp.forms import ActivateTOTPForm, DeactivateTOTPForm
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from parta.security import services

_CODE_HELP = _("6 цифр из приложения-аутентификатора или один из резервных кодов.")


class PartaMFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _(
            "Пока включён вход с кодом из приложения, новый адрес почты добавить нельзя."
        ),
        "cannot_delete_authenticator": _(
            "Ваша организация требует от сотрудников входить с кодом из приложения: отключить "
            "его нельзя."
        ),
        "cannot_generate_recovery_codes": _(
            "Резервные коды появляются, когда включён вход с кодом из приложения."
        ),
        "incorrect_code": _(
            "Код не подошёл. Проверьте, что время на телефоне точное, и введите новый код из "
            "приложения."
        ),
        "unverified_email": _("Сначала подтвердите адрес электронной почты."),
    }

    def get_totp_label(self, user: Any) -> str:
        """The account's name in the authenticator app: the login, never a child's email."""
        return str(getattr(user, "username", "") or user.pk)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """MFA: staff of an organization that requires a second factor keep their TOTP."""
        if authenticator.type != Authenticator.Type.TOTP:
            return True
        return not services.mfa_required_by_organization(authenticator.user)


def _code_field(field: forms.Field, label: Any, help_text: Any = "") -> None:
    field.label = label
    field.help_text = help_text
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"}
    )
    field.error_messages["required"] = _("Введите код.")


def _failures_key(user: Any) -> str:
    return f"parta:mfa-failures:{user.pk}"


class _LimitedTries:
    """MFA: at most ``PARTA_MFA_MAX_FAILURES`` wrong codes per account in a window.

    Allauth limits code guessing with its "login_failed" rate limit, which Parta switches off
    in favour of its own sign-in throttle (ADR 0003); without this a person who knows the
    password could try all million codes. Only someone past the password step can use up
    the tries, and a right code clears them. Every try is counted before its code is checked.
    """

    user: Any

    def clean_code(self) -> str:
        # Count the try before checking it, in one atomic step: with read-check-increment,
        # codes sent in parallel would all pass the check before any was counted.
        key = _failures_key(self.user)
        window = settings.PARTA_MFA_WINDOW_SECONDS
        cache.add(key, 0, timeout=window)
        try:
            tries = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            tries = 1
        if tries > settings.PARTA_MFA_MAX_FAILURES:
            minutes = max(1, window // 60)
            raise forms.ValidationError(
                _("Слишком много неверных кодов. Попробуйте снова через %(n)d мин.")
                % {"n": minutes},
                code="too_many_codes",
            )
        code = super().clean_code()  # type: ignore[misc]
        cache.delete(key)
        return code


class PartaAuthenticateForm(_LimitedTries, AuthenticateForm):
    """The second step of sign-in: the code from the app (or a recovery code)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], _("Код"), _CODE_HELP)


class PartaReauthenticateForm(_LimitedTries, ReauthenticateForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_field(self.fields["code"], _("Код"), _CODE_HELP)


class PartaActivateTOTPForm(_LimitedTries, ActivateTOTPForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _code_field(
            self.fields["code"],
            _("Код из приложения"),
            _("Приложение показывает 6 цифр и меняет их каждые 30 секунд."),
        )


class PartaDeactivateTOTPForm(DeactivateTOTPForm):
    pass


class PartaGenerateRecoveryCodesForm(GenerateRecoveryCodesForm):
    pass
