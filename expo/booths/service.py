"""Floor plans: halls and booths, with geometry rules (inside the hall, no overlaps), and the
one statement that gives a booth to an exhibitor (``claim_booth``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Subquery

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.events.models import Event
from expo.i18n import gettext as _

from .models import Assignment, Booth, BoothKind, BoothPreference, BoothStatus, Hall, RunStatus

EPS = 1e-6
MAX_ROW = 50


@dataclass(frozen=True)
class BoothData:
    code: str
    x: float
    y: float
    w: float = 3
    h: float = 3
    kind: BoothKind = BoothKind.STANDARD
    zone: str = ""
    price: int = 0
    power_watts: int = 0
    water: bool = False
    blocked: bool = False


@dataclass(frozen=True)
class Rect:
    code: str
    x: float
    y: float
    w: float
    h: float


def overlaps(a: Rect | BoothData | Booth, b: Rect | BoothData | Booth) -> bool:
    return (a.x < b.x + b.w - EPS and b.x < a.x + a.w - EPS
            and a.y < b.y + b.h - EPS and b.y < a.y + a.h - EPS)


def check_layout(hall: Hall, placed: Sequence[Rect | Booth], new: Sequence[BoothData],
                 ignore: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Refuse booths outside the hall or overlapping another booth (placed or new)."""
    others = [p for p in placed if p.code not in ignore]
    for i, booth in enumerate(new):
        if booth.w <= 0 or booth.h <= 0:
            raise DomainError(_("Booth %(code)s needs a positive width and depth.",
                                code=booth.code), "bad_size", field="w")
        if booth.x < -EPS or booth.y < -EPS or booth.x + booth.w > hall.width + EPS \
                or booth.y + booth.h > hall.depth + EPS:
            raise DomainError(
                _("Booth %(code)s does not fit inside %(hall)s (%(w)s x %(d)s m).",
                  code=booth.code, hall=hall.name, w=format(hall.width, "g"),
                  d=format(hall.depth, "g")),
                "outside_hall", field="x")
        for other in [*others, *new[:i]]:
            if overlaps(booth, other):
                raise DomainError(_("Booth %(code)s would overlap booth %(other)s.",
                                    code=booth.code, other=other.code), "overlap", field="x")


# -- the plan's version -------------------------------------------------------------------------


async def bump_plan_version(event_id: int) -> None:
    """The public map is cached by ``Event.plan_version`` (``expo.booths.routes``): every
    change it shows adds one, in the transaction that makes the change, so that every worker
    on every host builds the map afresh at its next request, and never serves it stale.

    Called first in a transaction where it can be: the event's row is then locked before any
    booth's, in the same order everywhere."""
    await Event.filter(id=event_id).update(plan_version=F("plan_version") + 1)


async def _bump_plan_of_booth(booth_id: int) -> None:
    """``bump_plan_version`` for the event of a booth known by its id (one statement)."""
    await Event.filter(id__in=Subquery(Booth.filter(id=booth_id).values("event_id"))).update(
        plan_version=F("plan_version") + 1)


# -- halls ------------------------------------------------------------------------------------


async def halls_of(event: Event) -> list[Hall]:
    return await Hall.filter(event=event)


async def get_hall(*, event: Event, hall_id: int) -> Hall:
    return found(await Hall.get_or_none(id=hall_id, event=event), _("This hall does not exist."))


async def save_hall(*, event: Event, name: str, width: float, depth: float, by: User | None,
                    hall: Hall | None = None) -> Hall:
    async with atomic():
        await bump_plan_version(event.id)
        clash = Hall.filter(event=event, name=name)
        if hall is not None:
            clash = clash.exclude(id=hall.id)
        if await clash.exists():
            raise DomainError(_("There is already a hall called %(name)s.", name=name),
                              "duplicate_hall", field="name")
        if hall is not None:
            booths = await Booth.filter(hall=hall)
            if any(b.x + b.w > width + EPS or b.y + b.h > depth + EPS for b in booths):
                raise DomainError(_("Some booths would fall outside the hall. Move them first."),
                                  "outside_hall", field="width")
            hall.name, hall.width, hall.depth = name, width, depth
            await hall.save()
        else:
            hall = await Hall.create(event=event, name=name, width=width, depth=depth,
                                     position=await Hall.filter(event=event).count())
        await log_action(action="expo.hall.saved", actor=by, event=event, obj=hall,
                         summary=f"Hall {name} ({width:g} x {depth:g} m)")
        return hall


