"""Seeded, realistic people and identifiers for the demo region and generated data sets.

Everything here is deterministic for a given seed, so the same command makes the same
region. Identifiers that must be unique across the whole database (logins, phones, SNILS,
INNs) come from numbered ``blocks``: each data set owns one block, and a number inside the
block is spread by a fixed permutation so that consecutive people do not get consecutive
phone numbers.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from parta.core.validators import inn_is_valid, snils_checksum
from parta.directory import fake_names as names

MALE = "m"
FEMALE = "f"

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip


def translit(text: str) -> str:
    """Latin spelling of a Russian word, as in a Russian passport (ICAO)."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def feminine_surname(surname: str) -> str:
    """The feminine form of a masculine surname: Иванов → Иванова, Вишневский → Вишневская."""
    for ending, replacement in (("ский", "ская"), ("цкий", "цкая"), ("ской", "ская"), ("ой", "ая")):
        if surname.endswith(ending):
            return surname[: -len(ending)] + replacement
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    # -ых, -их, -ко and non-Slavic surnames (Ким) do not change.
    return surname


def surname_for(surname: str, gender: str) -> str:
    return feminine_surname(surname) if gender == FEMALE else surname


def patronymic(father: str, gender: str) -> str:
    male, female = names.PATRONYMICS[father]
    return female if gender == FEMALE else male


# Multiplier coprime with 10**8: i -> i * _SPREAD mod 10**8 is a permutation of the block.
_SPREAD = 48_271_877
_BLOCK = 10**8


def spread(n: int) -> int:
    return (n * _SPREAD + 12_345_679) % _BLOCK


def phone(block: int, n: int) -> str:
    """A unique mobile number: +79, a block digit, then n spread over 8 digits."""
    return f"+79{block}{spread(n):08d}"


def snils(block: int, n: int) -> str:
    """A SNILS with a valid check number, unique per (block, n); block 0–8."""
    first_nine = f"{block + 1}{spread(n):08d}"
    return f"{first_nine}{snils_checksum(first_nine):02d}"


def inn(block: int, n: int) -> str:
    """An organization INN (10 digits) with a valid check digit, unique per (block, n)."""
    base = f"{block:04d}{n:05d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11 % 10
    value = f"{base}{check}"
    assert inn_is_valid(value)
    return value


@dataclass
class Person:
    last_name: str
    first_name: str
    middle_name: str
    gender: str
    birth_date: datetime.date


class PeopleMaker:
    """Draws names, families and birth dates from one seeded random generator."""

    def __init__(self, seed: int | str) -> None:
        # Seeded on purpose: the same data every run; nothing here is a secret.
        self.random = random.Random(seed)  # noqa: S311

    def surname(self) -> str:
        return self.random.choice(names.SURNAMES)

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.random.randrange((end - start).days + 1))

    def adult(
        self, gender: str, *, surname: str | None = None, born: tuple[int, int] = (1968, 1996)
    ) -> Person:
        first = self.random.choice(names.ADULT_FEMALE if gender == FEMALE else names.ADULT_MALE)
        return Person(
            last_name=surname_for(surname or self.surname(), gender),
            first_name=first,
            middle_name=patronymic(self.random.choice(names.OLDER_MALE), gender),
            gender=gender,
            birth_date=self.date_between(
                datetime.date(born[0], 1, 1), datetime.date(born[1], 12, 31)
            ),
        )

    def child(self, *, surname: str, father: str, grade: int, year_start: int) -> Person:
        """A pupil of ``grade`` in the school year starting in ``year_start``."""
        gender = self.random.choice((MALE, FEMALE))
        first = self.random.choice(names.CHILD_FEMALE if gender == FEMALE else names.CHILD_MALE)
        # Grade 1 in September 2026: born between September 2018 and August 2019.
        born_from = year_start - 7 - grade
        start = datetime.date(born_from, 9, 1)
        end = datetime.date(born_from + 1, 8, 31)
        return Person(
            last_name=surname_for(surname, gender),
            first_name=first,
            middle_name=patronymic(father, gender),
            gender=gender,
            birth_date=self.date_between(start, end),
        )

    def father_name(self) -> str:
        return self.random.choice(names.ADULT_MALE)
