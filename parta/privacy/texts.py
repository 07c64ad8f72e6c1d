"""The consent texts a person agrees to, by purpose and version (152-FZ art. 9).

A text that changes gets a new version; a consent records the version that was shown, so what
someone agreed to stays provable after the text is edited. The texts themselves are templates
``privacy/consents/<purpose>_<version>.html`` (translatable like every page).

``subject`` says whose data the consent is about: ``"self"`` (the person gives it for
themselves) or ``"child"`` (a parent gives it for each of their children, 152-FZ art. 9 p. 6;
the child sees it read-only). ``withdrawal_effect`` is what the person is told before they
withdraw: what stops.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SELF = "self"
CHILD = "child"


@dataclass(frozen=True)
class Purpose:
    key: str
    title: str | Promise
    version: str
    subject: str = SELF
    withdrawal_effect: str | Promise = ""

    @property
    def template(self) -> str:
        return f"privacy/consents/{self.key}_{self.version}.html"


DIRECTOR_VERIFICATION = Purpose(
    "director_verification",
    _("Обработка персональных данных для подтверждения полномочий руководителя организации"),
    "2026-11",
    withdrawal_effect=_(
        "Региональный оператор перестанет обрабатывать документы, подтверждающие ваши "
        "полномочия. Если подтверждение ещё не закончено, его нельзя будет продолжить, пока вы "
        "снова не дадите согласие. Решения, принятые до отзыва, остаются в силе."
    ),
)

CHILD_EJOURNAL = Purpose(
    "child_ejournal",
    _("Обработка персональных данных ребёнка в электронном журнале и дневнике"),
    "2026-11",
    subject=CHILD,
    withdrawal_effect=_(
        "Школа перестанет вести электронный журнал и дневник ребёнка в Парте: оценки, "
        "посещаемость и домашние задания вы будете узнавать от школы на бумаге или лично, а "
        "уведомления о них приходить не будут. Уже выставленные оценки школа хранит, как "
        "требует закон об образовании. Согласие можно дать снова в любой момент."
    ),
)

PURPOSES: dict[str, Purpose] = {p.key: p for p in (DIRECTOR_VERIFICATION, CHILD_EJOURNAL)}


def register(purpose: Purpose) -> Purpose:
    """Add a purpose (an app that asks for a consent declares it at import)."""
    PURPOSES[purpose.key] = purpose
    return purpose


def for_children() -> list[Purpose]:
    """The purposes a parent is asked to consent to for each child."""
    return [p for p in PURPOSES.values() if p.subject == CHILD]
