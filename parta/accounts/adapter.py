"""How allauth behaves in Parta: closed sign-up, our words, the sign-in throttle's hooks."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parta.accounts import services, throttle
from parta.accounts.models import User

_WRONG_CREDENTIALS = _(
    "Неверный логин или пароль. Проверьте раскладку клавиатуры и не включён ли Caps Lock."
)


class AccountAdapter(DefaultAccountAdapter):
    # Allauth has no Kazakh catalogue: every message a person may read here is ours.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("Эта учётная запись отключена. Обратитесь в свою школу."),
        "email_password_mismatch": _WRONG_CREDENTIALS,
        "phone_password_mismatch": _WRONG_CREDENTIALS,
        "username_password_mismatch": _WRONG_CREDENTIALS,
        "invalid_login": _WRONG_CREDENTIALS,
        "incorrect_password": _("Неверный пароль."),
        "enter_current_password": _("Введите текущий пароль."),
        "invalid_password_reset": _(
            "Ссылка для восстановления пароля недействительна: она уже использована или её "
            "срок истёк."
        ),
        "too_many_login_attempts": _(
            "Слишком много неудачных попыток входа. Попробуйте снова позже."
        ),
        "unknown_email": _("Учётной записи с этим адресом электронной почты нет."),
        "rate_limited": _("Слишком много запросов подряд. Подождите минуту и попробуйте снова."),
        "username_taken": _("Этот логин уже занят. Придумайте другой."),
        "invalid_username": _(
            "Логин может состоять из букв, цифр и знаков . _ - + @ без пробелов."
        ),
        "username_blacklisted": _("Этот логин занят. Придумайте другой."),
        "email_taken": _("На этот адрес уже есть учётная запись."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Adult learners register themselves (ACC-1) unless ``PARTA_SELF_REGISTRATION`` is off.

        School accounts stay issued (ACC-2) or invited (ACC-3): a self-made account holds no
        place and so no role until a school confirms one.
        """
        return bool(settings.PARTA_SELF_REGISTRATION)

    def format_email_subject(self, subject: str) -> str:
        """Subjects say "Парта: …" in the reader's language (the setting's prefix is fixed)."""
        return gettext("Парта: %(subject)s") % {"subject": subject}

    def post_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse:
        """After a completed sign-in (ACC-4): this browser becomes a known device of the
        account, and the failures counted for the account from this address are cleared."""
        response = super().post_login(request, user, **kwargs)
        throttle.record_success(request, user.pk)
        throttle.remember_device(request, response, user.pk)
        return response

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        """Save a password the person chose themselves (recovery link, password change).

        An issued account (ACC-2) that sets its own password this way is done with the issued
        one, exactly as on the "set your own password" page.
        """
        if isinstance(user, User) and user.must_change_password:
            fresh = services.initial_password_replace(user=user, password=password)
            # Allauth goes on with the object it holds (session hash, notifications).
            user.password = fresh.password
            user.must_change_password = fresh.must_change_password
            user.initial_password_issued_at = fresh.initial_password_issued_at
            return
        super().set_password(user, password)
