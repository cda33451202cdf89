"""Factories for booth tests: halls, booths and accepted applications."""

from __future__ import annotations

import datetime as dt
import itertools

from expo.accounts.models import User
from expo.booths.models import Booth, BoothKind, Hall
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category, Producer, ProducerMember

_seq = itertools.count(1)


async def make_hall(event: Event, *, name: str | None = None, width: float = 40,
                    depth: float = 30) -> Hall:
    return await Hall.create(event=event, name=name or f"Hall {next(_seq)}", width=width,
                             depth=depth)


async def make_row(hall: Hall, n: int, *, prefix: str = "A", y: float = 0,
                   zone: str = "Kriya", kind: BoothKind = BoothKind.STANDARD,
                   power_watts: int = 900, water: bool = False, start: int = 1) -> list[Booth]:
    event = await hall.event
    return [await Booth.create(event=event, hall=hall, code=f"{prefix}-{start + i:02d}",
                               x=3.0 * i, y=y, w=3, h=3, zone=zone, kind=kind,
                               power_watts=power_watts, water=water) for i in range(n)]


async def make_application(event: Event, *, user: User | None = None,
                           category: Category = Category.KRIYA, cluster: str = "",
                           status: AppStatus = AppStatus.ACCEPTED, smk: bool = False,
                           micro: bool = True, first_time: bool = False,
                           score: float | None = None, booths_needed: int = 1,
                           power_watts: int = 0, needs_water: bool = False,
                           booth_type: str = "standard") -> Application:
    n = next(_seq)
    producer = await Producer.create(
        business_name=f"UMKM {n}", owner_name=f"Owner {n}", phone="+6281234567890",
        email=f"umkm{n}@example.id", kabupaten="Samarinda", category=category,
        cluster=cluster, smk_workers=1 if smk else 0, is_micro=micro)
    if user is not None:
        await ProducerMember.create(producer=producer, user=user)
    return await Application.create(
        event=event, producer=producer, status=status, booth_type=booth_type,
        booths_needed=booths_needed, power_watts=power_watts, needs_water=needs_water,
        first_time=first_time, total_score=score,
        submitted_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n))
