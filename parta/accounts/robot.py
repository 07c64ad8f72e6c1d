"""A self-hosted robot check (ACC-5): a small sum asked in words, plus a honeypot field.

No external service and no picture: the question is ordinary text in the person's language,
so a screen reader reads it and a keyboard answers it. The question travels with the form as a
token signed with ``SECRET_KEY`` (Django's signing, an HMAC) that carries its expiry and a
random id; each id is accepted once (the cache remembers used ids until they expire), so a
solved question cannot be replayed. The honeypot is a text field hidden from people; a program
that fills every field fills it and is refused.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

_SALT = "parta.accounts.robot"
_USED_PREFIX = "parta:robot:used"
PLUS = "+"
MINUS = "-"


def issue(now: float | None = None) -> str:
    """A fresh signed question: two numbers, plus or minus, never a negative answer."""
    a, b = 2 + secrets.randbelow(18), 1 + secrets.randbelow(9)
    op = PLUS if secrets.randbelow(2) else MINUS
    issued = time.time() if now is None else now
    payload = {
        "a": a,
        "b": b,
        "op": op,
        "id": secrets.token_urlsafe(12),
        "exp": int(issued) + settings.PARTA_ROBOT_CHALLENGE_SECONDS,
    }
    return signing.dumps(payload, salt=_SALT)


def _read(token: str) -> dict[str, Any] | None:
    """The question inside a token if the token is ours; None if forged or malformed."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not {"a", "b", "op", "id", "exp"} <= payload.keys():
        return None
    return payload


def question(token: str) -> str:
    """The question a token asks, in the active language."""
    payload = _read(token)
    if payload is None:
        return ""
    if payload["op"] == PLUS:
        text = gettext("Сколько будет %(a)s плюс %(b)s?")
    else:
        text = gettext("Сколько будет %(a)s минус %(b)s?")
    return text % {"a": payload["a"], "b": payload["b"]}


class RobotCheckFailed(forms.ValidationError):
    pass


def verify(token: str, answer: int | None) -> None:
    """Accept a solved question once; raise ``RobotCheckFailed`` saying what went wrong.

    Any question checked here is spent, answered right or not, so its few possible answers
    cannot be tried one by one.
    """
    payload = _read(token)
    if payload is None:
        raise RobotCheckFailed(
            _("Проверка не пройдена. Ответьте, пожалуйста, на новый вопрос."), code="robot_bad"
        )
    if time.time() > payload["exp"]:
        raise RobotCheckFailed(
            _("Время на ответ истекло. Ответьте, пожалуйста, на новый вопрос."),
            code="robot_expired",
        )
    ttl = max(1, int(payload["exp"] - time.time()) + 60)
    if not cache.add(f"{_USED_PREFIX}:{payload['id']}", 1, timeout=ttl):
        raise RobotCheckFailed(
            _("Этот вопрос уже был использован. Ответьте, пожалуйста, на новый вопрос."),
            code="robot_replayed",
        )
    expected = payload["a"] + payload["b"] if payload["op"] == PLUS else payload["a"] - payload["b"]
    if answer != expected:
        raise RobotCheckFailed(
            _("Ответ неверный. Попробуйте ещё раз — вот новый вопрос."), code="robot_wrong"
        )


class RobotCheckForm(forms.Form):
    """Mix into a form to ask a robot check; errors land on the answer field.

    After any failed submission the form carries a new question, since the old one is spent.
    """

    robot_challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    robot_answer = forms.IntegerField(
        label=_("Ответ на вопрос"),
        error_messages={
            "required": _("Ответьте на вопрос числом."),
            "invalid": _("Ответ должен быть числом, например 7."),
        },
        help_text=_("Ответьте числом: так Парта отличает человека от программы."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "-?[0-9]*"}
        ),
    )
    # The honeypot: hidden from people (the template hides its block), filled by programs.
    homepage = forms.CharField(
        label=_("Не заполняйте это поле"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["robot_challenge"] = issue()
        self._label_question()

    def _token(self) -> str:
        name = self.add_prefix("robot_challenge")
        if self.is_bound:
            return str(self.data.get(name, ""))
        return str(self.initial.get("robot_challenge", ""))

    def _label_question(self) -> None:
        text = question(self._token())
        self.fields["robot_answer"].label = text or gettext("Ответ на вопрос")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("homepage"):
            raise forms.ValidationError(
                _("Проверка не пройдена. Попробуйте ещё раз."), code="robot_honeypot"
            )
        try:
            verify(self._token(), cleaned.get("robot_answer"))
        except RobotCheckFailed as error:
            # An answer that is not a number already has its error; the question is spent
            # all the same.
            if "robot_answer" not in self.errors:
                self.add_error("robot_answer", error)
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self.errors:
            # The question just checked is spent: show a new one, with an empty answer.
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix("robot_challenge")] = issue()
            data[self.add_prefix("robot_answer")] = ""
            self.data = data
            self._label_question()
            # Bound fields made while cleaning still hold the old question and answer.
            bound: dict[str, Any] = getattr(self, "_bound_fields_cache", {})
            for name in ("robot_challenge", "robot_answer"):
                bound.pop(name, None)
