"""Demo: two halls with 58 booths at GOR Segiri and a published allocation for hkn2027 that
follows its zone rules (food makers in the food hall, batik in "Batik & Fesyen").

Runs after ``expo.exhibitors.demo`` (it allocates that demo's accepted applications) and
``expo.demo.history`` (last year's holders get the rotation penalty). The first exhibitor
placed on a single booth is added to the demo logins as "exhibitor with a booth".
"""

from __future__ import annotations

from collections import Counter

from expo.events.demo import DEMO_PASSWORD, DemoContext
from expo.exhibitors.models import ProducerMember

from . import allocation, service
from .models import Booth, BoothKind, BoothPreference, ClusterMode, Hall
from .service import BoothData

# (prefix, zone, y, count, kind, power W, water)
MAIN_ROWS = [
    ("KR", "Kriya", 2, 12, BoothKind.STANDARD, 1300, False),
    ("BF", "Batik & Fesyen", 7, 12, BoothKind.STANDARD, 1300, False),
    ("GK", "Galeri Kabupaten", 14, 10, BoothKind.STANDARD, 1300, False),
]
# The food hall: cooking stands (water at the first row) and packaged food (oleh-oleh).
FOOD_ROWS = [("KL", "Kuliner", 2, 8, BoothKind.FOOD, 2200, True),
             ("KL", "Kuliner", 8, 8, BoothKind.FOOD, 1300, False),
             ("OL", "Oleh-oleh", 14, 8, BoothKind.STANDARD, 1300, False)]
# Which zones each category may be placed in (the allocation's hard rule): food makers in the
# food hall, batik and tenun in "Batik & Fesyen", crafts in Kriya or the regency gallery.
ZONE_RULES = {"kuliner": ["Kuliner"], "oleh-oleh": ["Oleh-oleh", "Kuliner"],
              "fesyen": ["Batik & Fesyen"], "kriya": ["Kriya", "Galeri Kabupaten"],
              "aksesoris": ["Kriya", "Galeri Kabupaten"],
              "dekorasi": ["Kriya", "Galeri Kabupaten"]}
# First wishes by category (booth codes or "zone:..."), for the first applicants of each.
WISHES = {"kuliner": [["KL-01", "KL-02", "zone:Kuliner"], ["zone:Kuliner"]],
          "oleh-oleh": [["OL-01", "zone:Oleh-oleh"]],
          "fesyen": [["BF-03", "BF-04"], ["zone:Batik & Fesyen"]],
          "kriya": [["KR-01", "zone:Kriya"], ["zone:Galeri Kabupaten"]]}
SEED = 2027
def _row(prefix: str, zone: str, y: float, count: int, kind: BoothKind, power: int,
         water: bool, start: int = 1) -> list[BoothData]:
    return [BoothData(code=f"{prefix}-{start + i:02d}", x=3.0 + 3.0 * i, y=y, kind=kind,
                      zone=zone, power_watts=power, water=water,
                      price=0 if zone == "Galeri Kabupaten" else 350_000,
                      blocked=prefix == "OL" and i == 7)
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
                                   depth=19, by=by)
    await service.create_booths(event=ctx.event, hall=food, items=[
        *_row(*FOOD_ROWS[0]), *_row(*FOOD_ROWS[1], start=9), *_row(*FOOD_ROWS[2])], by=by)


async def _preferences(ctx: DemoContext) -> None:
    apps = sorted(await allocation.accepted_applications(ctx.event), key=lambda a: a.id)
    codes = {b.code: b for b in await Booth.filter(event=ctx.event)}
    wishes = {category: list(lists) for category, lists in WISHES.items()}
    for app in apps:
        left = wishes.get(str(app.producer.category))
        if not left:
            continue
        for rank, pick in enumerate(left.pop(0), start=1):
            if pick.startswith("zone:"):
                await BoothPreference.create(application=app, rank=rank, zone=pick[5:])
            else:
                await BoothPreference.create(application=app, rank=rank, booth=codes[pick])


async def load(ctx: DemoContext) -> None:
    await _layout(ctx)
    policy = await allocation.policy_for(ctx.event)
    policy.zone_rules = ZONE_RULES
    policy.cluster_mode = ClusterMode.TOGETHER
    await policy.save()
    await _preferences(ctx)
    run = await allocation.run_allocation(event=ctx.event, by=ctx.users["committee"],
                                          seed=SEED, label="Alokasi utama")
    await allocation.publish(run=run, by=ctx.users["committee"])
    held = await Booth.filter(event=ctx.event, holder_id__not_isnull=True).select_related(
        "holder").order_by("id")
    count = Counter(b.holder_id for b in held)  # type: ignore[attr-defined]
    # The exhibitor listed "with a booth": the first holder of a single booth, left for the
    # booths journey to confirm; a few others confirmed already.
    first = next((b for b in held if count[b.holder_id] == 1), None)  # type: ignore[attr-defined]
    others = [b for b in held if first is None or b.holder_id != first.holder_id]  # type: ignore[attr-defined]
    for booth in others[:3]:
        await Booth.filter(id=booth.id).update(confirmed_at=run.published_at)
    if first is not None and first.holder is not None:
        ctx.marks["booth holder"] = first.holder_id  # type: ignore[attr-defined]
        member = await ProducerMember.filter(
            producer_id=first.holder.producer_id).select_related("user").first()  # type: ignore[attr-defined]
        if member is not None:
            ctx.logins.append(("exhibitor with a booth", member.user.email, DEMO_PASSWORD))
    assert await Hall.filter(event=ctx.event).count() == 2
