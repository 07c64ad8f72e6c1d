"""The consent a self-registering adult learner gives (ACC-1, 152-FZ art. 9)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from parta.privacy.access_log import WHAT
from parta.privacy.texts import Purpose, register

LEARNER_ACCOUNT = register(
    Purpose(
        "learner_account",
        _("Обработка персональных данных для учётной записи слушателя"),
        "2026-11",
        withdrawal_effect=_(
            "Парта перестанет обрабатывать ваши данные для обучения: записаться на новый курс "
            "будет нельзя, пока вы снова не дадите согласие. Учётная запись и история обучения "
            "сохраняются, пока вы не попросите их удалить."
        ),
    )
)

# The access log (152-FZ) names the invitations page in the reader's language.
WHAT.setdefault(
    "invitations", _("список приглашений по почте: ФИО учеников, чьих родителей пригласили")
)
