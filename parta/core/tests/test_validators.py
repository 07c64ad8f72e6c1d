import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from parta.core.validators import (
    bin_is_valid,
    inn_is_valid,
    normalize_inn,
    normalize_phone,
    normalize_snils,
    snils_checksum,
)


@pytest.mark.parametrize("value", ["112-233-445 95", "11223344595", " 112 233 445 95 "])
def test_snils_accepts_valid_numbers_in_any_spacing(value):
    assert normalize_snils(value) == "11223344595"


@pytest.mark.parametrize("value", ["112-233-445 96", "1122334459", "abc"])
def test_snils_rejects_wrong_checksum_or_length(value):
    with pytest.raises(ValidationError):
        normalize_snils(value)


@given(st.integers(min_value=1001999, max_value=999_999_999))
def test_snils_checksum_roundtrip(n):
    first = f"{n:09d}"
    assert (
        normalize_snils(f"{first}{snils_checksum(first):02d}")
        == f"{first}{snils_checksum(first):02d}"
    )


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "500100732259"])
def test_inn_valid_examples(inn):
    assert inn_is_valid(inn)
    assert normalize_inn(inn) == inn


@pytest.mark.parametrize("inn", ["7707083894", "123", "500100732258", "77070838930"])
def test_inn_invalid_examples_say_what_is_wrong(inn):
    with pytest.raises(ValidationError) as err:
        normalize_inn(inn)
    assert err.value.messages[0]


def test_kazakh_bin_checksum():
    assert bin_is_valid("971240001315")
    assert not bin_is_valid("971240001316")
    assert normalize_inn("940740000911", country="KZ") == "940740000911"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+7 701 123 45 67", "+77011234567"),
    ],
)
def test_phone_normalized_to_e164(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "+0 123", "телефон"])
def test_phone_rejects_garbage(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)
