"""Demo: two halls with 60 booths at GOR Segiri and a published allocation for hkn2027.

Runs after ``expo.exhibitors.demo`` (it allocates that demo's accepted applications). The
first placed exhibitor's login is added to the demo logins as "exhibitor with a booth".
"""

from __future__ import annotations

from expo.events.demo import DEMO_PASSWORD, DemoContext
from expo.exhibitors.models import ProducerMember

from . import allocation, service
from .models import Booth, BoothKind, BoothPreference, ClusterMode, Hall
from .service import BoothData

# (prefix, zone, y, count, kind, power W, water)
MAIN_ROWS = [
    ("KR", "Kriya", 2, 12, BoothKind.STANDARD, 900, False),
    ("BF", "Batik & Fesyen", 7, 12, BoothKind.STANDARD, 900, False),
    ("GK", "Galeri Kabupaten", 14, 10, BoothKind.STANDARD, 1300, False),
    ("OL", "Oleh-oleh", 19, 10, BoothKind.STANDARD, 1300, False),
]
FOOD_ROWS = [("KL", "Kuliner", 2, 8, BoothKind.FOOD, 2200, True),
             ("KL", "Kuliner", 8, 8, BoothKind.FOOD, 1300, False)]
SEED = 2027


def _row(prefix: str, zone: str, y: float, count: int, kind: BoothKind, power: int,
         water: bool, start: int = 1) -> list[BoothData]:
    return [BoothData(code=f"{prefix}-{start + i:02d}", x=3.0 + 3.0 * i, y=y, kind=kind,
                      zone=zone, power_watts=power, water=water,
                      price=0 if zone == "Galeri Kabupaten" else 350_000,
                      blocked=prefix == "OL" and i == 9)
            for i in range(count)]


async def _layout(ctx: DemoContext) -> None:
    by = ctx.users["committee"]
    main = await service.save_hall(event=ctx.event, name="Hall Utama GOR Segiri", width=42,
                                   depth=24, by=by)
    items = [b for row in MAIN_ROWS for b in _row(*row)]
    for b in items[:2] + items[12:14]:  # corners at both ends of the first two rows
        items[items.index(b)] = BoothData(**{**b.__dict__, "kind": BoothKind.CORNER})
    await service.create_booths(event=ctx.event, hall=main, items=items, by=by)
    food = await service.save_hall(event=ctx.event, name="Halaman Kuliner", width=30,
                                   depth=13, by=by)
    await service.create_booths(event=ctx.event, hall=food, items=[
        *_row(*FOOD_ROWS[0]), *_row(*FOOD_ROWS[1], start=9)], by=by)


async def _preferences(ctx: DemoContext) -> None:
    apps = await allocation.accepted_applications(ctx.event)
    codes = {b.code: b for b in await Booth.filter(event=ctx.event)}
    wishes = [["KR-01", "zone:Kriya"], ["BF-03", "BF-04"], ["zone:Galeri Kabupaten"],
              ["KL-01", "KL-02", "zone:Kuliner"], ["KR-01", "OL-01"]]
    for app, wish in zip(apps, wishes, strict=False):
        for rank, pick in enumerate(wish, start=1):
            if pick.startswith("zone:"):
                await BoothPreference.create(application=app, rank=rank, zone=pick[5:])
            else:
                await BoothPreference.create(application=app, rank=rank, booth=codes[pick])


async def load(ctx: DemoContext) -> None:
    await _layout(ctx)
    policy = await allocation.policy_for(ctx.event)
    policy.zone_rules = {"kuliner": ["Kuliner"]}
    policy.cluster_mode = ClusterMode.TOGETHER
    await policy.save()
    await _preferences(ctx)
    run = await allocation.run_allocation(event=ctx.event, by=ctx.users["committee"],
                                          seed=SEED, label="Alokasi utama")
    await allocation.publish(run=run, by=ctx.users["committee"])
    held = await Booth.filter(event=ctx.event, holder_id__not_isnull=True).select_related(
        "holder").order_by("id")
    for booth in held[1:4]:  # a few exhibitors already confirmed
        await Booth.filter(id=booth.id).update(confirmed_at=run.published_at)
    holder = held[0].holder if held else None
    if holder is not None:
        member = await ProducerMember.filter(
            producer_id=holder.producer_id).select_related("user").first()
        if member is not None:
            ctx.logins.append(("exhibitor with a booth", member.user.email, DEMO_PASSWORD))
    assert await Hall.filter(event=ctx.event).count() == 2
