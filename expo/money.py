"""Rupiah amounts as people and banks write them, read into whole rupiah (``int``).

Money is integer rupiah everywhere in expo; this is the one place that turns text (a form, a
sheet, a bank statement) into it. ``parse_rupiah`` accepts ``"Rp 350.127,00"``, ``"350.127"``,
``"350,127.00"``, ``"IDR 1.500.000"``, ``"Rp. 1.500.000"``, ``"1500000"``, ``"Rp1.500.000,-"``,
``"1 500 000"`` (spaces between groups of three), and amounts in words: ``"1,5 juta"``,
``"Rp 2 jt"``, ``"500 ribu"``, ``"750rb"``, ``"1,2 miliar"``
(``,-`` is the Indonesian "no sen"), ``"350127.00"``, Excel's numbers (``int``, a ``float``
ending in ``.0``, ``Decimal``) and negatives written ``"-350.127"``, ``"Rp -350.127"`` or
``"(350.127)"``. It inverts ``expo.i18n.format_idr`` in both locales.

How separators are read (whole rupiah makes every case decidable without a locale):

- ``.`` and ``,`` both present: the last one is the decimal separator (one, followed by one or
  two digits), the other separates thousands: ``350.127,00`` and ``350,127.00``.
- one kind, several times: thousands: ``1.500.000``, ``1,500,000``.
- one kind, once: followed by exactly three digits it separates thousands (``350.127`` and
  ``350,127`` are both 350127); followed by one or two digits it is the decimal separator
  (``350127,00``, ``350127.5``).
- thousands groups are checked: 1 to 3 digits first, then exactly 3 (``1.2.3`` is refused).

Sen must be zero: ``"350.127,50"`` raises ``AmountHasSen`` (rupiah transfers here are whole;
a fraction means a wrong column or a typing error, never something to round away). Anything
else that is not an amount raises ``AmountInvalid``. Both are ``ValueError``s whose message a
person can act on. Debit/credit markers (``" CR"``, ``" DB"``) are the statement reader's
business, not this function's.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from expo.i18n import gettext as _

_CURRENCY_BEFORE = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s*(?:rp\.?|idr)$", re.IGNORECASE)
_BODY = re.compile(r"^\d[\d.,]*$")
_IN_WORDS = re.compile(r"^(\d{1,4})(?:[.,](\d{1,2}))?\s*(juta|jt|ribu|rb|k|miliar|milyar)\.?$",
                       re.IGNORECASE)
_SCALE = {"ribu": 1_000, "rb": 1_000, "k": 1_000, "juta": 1_000_000, "jt": 1_000_000,
          "miliar": 1_000_000_000, "milyar": 1_000_000_000}
_SPACED = re.compile(r"^\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?$")
_MAX_CHARS = 64
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2212": "-",
                         "\u2013": "-"})
_EXAMPLES = {"id": "350.127", "en": "350,127"}


class AmountInvalid(ValueError):
    """Not an amount of rupiah; the message says so in the person's language."""


class AmountHasSen(AmountInvalid):
    """An amount with non-zero sen (cents): rupiah here are whole."""


def parse_rupiah(text: str | int | float | Decimal | None, *, locale_hint: str = "id") -> int:
    """Whole rupiah in ``text``, or ``AmountInvalid`` / ``AmountHasSen`` (module docstring).

    ``locale_hint`` (``"id"`` or ``"en"``) only picks the example shown in error messages
    (``350.127`` or ``350,127``): the rules above read both ways of writing alike."""
    example = _EXAMPLES.get(locale_hint, _EXAMPLES["id"])
    if text is None or isinstance(text, bool):
        raise _invalid("", example)
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return _from_float(text, example)
    if isinstance(text, Decimal):
        return _from_decimal(text, example)
    if not isinstance(text, str):
        raise _invalid(str(text), example)
    return _from_text(text, example)


