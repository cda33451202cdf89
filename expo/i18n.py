"""Translations and locale-aware formatting.

Source strings are English; ``expo/locale/<lang>/*.po`` hold the catalogs (one file per
domain, merged at load time, so domains do not fight over one file). Bahasa Indonesia is the
default. The active locale lives in a context variable set per request by ``LocaleMiddleware``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from markupsafe import escape

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_COOKIE = "expo_lang"  # the language a person chose (set on signing in and by the switch)
DEFAULT_TIMEZONE = "Asia/Makassar"  # WITA, Kalimantan Timur: events and pages without one
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "expo_locale", default=DEFAULT_LOCALE)


@cache
def catalog(locale: str) -> dict[str, str]:
    """msgid -> msgstr for one locale, merged from every .po file of that locale."""
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / locale
    if not folder.is_dir():
        return messages
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                if not message.id or message.fuzzy:
                    continue
                # Babel keeps a plural's ids and strings in a tuple (or list), others in a str.
                if isinstance(message.id, tuple | list):  # plural: Indonesian has a single form
                    strings = message.string if isinstance(message.string, tuple | list) else ()
                    if strings and strings[0]:
                        messages[message.id[0]] = strings[0]
                        messages[message.id[1]] = strings[-1]
                elif isinstance(message.string, str) and message.string:
                    messages[message.id] = message.string
    return messages


def get_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def reset_locale(token: contextvars.Token[str]) -> None:
    _current.reset(token)


def gettext(message: str, **params: object) -> str:
    text = catalog(get_locale()).get(message, message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    source = singular if n == 1 else plural
    text = catalog(get_locale()).get(source, source)
    params.setdefault("num", n)
    return text % params


class LazyString:
    """A string translated when it is used, for labels defined at import time."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return gettext(self.message)

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"LazyString({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.message)

    def __add__(self, other: str) -> str:
        return str(self) + other


def lazy_gettext(message: str) -> LazyString:
    return LazyString(message)


def negotiate(accept_language: str) -> str | None:
    """Pick a supported locale from an Accept-Language header, or None."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in LOCALES:
            return base
    return None


# ---- formatting -------------------------------------------------------------------------

def _babel_locale() -> Locale:
    return Locale.parse("id_ID" if get_locale() == "id" else "en_GB")


def format_date(value: dt.date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return _babel_date(value, format=fmt, locale=_babel_locale())


_DATETIME_PATTERNS = {
    ("id", "medium"): "d MMM y, HH.mm", ("en", "medium"): "d MMM y, HH:mm",
    ("id", "short"): "dd/MM/yy HH.mm", ("en", "short"): "dd/MM/yy HH:mm",
    ("id", "long"): "EEEE, d MMMM y, HH.mm", ("en", "long"): "EEEE d MMMM y, HH:mm",
}


def format_datetime(value: dt.datetime | None, tz: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    zone = ZoneInfo(tz) if tz else None
    if zone is not None and value.tzinfo is not None:
        value = value.astimezone(zone)
    pattern = _DATETIME_PATTERNS.get((get_locale(), fmt), fmt)
    return _babel_datetime(value, format=pattern, tzinfo=zone, locale=_babel_locale())


def format_time(value: dt.time | dt.datetime | str | None, tz: str | None = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.time.fromisoformat(value)
    if isinstance(value, dt.datetime) and tz and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(tz))
    # Indonesian writes 09.12, English 09:12: Babel's "HH.mm" / "HH:mm", without its pattern
    # parser (a gate's "already entered at ..." answer formats a time for every rescan).
    return value.strftime("%H.%M" if get_locale() == "id" else "%H:%M")


def format_number(value: int | float | Decimal | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=_babel_locale())


def format_idr(value: int | float | Decimal | None) -> str:
    """Rupiah without decimals: "Rp 1.500.000" (id) or "Rp 1,500,000" (en)."""
    if value is None:
        return ""
    return "Rp " + format_decimal(round(value), format="#,##0", locale=_babel_locale())


def all_catalog_files() -> Iterator[Path]:
    yield from sorted(LOCALE_DIR.glob("*/*.po"))


@contextlib.contextmanager
def using(locale: str) -> Iterator[None]:
    """Translate into ``locale`` inside the block (a message for its recipient, not for the
    person whose request sends it)."""
    token = set_locale(locale)
    try:
        yield
    finally:
        reset_locale(token)