@dataclass(frozen=True)
class HallUsage:
    """What deleting a hall would touch. A booth keeps its hall when it is ``held`` by an
    exhibitor, in the ``published`` allocation, or ``locked`` by hand in a draft run (booth
    codes). Its places in other runs (drafts, superseded) and exhibitors' wishes for it go
    with it."""

    booths: int
    held: list[str]
    published: list[str]
    locked: list[str]
    run_places: int
    wishes: int

    @property
    def in_use(self) -> bool:
        return bool(self.held or self.published or self.locked)


async def hall_usage(*, hall: Hall) -> HallUsage:
    booths = await Booth.filter(hall=hall).values_list("code", "holder_id")
    places = await Assignment.filter(booth__hall=hall).values_list(
        "booth__code", "run__status", "locked")
    published = {str(c) for c, status, _l in places if status == RunStatus.PUBLISHED}
    locked = {str(c) for c, status, lock in places if lock and status == RunStatus.DRAFT}
    return HallUsage(
        booths=len(booths), held=sorted(str(c) for c, holder in booths if holder is not None),
        published=sorted(published), locked=sorted(locked),
        run_places=sum(1 for _c, status, _l in places if status != RunStatus.PUBLISHED),
        wishes=await BoothPreference.filter(booth__hall=hall).count())


def _hall_in_use(hall: Hall, usage: HallUsage) -> DomainError:
    codes = ", ".join(sorted({*usage.held, *usage.published, *usage.locked})[:10])
    return DomainError(
        _("%(hall)s cannot be deleted: booths %(codes)s are held by exhibitors, in the "
          "published allocation or locked in a draft run. Release or move them first.",
          hall=hall.name, codes=codes), "hall_in_use", status_code=409)


async def delete_hall(*, hall: Hall, by: User | None) -> HallUsage:
    """Delete a hall with all its booths in one transaction, unless one of them is in use.

    The booths go by one conditional ``DELETE ... WHERE holder_id IS NULL``: a booth claimed
    since the check stays, and then nothing is deleted."""
    event = await hall.event
    async with atomic():
        await bump_plan_version(event.id)
        usage = await hall_usage(hall=hall)
        if usage.in_use:
            raise _hall_in_use(hall, usage)
        await Booth.filter(hall=hall, holder_id=None).delete()
        if await Booth.filter(hall=hall).exists():
            raise _hall_in_use(hall, await hall_usage(hall=hall))
        await Hall.filter(id=hall.id).delete()
        await log_action(action="expo.hall.deleted", actor=by, event=event, obj=hall,
                         summary=f"Hall {hall.name} deleted with {usage.booths} booth(s)",
                         data={"booths": usage.booths, "run_places": usage.run_places,
                               "wishes": usage.wishes})
    return usage


# -- booths -----------------------------------------------------------------------------------


async def booths_of(event: Event, hall: Hall | None = None) -> list[Booth]:
    query = Booth.filter(event=event)
    if hall is not None:
        query = query.filter(hall=hall)
    return await query.select_related("holder__producer")


async def get_booth(*, event: Event, booth_id: int) -> Booth:
    return found(await Booth.get_or_none(id=booth_id, event=event).select_related("hall"),
                 _("This booth does not exist."))


async def _check_codes(event: Event, codes: Sequence[str], ignore: int | None = None) -> None:
    if len(set(codes)) != len(codes):
        raise DomainError(_("Booth codes must be unique."), "duplicate_code", field="code")
    query = Booth.filter(event=event, code__in=list(codes))
    if ignore is not None:
        query = query.exclude(id=ignore)
    taken = await query.values_list("code", flat=True)
    if taken:
        raise DomainError(_("Booth code %(code)s is already used.", code=taken[0]),
                          "duplicate_code", field="code")


def _fields(data: BoothData) -> dict[str, Any]:
    """Column values of a booth, as keyword arguments for ``Booth.create`` and updates."""
    return {"code": data.code, "x": data.x, "y": data.y, "w": data.w, "h": data.h,
            "kind": data.kind, "zone": data.zone, "price": data.price,
            "power_watts": data.power_watts, "water": data.water}


async def create_booths(*, event: Event, hall: Hall, items: Sequence[BoothData],
                        by: User | None) -> list[Booth]:
    """Add booths all together or not at all."""
    await _check_codes(event, [b.code for b in items])
    check_layout(hall, await Booth.filter(hall=hall), items)
    created = []
    async with atomic():
        await bump_plan_version(event.id)
        for data in items:
            status = BoothStatus.BLOCKED if data.blocked else BoothStatus.AVAILABLE
            try:
                created.append(await Booth.create(event=event, hall=hall, status=status,
                                                  **_fields(data)))
            except IntegrityError:
                raise DomainError(_("Booth code %(code)s is already used.", code=data.code),
                                  "duplicate_code", field="code") from None
        await log_action(action="expo.booth.created", actor=by, event=event, obj=hall,
                         summary=f"{len(created)} booth(s): "
                                 + ", ".join(b.code for b in created)[:200])
    return created


