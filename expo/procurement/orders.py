"""Orders (Surat Pesanan): the buyer's award of quotes, one order per producer, the head's
approval where the organisation requires it, refusal and cancellation, and the lists.

``award`` runs in one transaction: the chosen quotes go QUOTED → ACCEPTED by conditional
UPDATEs (of two awards at once, one wins), an item covered by what was chosen has its other
open quotes NOT_CHOSEN, and each producer gets one order whose lines never exceed the
accepted quantities. An order is numbered (``SP/2027/0001``) when it is issued: at once, or
when a head approves it. A refused or cancelled order gives its items back to the buyer:
its quotes are NOT_CHOSEN and the quotes that lost to it are QUOTED again, to award anew.
Every state change is audited (``procurement.order.*``, ``procurement.quote.*``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from tortoise.expressions import Subquery

from expo import i18n
from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic, flat
from expo.errors import DomainError, Forbidden, NotFound, found
from expo.exhibitors.models import Producer, ProducerMember
from expo.exhibitors.notify import Notice, tell
from expo.i18n import format_date, format_idr
from expo.i18n import gettext as _
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel

from . import numbering, watch
from .access import is_office
from .models import (
    OPEN_QUOTES,
    BuyerMember,
    Delivery,
    DeliveryStatus,
    MemberRole,
    OrderLine,
    OrderStatus,
    Organisation,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteStatus,
    RequestItem,
    RequestStatus,
)

ENDED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.NOT_APPROVED)
HELD = (OrderStatus.AWAITING_APPROVAL, OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED,
        OrderStatus.DELIVERED)  # orders that hold their quotes


def today() -> dt.date:
    """Today in East Kalimantan (WITA): procurement is not per event."""
    return dt.datetime.now(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def order_path(order: PurchaseOrder) -> str:
    return f"/procurement/orders/{order.id}"


# ---- who acts -----------------------------------------------------------------------------

async def is_staff(user: User, organisation_id: int) -> bool:
    """Buyer staff of the organisation (officer or head), or the trade office."""
    return await is_office(user) or await BuyerMember.exists(
        organisation_id=organisation_id, user_id=user.id)


async def require_staff(user: User, organisation_id: int) -> None:
    if not await is_staff(user, organisation_id):
        raise Forbidden(_("Only the buyer's staff may do this."), "not_buyer_staff")


async def require_head(user: User, organisation_id: int) -> None:
    if not await BuyerMember.exists(organisation_id=organisation_id, user_id=user.id,
                                    role=MemberRole.HEAD):
        raise Forbidden(_("Only a head of the organisation may approve or refuse orders."),
                        "not_head")


async def require_party(user: User, order: PurchaseOrder) -> None:
    """Buyer staff, the trade office or the order's producer."""
    if not (await is_staff(user, order.organisation_id) or await ProducerMember.exists(
            producer_id=order.producer_id, user_id=user.id)):
        raise Forbidden(_("Only the parties of this order may do this."), "not_party")


# ---- award --------------------------------------------------------------------------------

def _checked_choices(quotes: dict[int, Quote], choices: dict[int, int]) -> dict[int, int]:
    """The chosen quantities (above 0) after checking each against its quote."""
    chosen: dict[int, int] = {}
    for quote_id, quantity in choices.items():
        quote = quotes.get(quote_id)
        if quote is None:
            raise NotFound(_("This quote does not exist."))
        if quantity == 0:
            continue
        if quote.status != QuoteStatus.QUOTED:
            raise DomainError(_("This quote is no longer open."), "quote_not_open",
                              field=f"qty_{quote_id}", status_code=409)
        if quantity < 0 or quantity > (quote.quantity or 0):
            raise DomainError(_("Choose between 0 and the %(n)s quoted.", n=quote.quantity),
                              "award_quantity", field=f"qty_{quote_id}")
        chosen[quote_id] = quantity
    if not chosen:
        raise DomainError(_("Choose a quantity of at least one quote."), "nothing_chosen")
    return chosen


