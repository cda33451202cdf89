"""Small, explicit form parsing: every field is read, cleaned and given a readable error."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

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
        return self._parsed(name, required, dt.date.fromisoformat, _("Enter a date as YYYY-MM-DD."))

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
