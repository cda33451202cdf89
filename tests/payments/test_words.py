"""Amounts in words: the Indonesian contractions (se-), the scales, English, the limits."""

from __future__ import annotations

import pytest

from expo.words import LIMIT, rupiah_in_words

INDONESIAN = [
    (0, "nol"),
    (1, "satu"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (1500, "seribu lima ratus"),
    (2000, "dua ribu"),
    (10000, "sepuluh ribu"),
    (11000, "sebelas ribu"),
    (12500, "dua belas ribu lima ratus"),
    (100000, "seratus ribu"),
    (101000, "seratus satu ribu"),
    (111000, "seratus sebelas ribu"),
    (201000, "dua ratus satu ribu"),
    (350127, "tiga ratus lima puluh ribu seratus dua puluh tujuh"),
    (1000000, "satu juta"),
    (1001000, "satu juta seribu"),
    (1000001, "satu juta satu"),
    (1500000, "satu juta lima ratus ribu"),
    (2750000, "dua juta tujuh ratus lima puluh ribu"),
    (11000000, "sebelas juta"),
    (100000000, "seratus juta"),
    (1000000000, "satu miliar"),
    (2000000000, "dua miliar"),
    (1000001000, "satu miliar seribu"),
    (1000000000000, "satu triliun"),
    (999_999_999_999_999,
     "sembilan ratus sembilan puluh sembilan triliun sembilan ratus sembilan puluh sembilan "
     "miliar sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh "
     "sembilan ribu sembilan ratus sembilan puluh sembilan"),
]

ENGLISH = [
    (0, "zero"),
    (1, "one"),
    (11, "eleven"),
    (20, "twenty"),
    (21, "twenty-one"),
    (100, "one hundred"),
    (115, "one hundred fifteen"),
    (1000, "one thousand"),
    (1100, "one thousand one hundred"),
    (350127, "three hundred fifty thousand one hundred twenty-seven"),
    (1001000, "one million one thousand"),
    (2000000000, "two billion"),
    (1000000000000, "one trillion"),
    (5_000_000_000_090, "five trillion ninety"),
]


@pytest.mark.parametrize(("amount", "words"), INDONESIAN)
def test_rupiah_in_words_indonesian(amount: int, words: str) -> None:
    assert rupiah_in_words(amount) == f"{words} rupiah"
    assert rupiah_in_words(amount, "id") == f"{words} rupiah"


@pytest.mark.parametrize(("amount", "words"), ENGLISH)
def test_rupiah_in_words_english(amount: int, words: str) -> None:
    assert rupiah_in_words(amount, "en") == f"{words} rupiah"


def test_rupiah_in_words_negative_reads_minus() -> None:
    assert rupiah_in_words(-1500000) == "minus satu juta lima ratus ribu rupiah"
    assert rupiah_in_words(-21, "en") == "minus twenty-one rupiah"


def test_rupiah_in_words_spaces_are_single() -> None:
    for amount in (10**12 + 1, 10**9 + 10**3, 7 * 10**14 + 7, 1_010_010_010):
        for locale in ("id", "en"):
            words = rupiah_in_words(amount, locale)
            assert "  " not in words and words == words.strip()


def test_rupiah_in_words_beyond_999_trillion_is_refused() -> None:
    assert rupiah_in_words(LIMIT - 1).startswith("sembilan ratus")
    with pytest.raises(ValueError):
        rupiah_in_words(LIMIT)
    with pytest.raises(ValueError):
        rupiah_in_words(-LIMIT, "en")


def test_rupiah_in_words_refuses_other_types_and_locales() -> None:
    with pytest.raises(TypeError):
        rupiah_in_words(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        rupiah_in_words(True)
    with pytest.raises(ValueError):
        rupiah_in_words(1, "fr")
