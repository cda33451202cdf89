"""Parsing of the event form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, available_timezones

from expo.events.models import DEFAULT_TIMEZONE, Event, EventStatus
from expo.forms import Form
from expo.i18n import gettext as _

MAX_DAYS = 31
DEFAULT_OPENS = dt.time(9, 0)
DEFAULT_CLOSES = dt.time(21, 0)
INDONESIAN_ZONES = {
    "Asia/Jakarta": "WIB (Asia/Jakarta)",
    "Asia/Pontianak": "WIB (Asia/Pontianak)",
    "Asia/Makassar": "WITA (Asia/Makassar)",
    "Asia/Jayapura": "WIT (Asia/Jayapura)",
}


@dataclass
class EventData:
    name: str
    slug: str
    description: str
    venue: str
    address: str
    city: str
    timezone: str
    starts_on: dt.date
    ends_on: dt.date
    exhibitor_reg_opens: dt.datetime | None
    exhibitor_reg_closes: dt.datetime | None
    visitor_reg_opens: dt.datetime | None
    visitor_reg_closes: dt.datetime | None
    status: EventStatus
    hours: dict[dt.date, tuple[dt.time, dt.time]] = field(default_factory=dict)


def dates_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _registration_window(form: Form, who: str,
                         tz: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When ``who`` (exhibitor or visitor) registration opens and closes, in UTC."""
    opens = form.local_datetime(f"{who}_reg_opens", tz)
    closes = form.local_datetime(f"{who}_reg_closes", tz)
    if opens and closes and closes <= opens:
        form.error(f"{who}_reg_closes", _("Registration must close after it opens."))
    return opens, closes


def _opening_hours(form: Form, days: list[dt.date]) -> dict[dt.date, tuple[dt.time, dt.time]]:
    """Opening and closing time of each day, the defaults where a field is left empty."""
    hours: dict[dt.date, tuple[dt.time, dt.time]] = {}
    for day in days:
        key = day.isoformat()
        opens = form.time(f"opens_{key}", required=False) or DEFAULT_OPENS
        closes = form.time(f"closes_{key}", required=False) or DEFAULT_CLOSES
        if closes <= opens:
            form.error(f"closes_{key}", _("Closing time must be after opening time."))
        hours[day] = (opens, closes)
    return hours


def parse_event_form(form: Form) -> EventData:
    name = form.text("name", max_length=160, min_length=3)
    slug = form.slug("slug")
    tz = form.raw("timezone") or DEFAULT_TIMEZONE
    if tz not in INDONESIAN_ZONES and tz not in available_timezones():
        form.error("timezone", _("Unknown time zone."))
        tz = DEFAULT_TIMEZONE
    starts_on = form.date("starts_on")
    ends_on = form.date("ends_on")
    if starts_on and ends_on:
        if ends_on < starts_on:
            form.error("ends_on", _("The last day cannot be before the first day."))
        elif (ends_on - starts_on).days >= MAX_DAYS:
            form.error("ends_on", _("An event lasts at most %(n)s days.", n=MAX_DAYS))
    windows = {who: _registration_window(form, who, tz) for who in ("exhibitor", "visitor")}
    status = form.choice("status", [s.value for s in EventStatus])
    hours: dict[dt.date, tuple[dt.time, dt.time]] = {}
    if starts_on and ends_on and not form.errors.get("ends_on"):
        hours = _opening_hours(form, dates_between(starts_on, ends_on))
    data = EventData(
        name=name, slug=slug,
        description=form.text("description", required=False, max_length=5000),
        venue=form.text("venue", max_length=160),
        address=form.text("address", required=False, max_length=300),
        city=form.text("city", required=False, max_length=80),
        timezone=tz, starts_on=starts_on or dt.date.today(), ends_on=ends_on or dt.date.today(),
        exhibitor_reg_opens=windows["exhibitor"][0],
        exhibitor_reg_closes=windows["exhibitor"][1],
        visitor_reg_opens=windows["visitor"][0], visitor_reg_closes=windows["visitor"][1],
        status=EventStatus(status) if status in set(EventStatus) else EventStatus.DRAFT,
        hours=hours,
    )
    form.check()
    return data


def _local(value: dt.datetime | None, tz: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def form_from_event(event: Event, days: list) -> Form:  # type: ignore[type-arg]
    data = {
        "name": event.name, "slug": event.slug, "description": event.description,
        "venue": event.venue, "address": event.address, "city": event.city,
        "timezone": event.timezone, "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(), "status": event.status.value,
    }
    for who in ("exhibitor", "visitor"):
        for edge in ("opens", "closes"):
            name = f"{who}_reg_{edge}"
            data[name] = _local(getattr(event, name), event.timezone)
    for day in days:
        data[f"opens_{day.date.isoformat()}"] = day.opens_at
        data[f"closes_{day.date.isoformat()}"] = day.closes_at
    return Form(data)
