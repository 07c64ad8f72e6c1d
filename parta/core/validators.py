"""Validators for identifiers people type: SNILS, INN/BIN, phone numbers.

Each ``normalize_*`` returns the canonical form stored in the database or raises
``ValidationError`` with a message a person can act on.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NON_DIGITS = re.compile(r"\D+")


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def snils_checksum(first_nine: str) -> int:
    """The SNILS control number for its first nine digits (Pension Fund rules)."""
    total = sum(int(d) * (9 - i) for i, d in enumerate(first_nine))
    while total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


def normalize_snils(value: str) -> str:
    """Return SNILS as 11 digits; checksum-validated (numbers above 001-001-998)."""
    digits = _digits(value)
    if len(digits) != 11:
        raise ValidationError(
            _("СНИЛС состоит из 11 цифр, например 112-233-445 95."), code="snils_length"
        )
    if int(digits[:9]) > 1001998 and snils_checksum(digits[:9]) != int(digits[9:]):
        raise ValidationError(
            _("СНИЛС набран с ошибкой: не сходится контрольное число. Проверьте цифры."),
            code="snils_checksum",
        )
    return digits


def format_snils(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:]}" if len(digits) == 11 else digits


def validate_snils(value: str) -> None:
    normalize_snils(value)


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_is_valid(digits: str) -> bool:
    """Russian INN: 10 digits (organization) or 12 digits (person), with check digits."""
    if not digits.isdigit():
        return False
    if len(digits) == 10:
        return _weighted(digits, _INN10) == int(digits[9])
    if len(digits) == 12:
        return _weighted(digits, _INN11) == int(digits[10]) and _weighted(digits, _INN12) == int(
            digits[11]
        )
    return False


def bin_is_valid(digits: str) -> bool:
    """Kazakhstan BIN/IIN: 12 digits, check digit by weights 1..11, then 3..11,1,2."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    numbers = [int(d) for d in digits]
    check = sum(n * w for n, w in zip(numbers[:11], range(1, 12), strict=True)) % 11
    if check == 10:
        weights = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
        check = sum(n * w for n, w in zip(numbers[:11], weights, strict=True)) % 11
        if check == 10:
            return False
    return check == numbers[11]


def normalize_inn(value: str, country: str = "RU") -> str:
    """Return an organization's taxpayer number (RU: INN, KZ: BIN) as digits, validated."""
    digits = _digits(value)
    if country == "KZ":
        if not bin_is_valid(digits):
            raise ValidationError(
                _("БИН состоит из 12 цифр с верным контрольным разрядом. Проверьте номер."),
                code="bin_invalid",
            )
        return digits
    if len(digits) not in (10, 12):
        raise ValidationError(
            _("ИНН организации — 10 цифр (12 — у индивидуального предпринимателя)."),
            code="inn_length",
        )
    if not inn_is_valid(digits):
        raise ValidationError(
            _("ИНН набран с ошибкой: не сходится контрольная цифра. Проверьте номер."),
            code="inn_checksum",
        )
    return digits


def validate_inn(value: str) -> None:
    normalize_inn(value)


def normalize_phone(value: str) -> str:
    """Return a phone number in E.164 (+7XXXXXXXXXX for Russia and Kazakhstan)."""
    raw = (value or "").strip()
    digits = _digits(raw)
    if len(digits) == 11 and digits[0] in "78" and not raw.startswith("+8"):
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] in "3479" and not raw.startswith("+"):
        return "+7" + digits
    if raw.startswith("+") and 8 <= len(digits) <= 15 and digits[0] != "0":
        return "+" + digits
    raise ValidationError(
        _("Номер телефона: 10 цифр после +7, например +7 912 345-67-89."), code="phone_invalid"
    )


def validate_phone(value: str) -> None:
    normalize_phone(value)
