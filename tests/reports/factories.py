"""Factories for report tests: accepted exhibitors, visitors with check-ins, sales."""

from __future__ import annotations

import datetime as dt
import itertools

from expo.accounts.models import EventRole, Role, User
from expo.events.models import Event
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Category,
    Producer,
    ProducerMember,
    Product,
)
from expo.visitors.models import Gate, Scan, Visitor, VisitorType
from tests.factories import make_user

_seq = itertools.count(1)


async def make_exhibitor(event: Event, *, user: User | None = None,
                         category: Category = Category.KULINER, kabupaten: str = "Kota Samarinda",
                         status: AppStatus = AppStatus.ACCEPTED, smk_workers: int = 0,
                         products: int = 2) -> tuple[User, Producer]:
    n = next(_seq)
    user = user or await make_user()
    producer = await Producer.create(
        business_name=f"Amplang {n}", owner_name=f"Ibu {n}", phone=f"+62812{n:08d}",
        email=user.email, kabupaten=kabupaten, category=category, smk_workers=smk_workers)
    await ProducerMember.create(producer=producer, user=user)
    await Application.create(event=event, producer=producer, status=status)
    if status == AppStatus.ACCEPTED:
        await EventRole.create(event=event, user=user, role=Role.EXHIBITOR)
    for i in range(products):
        await Product.create(producer=producer, name=f"Produk {n}-{i + 1}", price_min=20000,
                             price_max=30000)
    return user, producer


async def make_gate(event: Event, name: str = "Pintu Utama") -> Gate:
    return await Gate.create(event=event, name=name)


async def make_checked_in(event: Event, *, gate: Gate | None = None, day: dt.date | None = None,
                          type: VisitorType = VisitorType.UMUM, consent: bool = False,
                          hour: int = 10, name: str | None = None) -> Visitor:
    n = next(_seq)
    day = day or event.starts_on
    at = dt.datetime.combine(day, dt.time(hour, n % 60), tzinfo=dt.UTC)
    visitor = await Visitor.create(
        event=event, ticket_key=f"{n:014x}", link_token=f"lt{n:041d}", name=name or f"Pengunjung {n}",
        phone=f"+62813{n:08d}", email=f"v{n}@example.id", type=type, consent_share=consent,
        consent_at=at if consent else None, inside=True, last_in_day=day, last_in_at=at, entries=1)
    await Scan.create(event=event, visitor=visitor, gate=gate, direction="in", ok=True, day=day,
                      scanned_at=at, recorded_at=at, nonce=f"n{n}")
    return visitor


async def make_scan(event: Event, visitor: Visitor | None, at: dt.datetime, *,
                    gate: Gate | None = None, day: dt.date | None = None, ok: bool = True,
                    direction: str = "in") -> Scan:
    """One scan at ``at`` (aware) for ``day`` (by default the local date of ``at``)."""
    n = next(_seq)
    if day is None:
        from zoneinfo import ZoneInfo

        day = at.astimezone(ZoneInfo(event.timezone)).date()
    return await Scan.create(event=event, visitor=visitor, gate=gate, direction=direction, ok=ok,
                             day=day, scanned_at=at, recorded_at=at, nonce=f"s{n}")


async def make_visitor(event: Event, *, type: VisitorType = VisitorType.UMUM) -> Visitor:
    n = next(_seq)
    return await Visitor.create(event=event, ticket_key=f"{n:014x}", link_token=f"lv{n:041d}",
                                name=f"Tamu {n}", type=type)