async def _held_per_item(item_ids: Sequence[int]) -> dict[int, int]:
    """Accepted quantities per item already on orders that hold them."""
    rows = await OrderLine.filter(item_id__in=list(item_ids) or [0],
                                  order__status__in=list(HELD)).values("item_id", "quantity")
    held: dict[int, int] = defaultdict(int)
    for row in rows:
        held[int(row["item_id"])] += int(row["quantity"])
    return held


async def _close_items(*, items: dict[int, RequestItem], quotes: dict[int, Quote],
                       chosen: dict[int, int], by: User) -> None:
    """Items the award covers: their other open quotes are not chosen."""
    held = await _held_per_item(list(items))
    for item_id, item in items.items():
        total = held[item_id] + sum(q for qid, q in chosen.items()
                                    if quotes[qid].item_id == item_id)
        if item_id not in {quotes[qid].item_id for qid in chosen}:
            continue
        if total > item.quantity:
            first = next(qid for qid in chosen if quotes[qid].item_id == item_id)
            raise DomainError(_("You chose %(n)s of “%(item)s”; the request asks for %(max)s.",
                                n=total, item=item.name, max=item.quantity), "above_item",
                              field=f"qty_{first}")
        if total < item.quantity:
            continue
        others = await flat(Quote.filter(item_id=item_id, status__in=list(OPEN_QUOTES))
                            .exclude(id__in=list(chosen)).values_list("id", flat=True))
        for quote_id in others:
            if await Quote.filter(id=quote_id, status__in=list(OPEN_QUOTES)).update(
                    status=QuoteStatus.NOT_CHOSEN, decided_at=_now()):
                await log_action(action="procurement.quote.not_chosen", actor=by,
                                 obj=Quote(id=quote_id), summary=f"Item {item.name} covered")


async def _accept(quote: Quote, quantity: int, by: User) -> None:
    if not await Quote.filter(id=quote.id, status=QuoteStatus.QUOTED).update(
            status=QuoteStatus.ACCEPTED, accepted_quantity=quantity, decided_at=_now()):
        raise DomainError(_("Someone has decided on these quotes already."), "decided",
                          status_code=409)
    quote.status, quote.accepted_quantity = QuoteStatus.ACCEPTED, quantity
    await log_action(action="procurement.quote.accepted", actor=by, obj=quote,
                     summary=f"{quantity} of {quote.quantity}")


def check_line(quote: Quote, quantity: int) -> None:
    """The integrity rule: an order line never exceeds its quote's accepted quantity."""
    if quote.status != QuoteStatus.ACCEPTED or quantity > (quote.accepted_quantity or 0) \
            or quantity <= 0:
        raise DomainError(_("An order line cannot exceed its accepted quote."),
                          "above_accepted")


async def _order_for(*, request: PurchaseRequest, organisation: Organisation, producer_id: int,
                     quotes: list[Quote], items: dict[int, RequestItem], by: User,
                     on: dt.date) -> PurchaseOrder:
    total = sum((q.accepted_quantity or 0) * (q.unit_price or 0) for q in quotes)
    due = max(q.delivery_on or items[q.item_id].needed_by for q in quotes)
    needs = organisation.requires_approval and total >= organisation.approval_threshold
    order = await PurchaseOrder.create(
        request_id=request.id, organisation_id=organisation.id, producer_id=producer_id,
        status=OrderStatus.AWAITING_APPROVAL, total=total,
        delivery_address=request.delivery_address, due_on=due, approval_required=needs,
        created_by_id=by.id)
    for quote in quotes:
        quantity = quote.accepted_quantity or 0
        check_line(quote, quantity)
        await OrderLine.create(
            order_id=order.id, quote_id=quote.id, item_id=quote.item_id,
            product_id=quote.product_id, name=items[quote.item_id].name, quantity=quantity,
            unit=items[quote.item_id].unit, unit_price=quote.unit_price or 0,
            delivery_on=quote.delivery_on or items[quote.item_id].needed_by)
    await log_action(action="procurement.order.created", actor=by, obj=order,
                     summary=f"{request.number or request.id}: {format_idr(total)}")
    if needs:
        await _tell_heads(order, organisation)
    else:
        await _issue(order, by=by, on=on)
    return order


