"""Rupiah amounts in words: the "terbilang" line every kwitansi carries, and its English twin.

A receipt states the amount twice, in figures and in words, so that a figure changed by hand
no longer matches. Indonesian has its own contractions: 1 before *puluh*, *ratus* and *ribu*
becomes the prefix *se-* ("sepuluh", "seratus", "seribu", "sebelas" for 11), but only there:
1,000,000 is "satu juta", 1,001,000 "satu juta seribu", 201,000 "dua ratus satu ribu".
English follows the short scale without "and", as on US cheques ("one hundred twenty-seven").

Whole rupiah only (money is integer rupiah everywhere); up to 999 trillion, which is more than
any exhibition will invoice and keeps the scale words unambiguous (no "kuadriliun").
"""

from __future__ import annotations

LIMIT = 10**15  # exclusive: 999,999,999,999,999 is the largest amount spelled

_ID_UNITS = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_ID_SCALES = ("", "ribu", "juta", "miliar", "triliun")

_EN_UNITS = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
            "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion")


def rupiah_in_words(amount: int, locale: str = "id") -> str:
    """``amount`` rupiah in words, lower case: "seratus dua puluh ribu rupiah" (``id``) or
    "one hundred twenty thousand rupiah" (``en``). Negative amounts (a credit note's balance)
    read "minus ..."; beyond 999 trillion either way is a ValueError."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int of rupiah, not {type(amount).__name__}")
    if abs(amount) >= LIMIT:
        raise ValueError(f"{amount} is beyond 999 trillion rupiah, the largest amount spelled")
    if locale == "id":
        words = _indonesian(abs(amount)) if amount else "nol"
    elif locale == "en":
        words = _english(abs(amount)) if amount else "zero"
    else:
        raise ValueError(f"no words for locale {locale!r} (known: id, en)")
    return ("minus " if amount < 0 else "") + words + " rupiah"


def _groups(number: int) -> list[tuple[int, int]]:
    """(value, scale index) of each non-zero group of three digits, largest first."""
    groups = []
    scale = 0
    while number:
        number, group = divmod(number, 1000)
        if group:
            groups.append((group, scale))
        scale += 1
    return groups[::-1]


def _indonesian(number: int) -> str:
    parts = []
    for group, scale in _groups(number):
        if group == 1 and scale == 1:
            parts.append("seribu")  # only a thousand contracts: "satu juta", not "sejuta"
        else:
            parts.append(" ".join(filter(None, (_indonesian_below_1000(group),
                                                _ID_SCALES[scale]))))
    return " ".join(parts)


def _indonesian_below_1000(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = []
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_ID_UNITS[hundreds]} ratus")
    if tens == 1:
        words.append({0: "sepuluh", 1: "sebelas"}.get(units, f"{_ID_UNITS[units]} belas"))
    else:
        if tens:
            words.append(f"{_ID_UNITS[tens]} puluh")
        if units:
            words.append(_ID_UNITS[units])
    return " ".join(words)


def _english(number: int) -> str:
    return " ".join(" ".join(filter(None, (_english_below_1000(group), _EN_SCALES[scale])))
                    for group, scale in _groups(number))


def _english_below_1000(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words = [f"{_EN_UNITS[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else ""))
    elif rest:
        words.append(_EN_UNITS[rest])
    return " ".join(words)
