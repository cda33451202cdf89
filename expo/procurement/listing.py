"""Who is in the catalogue: a producer opts in or out; the trade office lists and unlists,
verifies each legality number against its document (only a verified number shows as a
badge), and adds producers that came from no event.

A producer without a listing row gets one on opt-in (or when the trade office lists it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.exhibitors import service as exhibitors
from expo.exhibitors.models import Producer, Product
from expo.i18n import gettext as _
from expo.settings import Settings

from .models import Listing

ITEMS = ("nib", "pirt", "halal", "bpom")
NUMBER_FIELDS = {"nib": "nib", "pirt": "pirt_number", "halal": "halal_number",
                 "bpom": "bpom_number"}
PER_PAGE = 50
STATUSES = ("", "listed", "unlisted", "none")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def listing_of(producer: Producer) -> Listing | None:
    return await Listing.get_or_none(producer_id=producer.id)


async def _set_listed(*, producer: Producer, listed: bool, by: User, action: str,
                      added_by: User | None = None) -> Listing:
    """List or unlist (creating the row); one conditional UPDATE, audited when it changed."""
    async with atomic():
        listing, created = await Listing.get_or_create(
            producer_id=producer.id, defaults={"listed": listed, "added_by": added_by})
        changed = created or await Listing.filter(id=listing.id, listed=not listed) \
            .update(listed=listed) > 0
        if changed:
            await log_action(action=action, actor=by, obj=producer,
                             summary=producer.business_name, data={"listed": listed})
    return await Listing.get(id=listing.id)


async def opt_in(*, producer: Producer, by: User) -> Listing:
    """The producer asks to be shown in the public catalogue."""
    return await _set_listed(producer=producer, listed=True, by=by,
                             action="procurement.listing.opted_in")


async def opt_out(*, producer: Producer, by: User) -> Listing:
    return await _set_listed(producer=producer, listed=False, by=by,
                             action="procurement.listing.opted_out")


async def set_listed(*, producer: Producer, listed: bool, by: User) -> Listing:
    """The trade office lists (with the producer's agreement) or unlists a producer."""
    return await _set_listed(
        producer=producer, listed=listed, by=by, added_by=by if listed else None,
        action="procurement.listing.listed" if listed else "procurement.listing.unlisted")


async def verify(*, producer: Producer, item: str, verified: bool, by: User,
                 today: dt.date) -> Listing:
    """Mark one legality number as checked against its document (or take that back)."""
    if item not in ITEMS:
        raise DomainError(_("Unknown legality item."), "unknown_item", field="item")
    number = getattr(producer, NUMBER_FIELDS[item])
    if verified and not number:
        raise DomainError(_("The producer has not given this number yet."), "no_number",
                          field=item)
    if verified and item == "halal" and producer.halal_expires_on is not None \
            and producer.halal_expires_on < today:
        raise DomainError(_("The halal certificate has expired."), "halal_expired",
                          field=item)
    async with atomic():
        listing, _created = await Listing.get_or_create(
            producer_id=producer.id, defaults={"listed": False})
        await Listing.filter(id=listing.id).update(
            **{f"{item}_verified_at": _now() if verified else None, "verified_by_id": by.id})
        await log_action(
            action="procurement.listing.verified" if verified
            else "procurement.listing.unverified", actor=by, obj=producer,
            summary=f"{item.upper()} {number}", data={"item": item, "verified": verified})
    return await Listing.get(id=listing.id)


# --- the trade office's list -----------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    producer: Producer
    listing: Listing | None

    @property
    def unverified(self) -> list[str]:
        """Legality items with a number that nobody has verified yet."""
        return [item for item in ITEMS if getattr(self.producer, NUMBER_FIELDS[item])
                and (self.listing is None or getattr(self.listing, f"{item}_verified_at")
                     is None)]


@dataclass(frozen=True)
class OfficePage:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _unverified_q() -> Q:
    out = Q()
    for item, number in NUMBER_FIELDS.items():
        missing: dict[str, Any] = {f"listing__{item}_verified_at__isnull": True}
        part = Q(**{f"{number}__not": ""}) & (Q(listing__id__isnull=True) | Q(**missing))
        out = out | part if out.children else part
    return out


async def office_list(*, status: str = "", unverified: bool = False, q: str = "",
                      page: int = 1) -> OfficePage:
    """Producers with their listing, 50 a page: ``status`` "listed", "unlisted" (opted out or
    unlisted), "none" (never in the catalogue); ``unverified``: a number waits for checking."""
    query = Producer.all()
    if status == "listed":
        query = query.filter(listing__listed=True)
    elif status == "unlisted":
        query = query.filter(listing__listed=False)
    elif status == "none":
        query = query.filter(listing__id__isnull=True)
    if unverified:
        query = query.filter(_unverified_q())
    for word in q.split()[:4]:
        query = query.filter(Q(business_name__icontains=word) | Q(owner_name__icontains=word))
    total = await query.count()
    page = max(page, 1)
    producers = await query.order_by("business_name", "id").offset((page - 1) * PER_PAGE) \
        .limit(PER_PAGE)
    listings = {x.producer_id: x for x in await Listing.filter(
        producer_id__in=[p.id for p in producers])}
    return OfficePage(rows=[Row(p, listings.get(p.id)) for p in producers], total=total,
                      page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1))


async def office_producer(*, producer_id: int) -> Row:
    producer = found(await Producer.get_or_none(id=producer_id),
                     _("This producer does not exist."))
    return Row(producer, await listing_of(producer))


# --- a producer from no event ------------------------------------------------------------------

async def add_producer(*, profile: dict[str, Any], product: dict[str, Any], by: User,
                       invite: bool = False, settings: Settings | None = None,
                       link_base: str = "") -> Producer:
    """A producer the trade office met outside any event: its profile, one product and a
    listing (listed); with ``invite``, its email gets a login with a set-password link."""
    async with atomic():
        producer = await Producer.create(**profile)
        await Product.create(producer=producer, **product)
        await Listing.create(producer=producer, listed=True, added_by=by)
        await log_action(action="procurement.listing.producer_added", actor=by, obj=producer,
                         summary=producer.business_name)
    if invite:
        await exhibitors.add_member(producer=producer, email=producer.email,
                                    name=producer.owner_name, by=by, settings=settings,
                                    link_base=link_base)
    return producer