async def award(*, request: PurchaseRequest, choices: dict[int, int], by: User,
                today: dt.date) -> list[PurchaseOrder]:
    """Accept the chosen quantities of the request's quotes and make one order per producer
    (issued at once, or waiting for a head's approval)."""
    await require_staff(by, request.organisation_id)
    async with atomic():
        if not await PurchaseRequest.filter(
                id=request.id, status__in=[RequestStatus.OPEN, RequestStatus.ORDERED]).update(
                status=RequestStatus.ORDERED):
            raise DomainError(_("This request is not waiting for an award."), "request_closed",
                              status_code=409)
        items = {i.id: i for i in await RequestItem.filter(request_id=request.id)}
        quotes = {q.id: q for q in await Quote.filter(item_id__in=list(items) or [0])}
        chosen = _checked_choices(quotes, choices)
        await _close_items(items=items, quotes=quotes, chosen=chosen, by=by)
        per_producer: dict[int, list[Quote]] = defaultdict(list)
        for quote_id, quantity in chosen.items():
            await _accept(quotes[quote_id], quantity, by)
            per_producer[quotes[quote_id].producer_id].append(quotes[quote_id])
        organisation = await Organisation.get(id=request.organisation_id)
        orders = [await _order_for(request=request, organisation=organisation,
                                   producer_id=producer_id, quotes=group, items=items, by=by,
                                   on=today)
                  for producer_id, group in sorted(per_producer.items())]
        await log_action(action="procurement.request.ordered", actor=by, obj=request,
                         summary=", ".join(str(o.id) for o in orders))
        return orders


# ---- issue, approve, refuse, cancel -------------------------------------------------------

async def _issue(order: PurchaseOrder, *, by: User, on: dt.date) -> None:
    number = await numbering.take(kind=numbering.ORDER, year=on.year)
    if not await PurchaseOrder.filter(id=order.id, status=OrderStatus.AWAITING_APPROVAL).update(
            status=OrderStatus.ISSUED, number=number, issued_on=on):
        raise DomainError(_("Someone has decided on this order already."), "decided",
                          status_code=409)
    order.status, order.number, order.issued_on = OrderStatus.ISSUED, number, on
    await log_action(action="procurement.order.issued", actor=by, obj=order, summary=number)
    producer = await Producer.get(id=order.producer_id)
    organisation = await Organisation.get(id=order.organisation_id)

    def compose() -> Notice:
        return Notice(
            _("New order %(number)s from %(buyer)s", number=number, buyer=organisation.name),
            _("%(buyer)s orders %(total)s from you, to deliver by %(due)s. The Surat Pesanan "
              "is on your order page.", buyer=organisation.name, total=format_idr(order.total),
              due=format_date(order.due_on, "long")))

    await tell(producer=producer, kind="procurement.order", key=f"order:{order.id}:issued",
               event_id=None, path=order_path(order), compose=compose)


async def staff_of(organisation_id: int, *, heads_only: bool = False) -> list[User]:
    query = BuyerMember.filter(organisation_id=organisation_id)
    if heads_only:
        query = query.filter(role=MemberRole.HEAD)
    return [m.user for m in await query.order_by("id").select_related("user")]


async def email_users(users: Sequence[User], *, kind: str, key: str, path: str,
                      compose: Callable[[], tuple[str, str]]) -> None:
    """Email each user a subject and text ``compose`` writes in the user's language."""
    for user in users:
        with i18n.using(user.locale):
            subject, text = compose()
            await messages.send(
                to=Recipient(name=user.name, email=user.email, locale=user.locale), kind=kind,
                key=f"{key}:u{user.id}", event_id=None, subject=subject,
                text=text + "\n\n" + messages.base_url() + path, channels=(Channel.EMAIL,))


async def _tell_heads(order: PurchaseOrder, organisation: Organisation) -> None:
    producer = await Producer.get(id=order.producer_id)

    def compose() -> tuple[str, str]:
        return (_("An order waits for your approval: %(producer)s",
                  producer=producer.business_name),
                _("An order of %(total)s from %(producer)s waits for your approval.",
                  total=format_idr(order.total), producer=producer.business_name))

    await email_users(await staff_of(organisation.id, heads_only=True),
                      kind="procurement.approval", key=f"order:{order.id}:approval",
                      path=order_path(order), compose=compose)