def _from_float(value: float, example: str) -> int:
    if not math.isfinite(value):
        raise _invalid(repr(value), example)
    whole = round(value)
    # Excel keeps 350127 as 350127.0, and a sum as 350126.99999999994: noise below half a
    # sen is the same whole rupiah; anything more is real sen.
    if abs(value - whole) >= 0.005:
        raise _has_sen(f"{value:.2f}", example)
    return int(whole)


def _from_decimal(value: Decimal, example: str) -> int:
    if not value.is_finite():
        raise _invalid(str(value), example)
    if value != value.to_integral_value():
        raise _has_sen(str(value), example)
    return int(value)


def _from_text(raw: str, example: str) -> int:
    text = raw.translate(_SPACES).strip()
    if not text or len(text) > _MAX_CHARS:
        raise _invalid(raw.strip()[:_MAX_CHARS], example)
    negative, text = _sign(text)
    text = _CURRENCY_AFTER.sub("", _CURRENCY_BEFORE.sub("", text)).strip()
    if not negative:  # "Rp -350.127": the sign after the currency
        negative, text = _sign(text)
    if text.endswith((",-", ".-")):  # "Rp1.500.000,-": no sen
        text = text[:-2]
    if _SPACED.match(text):  # "1 500 000": spaces between groups of three
        text = text.replace(" ", "")
    if words := _IN_WORDS.match(text):  # "1,5 juta", "500 rb"
        amount = _in_words(words)
        return -amount if negative else amount
    if not _BODY.match(text) or not text[-1].isdigit():
        raise _invalid(raw.strip(), example)
    whole, fraction = _split(text)
    if whole is None:
        raise _invalid(raw.strip(), example)
    if fraction.strip("0"):
        raise _has_sen(raw.strip(), example)
    return -int(whole) if negative else int(whole)


def _in_words(match: re.Match[str]) -> int:
    """``1,5 juta`` = 1500000: a number (at most two decimals: ``1.500 rb`` is ambiguous and
    refused) times ribu/rb/k, juta/jt or miliar."""
    whole, fraction, word = match.groups()
    return int(Decimal(f"{whole}.{fraction or '0'}") * _SCALE[word.lower()])


def _sign(text: str) -> tuple[bool, str]:
    """(negative, the rest): a leading ``-`` or the accountants' ``(350.127)``."""
    if text.startswith("(") and text.endswith(")"):
        return True, text[1:-1].strip()
    if text.startswith("-"):
        return True, text[1:].strip()
    return False, text


def _split(body: str) -> tuple[str | None, str]:
    """(the integer digits, the fraction digits) of ``body`` (digits, ``.`` and ``,``), or
    (None, "") when its separators follow none of the module's rules."""
    dots, commas = body.count("."), body.count(",")
    if not dots and not commas:
        return body, ""
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        whole, _sep, fraction = body.rpartition(decimal)
        if body.count(decimal) != 1 or not 1 <= len(fraction) <= 2:
            return None, ""
        return _grouped(whole, thousands), fraction
    sep = "." if dots else ","
    parts = body.split(sep)
    if len(parts) == 2 and len(parts[1]) in (1, 2):
        return parts[0], parts[1]
    return _grouped(body, sep), ""


def _grouped(whole: str, sep: str) -> str | None:
    """``whole`` without its thousands separators, if they group by three."""
    parts = whole.split(sep)
    if not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:]):
        return None
    return "".join(parts)


def _invalid(value: str, example: str) -> AmountInvalid:
    if not value:
        return AmountInvalid(_("No amount given. Write it like %(example)s.", example=example))
    return AmountInvalid(_("“%(value)s” is not an amount. Write it like %(example)s.",
                           value=value, example=example))


def _has_sen(value: str, example: str) -> AmountHasSen:
    return AmountHasSen(_("“%(value)s” has sen; amounts are whole rupiah. Write it like "
                          "%(example)s.", value=value, example=example))
