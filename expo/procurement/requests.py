"""Requests for quotation: a buyer's items (quantity, unit, needed-by date), expo's proposed
split of each across the catalogue's producers, the buyer's or the trade office's adjustments,
and sending (a number ``RFQ/yyyy/nnnn``, the proposed producers invited to quote).

States: DRAFT → OPEN (sent) → ORDERED (``orders.award``) → CLOSED, or CANCELLED. Items are
edited while DRAFT, or OPEN before any producer has answered. ``propose`` splits each item with
``split.split`` over ``supply.supply_for``'s candidates and writes PROPOSED quotes (a rerun
replaces the PROPOSED ones only). Every change is audited (``procurement.request.*``); state
changes are conditional updates inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from expo import i18n
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound, found
from expo.exhibitors.models import Producer, Product
from expo.i18n import gettext as _

from . import numbering, quotes, split, supply
from .access import Viewer
from .models import (
    Listing,
    Organisation,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteStatus,
    RequestItem,
    RequestStatus,
)

MAX_ITEMS = 30
PAGE_SIZE = 30
EDITABLE = (RequestStatus.DRAFT, RequestStatus.OPEN)
ANSWERED = (QuoteStatus.QUOTED, QuoteStatus.DECLINED, QuoteStatus.ACCEPTED,
            QuoteStatus.NOT_CHOSEN)
# quotes that take part of an item's quantity (a re-proposal splits only the rest)
HOLDING = (QuoteStatus.INVITED, QuoteStatus.QUOTED, QuoteStatus.ACCEPTED)


def today() -> dt.date:
    """Today in East Kalimantan (WITA): procurement is not per event."""
    return dt.datetime.now(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ItemData:
    name: str
    quantity: int
    unit: str
    needed_by: dt.date
    kind: str = ""
    category: str = ""
    cluster: str = ""
    budget: int | None = None
    note: str = ""


@dataclass(frozen=True)
class RequestData:
    title: str
    delivery_address: str
    kabupaten: str = ""
    budget: int | None = None
    note: str = ""


def _bad(message: str, code: str, name: str, index: int | None = None) -> DomainError:
    return DomainError(message, code, field=name, index=index)


def check_item(item: ItemData, *, on: dt.date, index: int | None = None) -> None:
    """The rules of one item (``index``: its row on a form of several)."""
    if not item.name.strip():
        raise _bad(_("Name the item."), "item_name_required", "name", index)
    if len(item.name.strip()) > 120:
        raise _bad(_("At most %(n)s characters.", n=120), "item_name_too_long", "name", index)
    if item.quantity < 1:
        raise _bad(_("Ask for at least 1."), "quantity_too_small", "quantity", index)
    if not item.unit.strip() or len(item.unit.strip()) > 30:
        raise _bad(_("Give the unit (pieces, boxes, kg), at most 30 characters."),
                   "unit_required", "unit", index)
    if item.needed_by <= on:
        raise _bad(_("The needed-by date must be after today."), "needed_by_past",
                   "needed_by", index)
    if item.budget is not None and item.budget < 0:
        raise _bad(_("The budget cannot be negative."), "budget_negative", "budget", index)
    if len(item.note) > 300 or len(item.kind) > 60 or len(item.cluster) > 60:
        raise _bad(_("At most %(n)s characters.", n=300), "item_text_too_long", "note", index)


def check_request(data: RequestData) -> None:
    if not data.title.strip() or len(data.title.strip()) > 160:
        raise _bad(_("Give the request a title of at most 160 characters."), "title_required",
                   "title")
    if not data.delivery_address.strip() or len(data.delivery_address.strip()) > 300:
        raise _bad(_("Give the delivery address (at most 300 characters)."),
                   "address_required", "delivery_address")
    if data.budget is not None and data.budget < 0:
        raise _bad(_("The budget cannot be negative."), "budget_negative", "budget")


def _item_fields(item: ItemData) -> dict[str, Any]:
    return {"name": item.name.strip(), "kind": item.kind.strip().lower(),
            "category": item.category, "cluster": item.cluster.strip(),
            "quantity": item.quantity, "unit": item.unit.strip(), "needed_by": item.needed_by,
            "budget": item.budget, "note": item.note.strip()}


def _request_fields(data: RequestData) -> dict[str, Any]:
    return {"title": data.title.strip(), "delivery_address": data.delivery_address.strip(),
            "kabupaten": data.kabupaten.strip(), "budget": data.budget,
            "note": data.note.strip()}


async def create_request(*, organisation: Organisation, data: RequestData,
                         items: Sequence[ItemData], by: User, on: dt.date,
                         source_event_id: int | None = None,
                         source_inquiry_id: int | None = None) -> PurchaseRequest:
    """A DRAFT request with ``items`` (1 to 30)."""
    check_request(data)
    if not items:
        raise _bad(_("Add at least one item."), "no_items", "name", 0)
    if len(items) > MAX_ITEMS:
        raise _bad(_("At most %(n)s items in one request.", n=MAX_ITEMS), "too_many_items",
                   "name")
    for index, item in enumerate(items):
        check_item(item, on=on, index=index)
    async with atomic():
        req = await PurchaseRequest.create(
            organisation=organisation, created_by=by, source_event_id=source_event_id,
            source_inquiry_id=source_inquiry_id, **_request_fields(data))
        for position, item in enumerate(items):
            await RequestItem.create(request=req, position=position, **_item_fields(item))
        await log_action(action="procurement.request.created", actor=by, obj=req,
                         summary=req.title, data={"items": len(items)})
    return req


async def _items_editable(req: PurchaseRequest) -> None:
    if req.status not in EDITABLE:
        raise DomainError(_("This request can no longer be changed."), "request_locked",
                          status_code=409)
    if req.status == RequestStatus.OPEN and await Quote.exists(
            item__request_id=req.id, status__in=ANSWERED):
        raise DomainError(_("A producer has answered already: the items can no longer be "
                            "changed."), "request_answered", status_code=409)


async def update_request(*, request: PurchaseRequest, data: RequestData,
                         by: User) -> PurchaseRequest:
    check_request(data)
    async with atomic():
        await _items_editable(request)
        await PurchaseRequest.filter(id=request.id).update(**_request_fields(data))
        await log_action(action="procurement.request.updated", actor=by, obj=request,
                         summary=data.title.strip())
    return await PurchaseRequest.get(id=request.id).select_related("organisation")


async def add_item(*, request: PurchaseRequest, item: ItemData, by: User,
                   on: dt.date) -> RequestItem:
    check_item(item, on=on)
    async with atomic():
        await _items_editable(request)
        count = await RequestItem.filter(request_id=request.id).count()
        if count >= MAX_ITEMS:
            raise _bad(_("At most %(n)s items in one request.", n=MAX_ITEMS),
                       "too_many_items", "name")
        row = await RequestItem.create(request_id=request.id, position=count,
                                       **_item_fields(item))
        await log_action(action="procurement.request.item_added", actor=by, obj=request,
                         summary=row.name, data={"item_id": row.id})
    return row


async def _item_of(request: PurchaseRequest, item_id: int) -> RequestItem:
    return found(await RequestItem.get_or_none(id=item_id, request_id=request.id),
                 _("This item does not exist."))


async def update_item(*, request: PurchaseRequest, item_id: int, item: ItemData, by: User,
                      on: dt.date) -> RequestItem:
    check_item(item, on=on)
    async with atomic():
        await _items_editable(request)
        row = await _item_of(request, item_id)
        await RequestItem.filter(id=row.id).update(**_item_fields(item))
        await log_action(action="procurement.request.item_updated", actor=by, obj=request,
                         summary=item.name, data={"item_id": row.id})
    return await RequestItem.get(id=row.id)


async def remove_item(*, request: PurchaseRequest, item_id: int, by: User) -> None:
    async with atomic():
        await _items_editable(request)
        row = await _item_of(request, item_id)
        if await RequestItem.filter(request_id=request.id).count() <= 1:
            raise DomainError(_("A request keeps at least one item."), "last_item")
        await RequestItem.filter(id=row.id).delete()
        await log_action(action="procurement.request.item_removed", actor=by, obj=request,
                         summary=row.name, data={"item_id": row.id})


# ---- the proposed split ------------------------------------------------------------------

@dataclass
class ItemProposal:
    item: RequestItem
    shortfall: int
    candidates: int
    exact: bool = True


def _candidate(row: supply.Supply) -> split.Candidate:
    return split.Candidate(key=row.producer_id, spare=row.spare, min_order=row.min_order,
                           unit_price=(row.price_min + row.price_max) // 2,
                           has_smk=row.has_smk)


async def candidates_for(item: RequestItem, *, on: dt.date,
                         exclude: Sequence[int] = ()) -> list[supply.Supply]:
    return await supply.supply_for(kind=item.kind, name=item.name, category=item.category,
                                   cluster=item.cluster, unit=item.unit,
                                   needed_by=item.needed_by, today=on,
                                   exclude_producers=exclude)


async def _propose_item(item: RequestItem, *, on: dt.date,
                        prefer: int | None) -> ItemProposal:
    await Quote.filter(item_id=item.id, status=QuoteStatus.PROPOSED).delete()
    others = await Quote.filter(item_id=item.id)
    held = sum(q.proposed_quantity if q.quantity is None else q.quantity
               for q in others if q.status in HOLDING)
    rows = await candidates_for(item, on=on, exclude=[q.producer_id for q in others])
    by_producer = {r.producer_id: r for r in rows}
    result = split.split(quantity=max(item.quantity - held, 0),
                         candidates=[_candidate(r) for r in rows],
                         must=[prefer] if prefer in by_producer else ())
    for producer_id, share in sorted(result.shares.items(),
                                     key=lambda kv: (kv[0] != prefer, -kv[1], str(kv[0]))):
        row = by_producer[producer_id]  # type: ignore[index]
        await Quote.create(item_id=item.id, producer_id=row.producer_id,
                           product_id=row.product_id, proposed_quantity=share)
    if prefer is not None and prefer not in by_producer and all(
            q.producer_id != prefer for q in others):
        product = await Product.filter(producer_id=prefer).order_by("id").first()
        await Quote.create(item_id=item.id, producer_id=prefer,
                           product_id=product.id if product else None, proposed_quantity=0)
    return ItemProposal(item=item, shortfall=result.shortfall, candidates=len(rows),
                        exact=result.exact)


async def propose(*, request: PurchaseRequest, on: dt.date, by: User | None,
                  prefer: Mapping[int, int] | None = None) -> list[ItemProposal]:
    """Split each item across the producers who can make it in time; ``prefer``: a producer
    per item id that is proposed first (an inquiry's own producer)."""
    async with atomic():
        if request.status not in EDITABLE or not await PurchaseRequest.filter(
                id=request.id, status__in=EDITABLE).exists():
            raise DomainError(_("This request can no longer be changed."), "request_locked",
                              status_code=409)
        out = [await _propose_item(item, on=on, prefer=(prefer or {}).get(item.id))
               for item in await RequestItem.filter(request_id=request.id)]
        await log_action(action="procurement.request.proposed", actor=by, obj=request,
                         summary=", ".join(f"{p.item.name}: -{p.shortfall}" for p in out),
                         data={"shortfall": {str(p.item.id): p.shortfall for p in out}})
    return out


async def _quote_of(request: PurchaseRequest, quote_id: int) -> Quote:
    return found(await Quote.filter(id=quote_id, item__request_id=request.id)
                 .select_related("item", "producer").first(), _("This quote does not exist."))


async def set_proposed_quantity(*, request: PurchaseRequest, quote_id: int, quantity: int,
                                by: User) -> None:
    if quantity < 1:
        raise _bad(_("Ask for at least 1."), "quantity_too_small", "quantity")
    async with atomic():
        await _adjustable(request)
        quote = await _quote_of(request, quote_id)
        changed = await Quote.filter(id=quote.id, status__in=[
            QuoteStatus.PROPOSED, QuoteStatus.INVITED]).update(proposed_quantity=quantity)
        if not changed:
            raise DomainError(_("This producer has answered already."), "quote_answered",
                              status_code=409)
        await log_action(action="procurement.request.share_changed", actor=by, obj=request,
                         summary=f"{quote.producer.business_name}: {quantity}",
                         data={"quote_id": quote.id, "from": quote.proposed_quantity,
                               "to": quantity})


async def _adjustable(request: PurchaseRequest) -> None:
    if not await PurchaseRequest.filter(id=request.id, status__in=EDITABLE).exists():
        raise DomainError(_("This request can no longer be changed."), "request_locked",
                          status_code=409)


async def add_producer(*, request: PurchaseRequest, item_id: int, producer_id: int,
                       quantity: int | None, by: User, on: dt.date) -> Quote:
    """Propose one more producer (it must be listed in the catalogue) for an item."""
    async with atomic():
        await _adjustable(request)
        item = await _item_of(request, item_id)
        if not await Listing.exists(producer_id=producer_id, listed=True):
            raise _bad(_("Choose a producer listed in the catalogue."), "producer_unlisted",
                       "producer_id")
        producer = await Producer.get(id=producer_id)
        rows = [r for r in await candidates_for(item, on=on) if r.producer_id == producer_id]
        product_id = rows[0].product_id if rows else None
        if product_id is None:
            first = await Product.filter(producer_id=producer_id).order_by("id").first()
            product_id = first.id if first else None
        share = quantity if quantity else (min(rows[0].spare, item.quantity) if rows else 0)
        existing = await Quote.get_or_none(item_id=item.id, producer_id=producer_id)
        if existing is not None and existing.status != QuoteStatus.WITHDRAWN:
            raise _bad(_("This producer is already proposed for this item."),
                       "already_proposed", "producer_id")
        if existing is not None:
            await Quote.filter(id=existing.id, status=QuoteStatus.WITHDRAWN).update(
                status=QuoteStatus.PROPOSED, proposed_quantity=share, product_id=product_id,
                token_digest=None, invited_at=None, reminders=0, reminded_at=None)
            quote = await Quote.get(id=existing.id)
        else:
            quote = await Quote.create(item_id=item.id, producer_id=producer_id,
                                       product_id=product_id, proposed_quantity=share)
        await log_action(action="procurement.request.producer_added", actor=by, obj=request,
                         summary=f"{item.name}: {producer.business_name}",
                         data={"quote_id": quote.id, "quantity": share})
    return quote


async def withdraw(*, request: PurchaseRequest, quote_id: int, by: User) -> None:
    """Take a producer off an item before it answers."""
    async with atomic():
        await _adjustable(request)
        quote = await _quote_of(request, quote_id)
        changed = await Quote.filter(id=quote.id, status__in=[
            QuoteStatus.PROPOSED, QuoteStatus.INVITED]).update(
            status=QuoteStatus.WITHDRAWN, token_digest=None, decided_at=_now())
        if not changed:
            raise DomainError(_("This producer has answered already."), "quote_answered",
                              status_code=409)
        await log_action(action="procurement.request.producer_withdrawn", actor=by,
                         obj=request, summary=quote.producer.business_name,
                         data={"quote_id": quote.id})


# ---- sending, cancelling, closing --------------------------------------------------------

async def send(*, request: PurchaseRequest, by: User, on: dt.date) -> PurchaseRequest:
    """Number a DRAFT request and open it, then invite every PROPOSED producer (on an OPEN
    request: the producers proposed since)."""
    async with atomic():
        proposed = await Quote.filter(item__request_id=request.id,
                                      status=QuoteStatus.PROPOSED).select_related(
            "item", "producer")
        if not proposed:
            raise DomainError(_("Propose at least one producer first."), "nobody_proposed")
        if await PurchaseRequest.filter(id=request.id, status=RequestStatus.DRAFT).exists():
            number = await numbering.take(kind=numbering.REQUEST, year=on.year)
            if not await PurchaseRequest.filter(id=request.id, status=RequestStatus.DRAFT).update(
                    status=RequestStatus.OPEN, number=number, sent_at=_now()):
                raise DomainError(_("This request was sent already."), "request_sent",
                                  status_code=409)
            await log_action(action="procurement.request.sent", actor=by, obj=request,
                             summary=number, data={"invited": len(proposed)})
        elif not await PurchaseRequest.filter(id=request.id, status=RequestStatus.OPEN).exists():
            raise DomainError(_("This request can no longer be changed."), "request_locked",
                              status_code=409)
        else:
            await log_action(action="procurement.request.invited", actor=by, obj=request,
                             summary=request.number or "", data={"invited": len(proposed)})
        fresh = await PurchaseRequest.get(id=request.id).select_related("organisation")
        for quote in proposed:
            await quotes.invite(quote=quote, request=fresh)
    return fresh


async def _end(request: PurchaseRequest, *, to: RequestStatus, allowed: Sequence[RequestStatus],
               by: User, reason: str) -> PurchaseRequest:
    async with atomic():
        if not await PurchaseRequest.filter(id=request.id, status__in=allowed).update(
                status=to, closed_at=_now()):
            raise DomainError(_("This request can no longer be changed."), "request_locked",
                              status_code=409)
        await Quote.filter(item__request_id=request.id, status__in=[
            QuoteStatus.PROPOSED, QuoteStatus.INVITED]).update(
            status=QuoteStatus.WITHDRAWN, token_digest=None, decided_at=_now())
        await Quote.filter(item__request_id=request.id, status=QuoteStatus.QUOTED).update(
            status=QuoteStatus.NOT_CHOSEN, decided_at=_now())
        await log_action(action=f"procurement.request.{to.value}", actor=by, obj=request,
                         summary=reason[:200] or (request.number or request.title))
    return await PurchaseRequest.get(id=request.id).select_related("organisation")


async def cancel(*, request: PurchaseRequest, by: User, reason: str = "") -> PurchaseRequest:
    return await _end(request, to=RequestStatus.CANCELLED, by=by, reason=reason,
                      allowed=(RequestStatus.DRAFT, RequestStatus.OPEN))


async def close(*, request: PurchaseRequest, by: User) -> PurchaseRequest:
    """The buyer closes an open or ordered request (its orders go on)."""
    return await _end(request, to=RequestStatus.CLOSED, by=by, reason="",
                      allowed=(RequestStatus.OPEN, RequestStatus.ORDERED))


# ---- reading -----------------------------------------------------------------------------

@dataclass
class RequestPage:
    rows: list[PurchaseRequest]
    page: int
    has_next: bool


async def requests_of(*, viewer: Viewer, status: str = "", page: int = 1) -> RequestPage:
    """The trade office's view of every request, or the viewer's organisations'."""
    query = PurchaseRequest.all()
    if not viewer.office:
        query = query.filter(organisation_id__in=viewer.organisation_ids or [0])
    if status in {s.value for s in RequestStatus}:
        query = query.filter(status=status)
    page = max(page, 1)
    rows = await query.select_related("organisation").offset((page - 1) * PAGE_SIZE).limit(
        PAGE_SIZE + 1)
    return RequestPage(rows=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE)


async def open_count(viewer: Viewer) -> int:
    """The viewer's requests waiting for quotes (0 for one who is not buyer or office)."""
    if not (viewer.office or viewer.is_buyer):
        return 0
    query = PurchaseRequest.filter(status=RequestStatus.OPEN)
    if not viewer.office:
        query = query.filter(organisation_id__in=viewer.organisation_ids)
    return await query.count()


@dataclass
class QuoteLine:
    quote: Quote
    supply: supply.Supply | None

    @property
    def over(self) -> bool:
        return self.supply is not None and self.quote.proposed_quantity > self.supply.spare


@dataclass
class ItemView:
    item: RequestItem
    lines: list[QuoteLine] = field(default_factory=list)
    others: list[supply.Supply] = field(default_factory=list)  # candidates not proposed

    @property
    def proposed(self) -> int:
        return sum(line.quote.proposed_quantity for line in self.lines
                   if line.quote.status in (QuoteStatus.PROPOSED, QuoteStatus.INVITED))

    @property
    def split_lines(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.quote.status != QuoteStatus.WITHDRAWN]

    @property
    def answered(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.quote.status in ANSWERED]

    @property
    def quoted(self) -> list[QuoteLine]:
        return [line for line in self.lines if line.quote.status == QuoteStatus.QUOTED]

    @property
    def award_defaults(self) -> dict[int, int]:
        """Per QUOTED quote, the quantity the award form suggests: the cheapest first, each
        up to what the item still needs."""
        left = self.item.quantity - sum(line.quote.accepted_quantity or 0 for line in self.lines
                                        if line.quote.status == QuoteStatus.ACCEPTED)
        out = {}
        for line in sorted(self.quoted, key=lambda x: (x.quote.unit_price or 0, x.quote.id)):
            take = max(min(line.quote.quantity or 0, left), 0)
            out[line.quote.id] = take
            left -= take
        return out


async def item_views(request: PurchaseRequest, *, on: dt.date) -> list[ItemView]:
    """Each item with its quotes and, for each producer, what it can supply now."""
    items = await RequestItem.filter(request_id=request.id)
    by_item: dict[int, list[Quote]] = {}
    for quote in await Quote.filter(item__request_id=request.id).select_related(
            "producer", "product"):
        by_item.setdefault(quote.item_id, []).append(quote)
    out = []
    for item in items:
        found_quotes = by_item.get(item.id, [])
        rows: dict[int, supply.Supply] = {}
        if request.status in EDITABLE:
            rows = {r.producer_id: r for r in await candidates_for(item, on=on)}
        taken = {q.producer_id for q in found_quotes if q.status != QuoteStatus.WITHDRAWN}
        out.append(ItemView(item=item, lines=[QuoteLine(q, rows.get(q.producer_id))
                                              for q in found_quotes],
                            others=[r for r in rows.values() if r.producer_id not in taken]))
    return out


async def orders_of(request: PurchaseRequest) -> list[PurchaseOrder]:
    return await PurchaseOrder.filter(request_id=request.id).select_related("producer")


async def get_item(request: PurchaseRequest, item_id: int) -> RequestItem:
    return await _item_of(request, item_id)


def require_actor(viewer: Viewer, request: PurchaseRequest) -> None:
    """Buyer staff of the request's organisation, or the trade office."""
    if not viewer.can_act_for(request.organisation_id):
        raise NotFound(_("This request does not exist."))