async def approve(*, order: PurchaseOrder, by: User, today: dt.date) -> PurchaseOrder:
    """A head approves: the order is numbered and issued, and the producer told."""
    await require_head(by, order.organisation_id)
    async with atomic():
        if not await PurchaseOrder.filter(id=order.id, status=OrderStatus.AWAITING_APPROVAL
                                          ).update(approved_by_id=by.id, approved_at=_now()):
            raise DomainError(_("This order is not waiting for approval."), "not_awaiting",
                              status_code=409)
        await log_action(action="procurement.order.approved", actor=by, obj=order)
        await _issue(order, by=by, on=today)
    return await PurchaseOrder.get(id=order.id)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Write the reason."), "reason_missing", field="reason")
    return reason[:300]


async def _release_quotes(order: PurchaseOrder, by: User) -> None:
    """The order's quotes are not chosen; the quotes that lost to them are QUOTED again where
    their item is no longer covered."""
    lines = await OrderLine.filter(order_id=order.id)
    for line in lines:
        if await Quote.filter(id=line.quote_id, status=QuoteStatus.ACCEPTED).update(
                status=QuoteStatus.NOT_CHOSEN, decided_at=_now()):
            await log_action(action="procurement.quote.released", actor=by,
                             obj=Quote(id=line.quote_id), summary=f"Order {order.id} ended")
    item_ids = sorted({line.item_id for line in lines})
    held = await _held_per_item(item_ids)
    for item in await RequestItem.filter(id__in=item_ids or [0]):
        if held[item.id] >= item.quantity:
            continue
        reopened = await flat(Quote.filter(item_id=item.id, status=QuoteStatus.NOT_CHOSEN,
                                           quantity__gt=0)
                              .exclude(id__in=Subquery(OrderLine.all().values("quote_id")))
                              .values_list("id", flat=True))
        for quote_id in reopened:
            await Quote.filter(id=quote_id).update(status=QuoteStatus.QUOTED, decided_at=None)
            await log_action(action="procurement.quote.reopened", actor=by,
                             obj=Quote(id=quote_id), summary=f"Order {order.id} ended")


async def _after_end(order: PurchaseOrder, by: User) -> None:
    """A request with no order left holding quotes is open again; one whose orders all ended
    with at least one delivered is closed."""
    await close_if_done(order.request_id, by)
    if not await PurchaseOrder.exists(request_id=order.request_id, status__in=list(HELD)) \
            and await PurchaseRequest.filter(id=order.request_id,
                                             status=RequestStatus.ORDERED).update(
                status=RequestStatus.OPEN):
        await log_action(action="procurement.request.reopened", actor=by,
                         obj=PurchaseRequest(id=order.request_id),
                         summary=f"Order {order.id} ended: no order left")


async def refuse(*, order: PurchaseOrder, by: User, reason: str) -> PurchaseOrder:
    """A head refuses: not approved, with the reason; the buyer may award others."""
    await require_head(by, order.organisation_id)
    why = _reason(reason)
    async with atomic():
        if not await PurchaseOrder.filter(id=order.id, status=OrderStatus.AWAITING_APPROVAL
                                          ).update(status=OrderStatus.NOT_APPROVED, reason=why,
                                                   approved_by_id=by.id, approved_at=_now()):
            raise DomainError(_("This order is not waiting for approval."), "not_awaiting",
                              status_code=409)
        await log_action(action="procurement.order.refused", actor=by, obj=order,
                         summary=why)
        await _release_quotes(order, by)
        await _after_end(order, by)
        await _tell_refused(order, why)
    return await PurchaseOrder.get(id=order.id)


async def _tell_refused(order: PurchaseOrder, reason: str) -> None:
    """The officer who awarded learns why, and may award other quotes."""
    creator_id = order.created_by_id
    creator = await User.get_or_none(id=creator_id) if creator_id else None
    if creator is None:
        return
    producer = await Producer.get(id=order.producer_id)

    def compose() -> tuple[str, str]:
        return (_("Order not approved: %(producer)s", producer=producer.business_name),
                _("The head did not approve the order of %(total)s from %(producer)s: "
                  "“%(reason)s”. You may choose other quotes on the request page.",
                  total=format_idr(order.total), producer=producer.business_name,
                  reason=reason))

    await email_users([creator], kind="procurement.refused", key=f"order:{order.id}:refused",
                      path=f"/procurement/requests/{order.request_id}", compose=compose)