async def update_booth(*, booth: Booth, data: BoothData, by: User | None) -> Booth:
    async with atomic():
        await bump_plan_version(booth.event_id)  # type: ignore[attr-defined]
        event = await booth.event
        hall = await booth.hall
        await _check_codes(event, [data.code], ignore=booth.id)
        check_layout(hall, await Booth.filter(hall=hall).exclude(id=booth.id), [data])
        for key, value in _fields(data).items():
            setattr(booth, key, value)
        if data.blocked and booth.status == BoothStatus.AVAILABLE:
            booth.status = BoothStatus.BLOCKED
        elif not data.blocked and booth.status == BoothStatus.BLOCKED:
            booth.status = BoothStatus.AVAILABLE
        await booth.save()
        await log_action(action="expo.booth.updated", actor=by, event=event, obj=booth,
                         summary=f"Booth {booth.code} at ({booth.x:g}, {booth.y:g}) "
                                 f"{booth.w:g} x {booth.h:g} m")
        return booth


async def delete_booth(*, booth: Booth, by: User | None) -> None:
    async with atomic():
        if booth.holder_id is not None:  # type: ignore[attr-defined]
            raise DomainError(_("Booth %(code)s is held by an exhibitor. Release it first.",
                                code=booth.code), "booth_held", status_code=409)
        event = await booth.event
        await bump_plan_version(event.id)
        await booth.delete()
        await log_action(action="expo.booth.deleted", actor=by, event=event,
                         summary=f"Booth {booth.code} deleted")


def next_code(code: str, step: int = 1) -> str:
    """A-09 -> A-10: the trailing number goes up, keeping its width."""
    match = re.search(r"(\d+)$", code)
    if not match:
        return f"{code}-{step + 1}"
    digits = match.group(1)
    return code[: match.start()] + str(int(digits) + step).zfill(len(digits))


def row_from(booth: Booth, count: int, gap: float = 0.0,
             direction: str = "right") -> list[BoothData]:
    """``count`` copies of ``booth`` placed side by side after it (right or down)."""
    base = BoothData(code=booth.code, x=booth.x, y=booth.y, w=booth.w, h=booth.h,
                     kind=BoothKind(booth.kind), zone=booth.zone, price=booth.price,
                     power_watts=booth.power_watts, water=booth.water)
    out = []
    for i in range(1, count + 1):
        dx = i * (booth.w + gap) if direction == "right" else 0
        dy = i * (booth.h + gap) if direction == "down" else 0
        out.append(replace(base, code=next_code(booth.code, i), x=booth.x + dx,
                           y=booth.y + dy))
    return out


async def duplicate_row(*, booth: Booth, count: int, by: User | None, gap: float = 0.0,
                        direction: str = "right") -> list[Booth]:
    if not 1 <= count <= MAX_ROW:
        raise DomainError(_("Make between 1 and %(n)s copies at a time.", n=MAX_ROW),
                          "bad_count", field="count")
    event, hall = await booth.event, await booth.hall
    return await create_booths(event=event, hall=hall,
                               items=row_from(booth, count, gap, direction), by=by)


# -- holding a booth ----------------------------------------------------------------------------


async def claim_booth(*, booth_id: int, application_id: int) -> None:
    """Give a free booth to an application in one conditional statement: of many concurrent
    claims exactly one changes a row; the others get ``booth_taken`` (and their plan version
    bump is rolled back with it)."""
    async with atomic():
        await _bump_plan_of_booth(booth_id)
        changed = await Booth.filter(id=booth_id, holder_id=None,
                                     status=BoothStatus.AVAILABLE).update(
            holder_id=application_id, status=BoothStatus.ASSIGNED, confirmed_at=None)
        if changed != 1:
            raise DomainError(_("This booth has just been taken. Choose another one."),
                              "booth_taken", status_code=409)


async def free_booth(*, booth_id: int, application_id: int | None = None) -> bool:
    """Release a booth (only from ``application_id`` when given). True if it was held."""
    query = Booth.filter(id=booth_id, status=BoothStatus.ASSIGNED)
    if application_id is not None:
        query = query.filter(holder_id=application_id)
    async with atomic():
        await _bump_plan_of_booth(booth_id)  # one version too many when nothing changed
        changed = await query.update(holder_id=None, status=BoothStatus.AVAILABLE,
                                     confirmed_at=None)
    return changed == 1
