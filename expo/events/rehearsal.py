"""Rehearsal mode (gladi): gate staff and exhibitors practise with test tickets before opening.

While an event's rehearsal is on, the gates take only test tickets, at any hour; a real ticket
is refused, and a test ticket is refused once rehearsal is off. What is recorded meanwhile
(scans, leads, sales reports) carries ``rehearsal=True`` and stays out of reports, dashboard,
exports and doorprize draws. "Clear rehearsal" deletes it all with the test tickets, in one
transaction, and turns rehearsal off.

Events is core: it knows no domain's tables. It announces, and the domains react (each in its
``receivers.py``, connected by ``expo.wiring``):

- ``rehearsal_changed`` after rehearsal is turned on or off (the gates drop their cached
  rules);
- ``rehearsal_cleared`` inside the clearing transaction: each domain deletes its rehearsal
  rows (a receiver that raises rolls the whole clearing back);
- ``rehearsal_counts`` asks each domain what it holds of the rehearsal, for the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.events.models import Event
from expo.signals import Signal


@dataclass(frozen=True)
class RehearsalChanged:
    event_id: int
    on: bool


@dataclass(frozen=True)
class RehearsalCleared:
    """Sent inside the clearing transaction: delete what the rehearsal recorded."""

    event_id: int


@dataclass(frozen=True)
class RehearsalAsked:
    event_id: int


@dataclass(frozen=True)
class RehearsalCount:
    """A line of the rehearsal page: what one domain holds of the rehearsal."""

    kind: str  # "tickets", "scans", "leads", "sales": for ordering and tests
    label: str
    count: int


rehearsal_changed: Signal[RehearsalChanged, None] = Signal("rehearsal_changed")
rehearsal_cleared: Signal[RehearsalCleared, int] = Signal("rehearsal_cleared")
rehearsal_counts: Signal[RehearsalAsked, list[RehearsalCount]] = Signal("rehearsal_counts")

ORDER = ("tickets", "scans", "leads", "sales")


async def set_rehearsal(*, event: Event, on: bool, by: User | None) -> Event:
    """Turn rehearsal on or off (audited); turning it off keeps what it recorded until the
    committee clears it (still marked, still out of the reports)."""
    if event.rehearsal == on:
        return event
    async with atomic():
        updated = await Event.filter(id=event.id, rehearsal=not on).update(rehearsal=on)
        if updated:
            await log_action(action="expo.event.rehearsal_on" if on
                             else "expo.event.rehearsal_off", actor=by, event=event,
                             summary=event.name)
    event.rehearsal = on
    await rehearsal_changed.send(RehearsalChanged(event_id=event.id, on=on))
    return event


async def clear_rehearsal(*, event: Event, by: User | None,
                          now: dt.datetime | None = None) -> int:
    """Delete every row the rehearsal recorded and the test tickets, set
    ``rehearsal_cleared_at``, turn rehearsal off: one transaction, audited. Returns how many
    rows the domains deleted."""
    now = now or dt.datetime.now(dt.UTC)
    async with atomic():
        deleted = sum(await rehearsal_cleared.send(RehearsalCleared(event_id=event.id)))
        await Event.filter(id=event.id).update(rehearsal=False, rehearsal_cleared_at=now)
        await log_action(action="expo.event.rehearsal_cleared", actor=by, event=event,
                         summary=f"{event.name}: {deleted}", data={"deleted": deleted})
    event.rehearsal, event.rehearsal_cleared_at = False, now
    await rehearsal_changed.send(RehearsalChanged(event_id=event.id, on=False))
    return deleted


async def counts(*, event: Event) -> list[RehearsalCount]:
    """What each domain holds of the rehearsal, in a fixed order."""
    lines = [line for answer in await rehearsal_counts.send(RehearsalAsked(event_id=event.id))
             for line in answer]
    return sorted(lines, key=lambda c: (ORDER.index(c.kind) if c.kind in ORDER else len(ORDER),
                                        c.kind))