async def cancel(*, order: PurchaseOrder, by: User, reason: str) -> PurchaseOrder:
    """The buyer (or the trade office) cancels an order before anything was received."""
    await require_staff(by, order.organisation_id)
    why = _reason(reason)
    async with atomic():
        if await Delivery.exists(order_id=order.id, status=DeliveryStatus.RECEIVED):
            raise DomainError(_("Goods of this order were received: it cannot be cancelled."),
                              "received", status_code=409)
        was_issued = await PurchaseOrder.exists(id=order.id, status=OrderStatus.ISSUED)
        if not await PurchaseOrder.filter(
                id=order.id, status__in=[OrderStatus.AWAITING_APPROVAL, OrderStatus.ISSUED]
        ).update(status=OrderStatus.CANCELLED, reason=why, cancelled_at=_now()):
            raise DomainError(_("This order cannot be cancelled any more."), "not_cancellable",
                              status_code=409)
        await Delivery.filter(order_id=order.id, status=DeliveryStatus.SCHEDULED).update(
            status=DeliveryStatus.CANCELLED)
        await log_action(action="procurement.order.cancelled", actor=by, obj=order,
                         summary=why)
        await _release_quotes(order, by)
        await _after_end(order, by)
        if was_issued:
            await _tell_cancelled(order, why)
    return await PurchaseOrder.get(id=order.id)


async def _tell_cancelled(order: PurchaseOrder, reason: str) -> None:
    producer = await Producer.get(id=order.producer_id)

    def compose() -> Notice:
        return Notice(_("Order %(number)s cancelled", number=order.number),
                      _("The buyer cancelled order %(number)s: “%(reason)s”.",
                        number=order.number, reason=reason))

    await tell(producer=producer, kind="procurement.order", key=f"order:{order.id}:cancelled",
               event_id=None, path=order_path(order), compose=compose)


async def close_if_done(request_id: int, by: User | None = None) -> bool:
    """Close the request when every order ended and at least one was delivered."""
    statuses = set(await flat(PurchaseOrder.filter(request_id=request_id)
                              .values_list("status", flat=True)))
    if not statuses or not statuses <= set(ENDED) or OrderStatus.DELIVERED not in statuses:
        return False
    changed = await PurchaseRequest.filter(id=request_id, status=RequestStatus.ORDERED).update(
        status=RequestStatus.CLOSED, closed_at=_now())
    if changed:
        await log_action(action="procurement.request.closed", actor=by,
                         obj=PurchaseRequest(id=request_id), summary="All orders delivered")
    return bool(changed)


# ---- reading ------------------------------------------------------------------------------

async def orders_of_request(request: PurchaseRequest) -> list[PurchaseOrder]:
    return await PurchaseOrder.filter(request_id=request.id).order_by("id").select_related(
        "producer")


async def lines_of(order: PurchaseOrder) -> list[OrderLine]:
    return await OrderLine.filter(order_id=order.id).order_by("id").select_related("item")


async def get_order(order_id: int) -> PurchaseOrder:
    return found(await PurchaseOrder.get_or_none(id=order_id).select_related(
        "organisation", "producer", "request"), _("This order does not exist."))


def scope_of(*, office: bool, organisation_ids: Sequence[int],
             producer_ids: Sequence[int], as_producer: bool = False) -> watch.Scope:
    """Which orders a list shows: all (office), the organisations', or the producers'."""
    if as_producer:
        return watch.Scope(producer_ids=tuple(producer_ids) or (0,), issued_only=True)
    if office:
        return watch.Scope()
    return watch.Scope(organisation_ids=tuple(organisation_ids) or (0,))


async def orders_page(*, scope: watch.Scope, status: str = "", flag: str = "", page: int = 1,
                      today: dt.date) -> watch.Page:
    """A page of orders with their flags (late, short, unpaid, overdue), newest first."""
    return await watch.page(scope=scope, status=status, flag=flag, page=page, today=today)

