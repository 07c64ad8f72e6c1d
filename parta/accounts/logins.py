"""Logins of issued accounts (ACC-2): the surname in Latin letters and a free number."""

from __future__ import annotations

from parta.accounts.models import User

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    # Kazakh letters
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip
_LOGIN_BASE_LENGTH = 20


def transliterate(text: str) -> str:
    """Latin letters for a Cyrillic (Russian or Kazakh) name: ``Әлиева`` -> ``alieva``."""
    out = []
    for ch in text.casefold():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif "a" <= ch <= "z" or ch.isdigit():
            out.append(ch)
    return "".join(out)


def login_base(last_name: str) -> str:
    base = "".join(ch for ch in transliterate(last_name) if "a" <= ch <= "z")
    return base[:_LOGIN_BASE_LENGTH] or "user"


def next_free_login(base: str) -> str:
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list(
            "username", flat=True
        )
    }
    number = 1
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"
