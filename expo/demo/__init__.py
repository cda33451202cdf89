"""The demo: a Hari Konsumen Nasional fair in Samarinda with Kaltim producers.

``expo.events.demo`` makes the event and its staff, dated around the moment of the load (the
fair runs from yesterday to today and tomorrow); then each domain's ``demo.py``
(``async def load(ctx: DemoContext)``) adds its part, in the order of ``DEMO_LOADERS``, all in
one transaction, so a failed load leaves nothing half-written. ``expo.demo.history`` adds last
year's fair. The loader stands at the top of the house (it imports every domain); the domains'
demos import only ``expo.events.demo``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable

from expo.accounts.models import User
from expo.booths import demo as booths_demo
from expo.db import atomic
from expo.events.demo import DEMO_PASSWORD, DEMO_SLUG, DemoContext, foundation
from expo.events.models import Event
from expo.exhibitors import demo as exhibitors_demo
from expo.leads import demo as leads_demo
from expo.payments import demo as payments_demo
from expo.procurement import demo as procurement_demo
from expo.reports import demo as reports_demo
from expo.visitors import demo as visitors_demo

from . import history
from .history import PAST_SLUG

__all__ = ["DEMO_LOADERS", "DEMO_PASSWORD", "DEMO_SLUG", "PAST_SLUG", "DemoContext", "Progress",
           "is_empty", "load_demo", "reset_demo"]

Loader = Callable[[DemoContext], Awaitable[None]]
Progress = Callable[[str, float], None]  # (step, seconds it took), after each step

# In dependency order: each builds on what the ones before it made. The nastar stands and last
# year's fair come before the booths: the allocation places the one and penalises the other.
DEMO_LOADERS: list[tuple[str, Loader]] = [
    ("visitors and check-ins", visitors_demo.load),
    ("producers and applications", exhibitors_demo.load),
    ("nastar stands", leads_demo.stands),
    ("last year's fair", history.load),
    ("halls, booths and the allocation", booths_demo.load),
    ("fees and invoices", payments_demo.load),
    ("leads and inquiries", leads_demo.load),
    ("sales reports and the draw", reports_demo.load),
    ("procurement", procurement_demo.load),
]


async def is_empty() -> bool:
    return not await User.exists() and not await Event.exists()


async def load_demo(*, now: dt.datetime | None = None,
                    progress: Progress | None = None) -> DemoContext:
    """Load the demo dated around ``now`` (default: this moment); ``progress`` hears of each
    step as it ends."""
    async with atomic():
        started = time.perf_counter()
        ctx = await foundation(now)
        if progress is not None:
            progress("event and staff", time.perf_counter() - started)
        for step, load in DEMO_LOADERS:
            started = time.perf_counter()
            await load(ctx)
            if progress is not None:
                progress(step, time.perf_counter() - started)
    return ctx


async def reset_demo() -> None:
    """Remove the demo events and demo accounts (used by ``main.py demo --reset``)."""
    async with atomic():
        await Event.filter(slug__in=[DEMO_SLUG, PAST_SLUG]).delete()
        await User.filter(email__endswith="@expo.test").delete()


async def demo_dates() -> tuple[dt.date, dt.date] | None:
    """The demo fair's first and last day, when the demo is loaded."""
    event = await Event.get_or_none(slug=DEMO_SLUG)
    return (event.starts_on, event.ends_on) if event is not None else None
