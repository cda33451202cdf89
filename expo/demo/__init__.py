"""The demo: a Hari Konsumen Nasional fair in Samarinda with Kaltim producers.

``expo.events.demo`` makes the event and its staff; then each domain's ``demo.py``
(``async def load(ctx: DemoContext)``) adds its part, in the order of ``DEMO_LOADERS``, all in
one transaction, so a failed load leaves nothing half-written. The loader stands at the top
of the house (it imports every domain); the domains' demos import only ``expo.events.demo``.
"""

from __future__ import annotations

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

__all__ = ["DEMO_PASSWORD", "DEMO_SLUG", "DemoContext", "is_empty", "load_demo", "reset_demo"]

# In dependency order: each builds on what the ones before it made.
DEMO_LOADERS: list[Callable[[DemoContext], Awaitable[None]]] = [
    visitors_demo.load, exhibitors_demo.load, booths_demo.load, payments_demo.load,
    leads_demo.load,
    reports_demo.load,
    procurement_demo.load]


async def is_empty() -> bool:
    return not await User.exists() and not await Event.exists()


async def load_demo() -> DemoContext:
    async with atomic():
        ctx = await foundation()
        for load in DEMO_LOADERS:
            await load(ctx)
    return ctx


async def reset_demo() -> None:
    """Remove the demo event and demo accounts (used by ``main.py demo --reset``)."""
    async with atomic():
        await Event.filter(slug=DEMO_SLUG).delete()
        await User.filter(email__endswith="@expo.test").delete()
