"""Events: create, edit, publish, and what the public may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from tortoise.exceptions import IntegrityError

from expo import invalidation
from expo.accounts.models import EventRole, Role, User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound
from expo.events.forms import EventData
from expo.events.models import Event, EventDay, EventStatus
from expo.events.team import roles_for
from expo.i18n import gettext as _

EVENT = "event"  # ``expo.invalidation``'s topic: an event's own fields or days changed (its id)
_EVENT_FIELDS = ("name", "slug", "description", "venue", "address", "city", "timezone",
                 "starts_on", "ends_on", "exhibitor_reg_opens", "exhibitor_reg_closes",
                 "visitor_reg_opens", "visitor_reg_closes", "status")


def _slug_taken() -> DomainError:
    return DomainError(_("This short name (slug) is already used by another event."),
                       "slug_taken", field="slug")


async def _write_days(event: Event, hours: dict[dt.date, tuple[dt.time, dt.time]]) -> None:
    await EventDay.filter(event=event).exclude(date__in=list(hours)).delete()
    existing = {d.date: d for d in await EventDay.filter(event=event)}
    for day, (opens, closes) in sorted(hours.items()):
        row = existing.get(day)
        o, c = opens.strftime("%H:%M"), closes.strftime("%H:%M")
        if row is None:
            await EventDay.create(event=event, date=day, opens_at=o, closes_at=c)
        elif (row.opens_at, row.closes_at) != (o, c):
            row.opens_at, row.closes_at = o, c
            await row.save(update_fields=["opens_at", "closes_at"])


async def create_event(*, data: EventData, by: User) -> Event:
    """Create an event; its creator becomes a committee member of it."""
    values = {k: v for k, v in asdict(data).items() if k in _EVENT_FIELDS}
    try:
        async with atomic():
            event = await Event.create(**values)
            await _write_days(event, data.hours)
            await EventRole.create(event=event, user=by, role=Role.COMMITTEE)
            await log_action(action="expo.event.created", actor=by, event=event, obj=event,
                             summary=event.name)
    except IntegrityError:
        raise _slug_taken() from None
    return event


async def update_event(*, event: Event, data: EventData, by: User) -> Event:
    values = {k: v for k, v in asdict(data).items() if k in _EVENT_FIELDS}
    changed = sorted(k for k, v in values.items() if getattr(event, k) != v)
    if values["slug"] != event.slug and await Event.exists(slug=values["slug"]):
        raise _slug_taken()
    try:
        async with atomic():
            for key, value in values.items():
                setattr(event, key, value)
            await event.save()
            await _write_days(event, data.hours)
            await invalidation.changed(EVENT, event.id)  # the gates' cached hours, every worker
            await log_action(action="expo.event.updated", actor=by, event=event, obj=event,
                             summary=", ".join(changed), data={"fields": changed})
    except IntegrityError:
        raise _slug_taken() from None
    return event


async def set_status(*, event: Event, status: EventStatus, by: User) -> Event:
    async with atomic():
        if event.status == status:
            return event
        old = event.status
        event.status = status
        await event.save(update_fields=["status", "updated_at"])
        await log_action(action=f"expo.event.{status.value}", actor=by, event=event, obj=event,
                         data={"from": old.value, "to": status.value})
        return event


async def event_days(event: Event) -> list[EventDay]:
    return await EventDay.filter(event=event).order_by("date")


async def public_events() -> list[Event]:
    """Published events, the ones still to come first."""
    today = dt.date.today()
    events = await Event.filter(status=EventStatus.PUBLISHED).order_by("starts_on")
    upcoming = [e for e in events if e.ends_on >= today]
    past = sorted((e for e in events if e.ends_on < today), key=lambda e: e.starts_on,
                  reverse=True)
    return upcoming + past


async def viewable_event(*, slug: str, user: User | None) -> tuple[Event, set[Role]]:
    """A published or closed event for anyone; a draft only for its own staff."""
    event = await Event.get_or_none(slug=slug)
    roles = await roles_for(user, event) if event is not None else set()
    if event is None or (event.status == EventStatus.DRAFT and not roles):
        raise NotFound(_("This event does not exist or is not published yet."))
    return event, roles


def window_state(opens: dt.datetime | None, closes: dt.datetime | None,
                 now: dt.datetime | None = None) -> str:
    """'open', 'not_yet', 'closed' or 'unset' for a registration window."""
    now = now or dt.datetime.now(dt.UTC)
    if opens is None and closes is None:
        return "unset"
    if opens is not None and now < opens:
        return "not_yet"
    if closes is not None and now >= closes:
        return "closed"
    return "open"
