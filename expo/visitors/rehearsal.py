"""The visitors' part of a rehearsal (``expo.events.rehearsal``): test tickets, and what the
gates recorded with them.

A test ticket is a visitor row with ``rehearsal=True``: signed like any ticket, admitted only
while the event's rehearsal is on (``expo.visitors.checkin``), marked TEST on its page. The
gates' scans in a rehearsal carry ``rehearsal=True``; clearing the rehearsal deletes them with
the test tickets.
"""

from __future__ import annotations

from expo import invalidation
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError
from expo.events.models import Event
from expo.events.rehearsal import (
    RehearsalAsked,
    RehearsalChanged,
    RehearsalCleared,
    RehearsalCount,
)
from expo.i18n import gettext as _
from expo.visitors import checkin
from expo.visitors.forms import VisitorData
from expo.visitors.models import Scan, Source, Visitor, VisitorType
from expo.visitors.service import register_visitor

MAX_TEST_TICKETS = 200  # at once, and in all: a rehearsal needs a few per gate


async def issue_test_tickets(*, event: Event, count: int, by: User | None) -> list[Visitor]:
    """``count`` test tickets ("Test ticket 1", ...), numbered after the ones already made."""
    have = await Visitor.filter(event=event, rehearsal=True).count()
    if not 1 <= count <= MAX_TEST_TICKETS or have + count > MAX_TEST_TICKETS:
        raise DomainError(_("Issue between 1 and %(max)s test tickets in all (%(have)s so far).",
                            max=MAX_TEST_TICKETS, have=have), "rehearsal_tickets",
                          status_code=422, field="count")
    async with atomic():
        made = [await register_visitor(
            event=event, source=Source.STAFF, rehearsal=True,
            data=VisitorData(name=_("Test ticket %(n)s", n=have + i + 1)[:120],
                             type=VisitorType.GUEST))
            for i in range(count)]
        await log_action(action="expo.visitor.test_tickets_issued", actor=by, event=event,
                         summary=f"{count} × test", data={"count": count})
    await invalidation.changed(checkin.GATE, event.id)  # counts leave test tickets out now
    return made


async def test_tickets(*, event: Event) -> list[Visitor]:
    return await Visitor.filter(event=event, rehearsal=True).order_by("id")


# ---- receivers of the events' rehearsal signals (connected by expo.wiring) ----------------

async def forget_gate_rules(changed: RehearsalChanged) -> None:
    """The gates' cached rules say whether rehearsal is on: read them again."""
    await invalidation.changed(checkin.GATE, changed.event_id)


async def clear(cleared: RehearsalCleared) -> int:
    """Delete the rehearsal's scans and the test tickets (the caller's transaction)."""
    scans = await Scan.filter(event_id=cleared.event_id, rehearsal=True).delete()
    tickets = await Visitor.filter(event_id=cleared.event_id, rehearsal=True).delete()
    await invalidation.changed(checkin.GATE, cleared.event_id)  # at the caller's commit
    return int(scans) + int(tickets)


async def counts(asked: RehearsalAsked) -> list[RehearsalCount]:
    tickets = await Visitor.filter(event_id=asked.event_id, rehearsal=True).count()
    scans = await Scan.filter(event_id=asked.event_id, rehearsal=True).count()
    return [RehearsalCount("tickets", _("Test tickets"), tickets),
            RehearsalCount("scans", _("Gate scans"), scans)]
