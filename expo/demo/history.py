"""Last year's fair (``hkn2026``), closed: its accepted applications, its booths and the
published allocation that placed them, a year before the demo's fair. It gives the producers a
history, and the allocation of this year's fair its rotation penalty (producers that held a
booth at an earlier event get fewer priority points).

Allocated by the engine; published with the models (rows as ``allocation.publish`` leaves
them), since publishing through the service would send last year's booth notices to today's
inboxes.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from expo.booths import allocation
from expo.booths import service as booths
from expo.booths.models import (
    AllocationRun,
    Assignment,
    Booth,
    BoothKind,
    BoothStatus,
    ClusterMode,
    RunStatus,
)
from expo.booths.service import BoothData
from expo.events.demo import DEMO_TIMEZONE, DemoContext
from expo.events.models import Event, EventDay, EventStatus
from expo.exhibitors.models import Application, AppStatus, BoothType, Category, Producer

PAST_SLUG = "hkn2026"
# Last year's exhibitors (demo producers), in the order they were placed.
PAST_EXHIBITORS = [
    "Amplang Mahakam Jaya", "Kue Talam Bu Sri", "Sambal Raja Kutai", "Kopi Luwak Kubar",
    "Madu Kelulut Paser", "Lempok Durian Berau", "Keripik Pisang Kutim",
    "Batik Kaltim Nusantara", "Batik Shaho Samarinda", "Batik Beraja Berau",
    "Ulap Doyo Jempang", "Rotan Kutai Kreasi", "Anyaman Rotan Sendawar",
    "Manik Dayak Long Bagun", "Ukiran Kayu Ulin Balikpapan",
]
# zone, booth prefix, y, booth kind, the categories placed there
ROWS = [("Kuliner", "KL", 2, BoothKind.FOOD, {Category.KULINER}),
        ("Oleh-oleh", "OL", 7, BoothKind.STANDARD, {Category.OLEH_OLEH}),
        ("Batik & Fesyen", "BF", 12, BoothKind.STANDARD, {Category.FESYEN}),
        ("Kriya", "KR", 17, BoothKind.STANDARD,
         {Category.KRIYA, Category.AKSESORIS, Category.DEKORASI, Category.LAINNYA})]
PER_ROW = 8


async def load(ctx: DemoContext) -> None:
    """Runs after ``expo.exhibitors.demo`` (the producers) and before ``expo.booths.demo``."""
    tz = ZoneInfo(DEMO_TIMEZONE)
    start = ctx.event.starts_on - dt.timedelta(days=364)
    at = dt.datetime.combine(start, dt.time(9), tzinfo=tz).astimezone(dt.UTC)
    event = await Event.create(
        slug=PAST_SLUG, name="Hari Konsumen Nasional 2026", venue="GOR Segiri",
        address="Jl. Kesuma Bangsa", city="Samarinda", timezone=DEMO_TIMEZONE,
        description="Pameran produk UMKM Kalimantan Timur tahun lalu.",
        starts_on=start, ends_on=start + dt.timedelta(days=2), status=EventStatus.CLOSED,
        exhibitor_reg_opens=at - dt.timedelta(days=90),
        exhibitor_reg_closes=at - dt.timedelta(days=30),
        visitor_reg_opens=at - dt.timedelta(days=45),
        visitor_reg_closes=at + dt.timedelta(days=2, hours=8))
    for offset in range(3):
        await EventDay.create(event=event, date=start + dt.timedelta(days=offset),
                              opens_at="09:00", closes_at="17:00" if offset == 2 else "21:00")
    by = ctx.users["committee"]
    hall = await booths.save_hall(event=event, name="Hall Utama GOR Segiri", width=30,
                                  depth=22, by=by)
    await booths.create_booths(event=event, hall=hall, by=by, items=[
        BoothData(code=f"{prefix}-{i + 1:02d}", x=3.0 + 3.0 * i, y=y, kind=kind, zone=zone,
                  price=300_000, power_watts=1300, water=kind == BoothKind.FOOD)
        for zone, prefix, y, kind, _cats in ROWS for i in range(PER_ROW)])
    policy = await allocation.policy_for(event)
    policy.zone_rules = {str(c): [zone] for zone, _p, _y, _k, cats in ROWS for c in cats}
    await policy.save()
    producers = {p.business_name: p for p in await Producer.filter(
        business_name__in=PAST_EXHIBITORS, email__endswith="@expo.test")}
    for n, name in enumerate(PAST_EXHIBITORS):
        producer = producers[name]
        await Application.create(
            event=event, producer=producer, status=AppStatus.ACCEPTED,
            booth_type=BoothType.FOOD if producer.category == Category.KULINER
            else BoothType.STANDARD, terms_accepted_at=at - dt.timedelta(days=60 - n),
            submitted_at=at - dt.timedelta(days=60 - n), decided_at=at - dt.timedelta(days=28),
            decided_by=by, first_time=n % 4 == 0)
    run = await allocation.run_allocation(event=event, by=by, seed=2026, label="Alokasi utama",
                                          cluster_mode=ClusterMode.NONE)
    # Published as the service would, without its notices (they would reach today's inboxes)
    published = at - dt.timedelta(days=21)
    for placed in await Assignment.filter(run=run):
        await Booth.filter(id=placed.booth_id).update(  # type: ignore[attr-defined]
            holder_id=placed.application_id, status=BoothStatus.ASSIGNED,  # type: ignore[attr-defined]
            confirmed_at=published + dt.timedelta(days=7))
    await AllocationRun.filter(id=run.id).update(status=RunStatus.PUBLISHED,
                                                 published_at=published)
