"""Small, explicit form parsing: every field is read, cleaned and given a readable error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from expo import phones
from expo.errors import DomainError
from expo.i18n import format_idr
from expo.i18n import gettext as _
from expo.money import parse_rupiah

T = TypeVar("T")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def storable(text: str) -> bool:
    """Text a database can keep: no NUL (PostgreSQL refuses it) and no lone surrogate (it has
    no UTF-8; JSON's ``"\\ud83c"`` makes one)."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# Month names and their usual short forms, Indonesian and English ("Agt", "Agu", "Nop").
_MONTHS = {
    name: number
    for number, names in enumerate((
        ("januari", "january", "jan"),
        ("februari", "february", "pebruari", "feb", "peb"),
        ("maret", "march", "mar"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("agustus", "august", "agu", "agt", "ags", "agus", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec"),
    ), start=1)
    for name in names
}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[ .,-]?\s*([a-z]+)\.?\s*[ .,-]?\s*(\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})\s*,?\s*(\d{4})$")
_WEEKDAY = re.compile(r"^(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|"
                      r"tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s*")


def parse_date(text: str) -> dt.date:
    """A date as people write it, day first (Indonesia): ``2027-08-17`` (ISO, what a date
    picker sends), ``17/08/2027``, ``17-8-2027``, ``17.08.27``, ``17 Agustus 2027``,
    ``17 Agu 2027``, ``Selasa, 17 Agustus 2027``, ``17 August 2027``, ``August 17, 2027``.
    ``ValueError`` for anything else, or for a day that does not exist (``31/02/2027``)."""
    value = " ".join(text.strip().lower().split())
    if len(value) > 40:
        raise ValueError(text)
    value = _WEEKDAY.sub("", value)
    if match := _ISO_DATE.match(value):
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    if match := _NUMERIC_DATE.match(value):
        short_year = match[4]
        full_year = int(short_year) + (2000 if len(short_year) == 2 else 0)
        return dt.date(full_year, int(match[3]), int(match[1]))
    if match := _DAY_MONTH_YEAR.match(value):
        day_text, month_name, year_text = match.groups()
    elif match := _MONTH_DAY_YEAR.match(value):
        month_name, day_text, year_text = match.groups()
    else:
        raise ValueError(text)
    if month_name not in _MONTHS:
        raise ValueError(text)
    return dt.date(int(year_text), _MONTHS[month_name], int(day_text))


class FormInvalid(DomainError):
    """Raised by ``Form.check()``; routes re-render the form with inline errors (422)."""

    def __init__(self, form: Form):
        super().__init__(_("Please correct the marked fields."), "form_invalid")
        self.form = form


class Form:
    def __init__(self, data: Mapping[str, Any] | None = None):
        self.data: dict[str, Any] = {k: v for k, v in (data or {}).items()}
        self.errors: dict[str, str] = {}

    # -- reading ---------------------------------------------------------------------------
    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 200,
             min_length: int = 0) -> str:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, _("This field is required."))
            return ""
        if len(value) > max_length:
            self.error(name, _("At most %(n)s characters.", n=max_length))
        elif not storable(value):
            self.error(name, _("Contains a character that cannot be stored; retype it."))
            return ""
        elif len(value) < min_length:
            self.error(name, _("At least %(n)s characters.", n=min_length))
        return value

    def email(self, name: str, *, required: bool = True) -> str:
        value = self.text(name, required=required, max_length=254).lower()
        if value and not EMAIL_RE.match(value):
            self.error(name, _("Enter a valid email address."))
        return value

    def slug(self, name: str) -> str:
        value = self.text(name, max_length=60).lower()
        if value and not SLUG_RE.match(value):
            self.error(name, _("Use lowercase letters, digits and dashes only."))
        return value

    def integer(self, name: str, *, required: bool = True, low: int | None = None,
                high: int | None = None) -> int | None:
        value = self.raw(name).replace(".", "").replace(",", "") if self.raw(name) else ""
        if not value:
            if required:
                self.error(name, _("This field is required."))
            return None
        try:
            number = int(value)
        except ValueError:
            self.error(name, _("Enter a whole number."))
            return None
        if low is not None and number < low:
            self.error(name, _("Must be at least %(n)s.", n=low))
        if high is not None and number > high:
            self.error(name, _("Must be at most %(n)s.", n=high))
        return number

    def rupiah(self, name: str, *, required: bool = True, low: int | None = 0,
               high: int | None = 2_000_000_000) -> int | None:
        """An amount of rupiah as people write it: "Rp 1.500.000", "1500000", "350.127,00"."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, _("This field is required."))
            return None
        try:
            amount = parse_rupiah(value)
        except ValueError as exc:
            self.error(name, str(exc))
            return None
        if low is not None and amount < low:
            self.error(name, _("Must be at least %(n)s.", n=format_idr(low)))
        if high is not None and amount > high:
            self.error(name, _("Must be at most %(n)s.", n=format_idr(high)))
        return amount

    def whatsapp(self, name: str, *, required: bool = True, max_length: int = 30) -> str:
        """A WhatsApp number, in E.164: a mobile number (``0812 3456 7890``, ``+62 812 …``);
        a landline (``021 …``, ``(0541) …``) is refused with its own message."""
        raw = self.text(name, required=required, max_length=max_length)
        if not raw or name in self.errors:
            return ""
        try:
            return phones.normalise_mobile(raw)
        except phones.NotMobile:
            self.error(name, _("This is a landline number; WhatsApp needs a mobile number "
                               "(08…), e.g. 0812 3456 7890."))
        except phones.PhoneInvalid:
            self.error(name, _("Enter a WhatsApp number such as 0812 3456 7890."))
        return ""

    def boolean(self, name: str) -> bool:
        return self.raw(name).lower() in ("1", "on", "true", "yes")

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str:
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, _("Choose one option."))
            return ""
        if value not in set(choices):
            self.error(name, _("Choose one of the listed options."))
        return value

    def _parsed(self, name: str, required: bool, parse: Callable[[str], T | None],
                message: str) -> T | None:
        """The field read by ``parse`` (None or ValueError: ``message``); blank is None."""
        value = self.raw(name)
        if not value:
            if required:
                self.error(name, _("This field is required."))
            return None
        try:
            parsed = parse(value)
        except ValueError:
            parsed = None
        if parsed is None:
            self.error(name, message)
        return parsed

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        """A date as people type it ("17 Agustus 2027", "17/08/2027", "17-8-2027") or as a
        date picker sends it ("2027-08-17"): ``parse_date``."""
        return self._parsed(name, required, parse_date,
                            _("Enter a date like 17/08/2027 or 17 Agustus 2027."))

    def time(self, name: str, *, required: bool = True) -> dt.time | None:
        def wall_clock(value: str) -> dt.time | None:  # wall-clock times carry no offset
            parsed = dt.time.fromisoformat(value)
            return parsed if parsed.tzinfo is None else None

        return self._parsed(name, required, wall_clock, _("Enter a time as HH:MM."))

    def local_datetime(self, name: str, tz: str, *, required: bool = False) -> dt.datetime | None:
        """A ``datetime-local`` input read in the event's time zone, returned in UTC."""
        naive = self._parsed(name, required, dt.datetime.fromisoformat, _("Enter a date and time."))
        if naive is None:
            return None
        if naive.tzinfo is None:
            naive = naive.replace(tzinfo=ZoneInfo(tz))
        return naive.astimezone(dt.UTC)

    # -- result ----------------------------------------------------------------------------
    @property
    def valid(self) -> bool:
        return not self.errors

    def check(self) -> None:
        if self.errors:
            raise FormInvalid(self)
