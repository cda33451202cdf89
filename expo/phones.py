"""Phone numbers: one normaliser for forms, imports and WhatsApp links.

Numbers are stored in E.164 (``+6281234567890``). People write them every way: ``0812-3456-
7890``, ``+62 812 3456 7890``, ``62812...``, ``812...``, a landline ``(0541) 741234``, and
Excel keeps them as numbers (``81234567890``, even ``8.1234567e+11``). Without a country code a
number is Indonesian; one written with ``+`` may be from elsewhere (a Malaysian buyer).
Validity is libphonenumber's (the ``phonenumbers`` package): the length and prefixes of a
real number, mobile or landline (WhatsApp Business runs on landlines too). Where a form asks
for a WhatsApp number, ``normalise_mobile`` also refuses landlines (``NotMobile``).
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

REGION = "ID"
_DIGITS = re.compile(r"\d+")


class PhoneInvalid(ValueError):
    """Not a phone number (the message is the value as given)."""


class NotMobile(PhoneInvalid):
    """A real number, but a landline (``021 …``, ``(0541) …``): WhatsApp is asked, and people
    register WhatsApp on their handphone, so a landline here is a typing mistake."""


_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalise(raw: Any) -> str:
    """``raw`` in E.164, or ``PhoneInvalid``. Accepts strings, and Excel's ints and floats."""
    text = _text(raw)
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        raise PhoneInvalid(raw) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_mobile(raw: Any) -> str:
    """``raw`` in E.164 when it is a mobile number (Indonesia: ``08…`` / ``+628…``; abroad, what
    libphonenumber calls mobile), ``NotMobile`` for a landline, ``PhoneInvalid`` otherwise.
    Where a form asks for a WhatsApp number, this is the check."""
    normal = normalise(raw)
    if phonenumbers.number_type(phonenumbers.parse(normal)) not in _MOBILE_TYPES:
        raise NotMobile(raw)
    return normal


def is_mobile(raw: Any) -> bool:
    try:
        normalise_mobile(raw)
    except PhoneInvalid:
        return False
    return True


def normalise_or_none(raw: Any) -> str | None:
    """``raw`` in E.164, or None when it is not a phone number."""
    try:
        return normalise(raw)
    except PhoneInvalid:
        return None


def digits(phone: str) -> str:
    """The international digits of a number (``6281234567890``), as wa.me wants them.

    A stored number is E.164 already; an older or hand-typed one that no longer validates
    still gets its digits, with a leading trunk ``0`` turned into Indonesia's ``62``.
    """
    normal = normalise_or_none(phone)
    if normal is not None:
        return normal[1:]
    only = "".join(ch for ch in phone if ch.isdigit())
    return "62" + only[1:] if only.startswith("0") else only


def _text(raw: Any) -> str:
    if isinstance(raw, bool) or raw is None:
        raise PhoneInvalid(raw)
    if isinstance(raw, float):  # Excel: 81234567890.0 or 8.1234567e+11
        if raw != raw or raw <= 0 or raw != int(raw):
            raise PhoneInvalid(raw)
        raw = int(raw)
    text = str(raw).strip()
    if _DIGITS.fullmatch(text):  # digits alone: Excel dropped the 0, or a 62 without its +
        if text.startswith("62"):
            return "+" + text
        if text.startswith("8"):
            return "0" + text
    return text
