"""Deliveries of an order and their handover (BAST): scheduled by the buyer or the producer,
received by the buyer's staff, line by line (how many arrived, how many were damaged and
refused, in what condition).

Receiving is one transaction: the delivery leaves SCHEDULED by a conditional UPDATE (or is
made on the spot when goods arrive unannounced, as they often do), each line's ``received``
and ``damaged`` grow, the order becomes PARTLY_DELIVERED or DELIVERED, the BAST is numbered
(``BAST/2027/0001``) and the producer told; the request closes when its last order is
delivered. The signed BAST may be uploaded as a scan (PDF, JPEG, PNG), stored under a random
name and served to the order's parties only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tortoise.expressions import F

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, found
from expo.exhibitors import uploads
from expo.exhibitors.models import Producer
from expo.exhibitors.notify import Notice, tell
from expo.i18n import format_date
from expo.i18n import gettext as _
from expo.offload import in_thread

from . import numbering, orders
from .models import (
    Condition,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
)

OPEN = (OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED)


@dataclass(frozen=True)
class Arrived:
    """What came of one order line: ``received`` units, ``damaged`` of them refused."""

    received: int
    damaged: int = 0
    condition: Condition = Condition.GOOD
    note: str = ""


def _open(order: PurchaseOrder) -> None:
    if order.status not in OPEN:
        raise DomainError(_("This order is not waiting for a delivery."), "not_deliverable",
                          status_code=409)


async def deliveries_of(order: PurchaseOrder) -> list[Delivery]:
    return await Delivery.filter(order_id=order.id).order_by("seq").prefetch_related(
        "lines__line")


async def planned_of(delivery: Delivery) -> dict[int, int]:
    """Units planned per order line on a delivery."""
    rows = await DeliveryLine.filter(delivery_id=delivery.id).values("line_id", "planned")
    return {int(r["line_id"]): int(r["planned"]) for r in rows}


async def get_delivery(order: PurchaseOrder, delivery_id: int) -> Delivery:
    return found(await Delivery.get_or_none(id=delivery_id, order_id=order.id),
                 _("This delivery does not exist."))


async def _planned_elsewhere(order: PurchaseOrder, exclude: int | None = None) -> dict[int, int]:
    """Units planned per line on the order's other scheduled deliveries."""
    query = DeliveryLine.filter(delivery__order_id=order.id,
                                delivery__status=DeliveryStatus.SCHEDULED)
    if exclude is not None:
        query = query.exclude(delivery_id=exclude)
    planned: dict[int, int] = {}
    for row in await query.values("line_id", "planned"):
        planned[int(row["line_id"])] = planned.get(int(row["line_id"]), 0) + int(row["planned"])
    return planned


async def _next_seq(order: PurchaseOrder) -> int:
    last = await Delivery.filter(order_id=order.id).order_by("-seq").first()
    return last.seq + 1 if last else 1


async def schedule(*, order: PurchaseOrder, by: User, planned_on: dt.date,
                   quantities: dict[int, int], note: str = "") -> Delivery:
    """Plan a delivery: per line how many units (not above what is still owed and not
    planned on another delivery)."""
    await orders.require_party(by, order)
    async with atomic():
        order = found(await PurchaseOrder.filter(id=order.id).select_for_update().first())
        _open(order)
        lines = {line.id: line for line in await OrderLine.filter(order_id=order.id)}
        elsewhere = await _planned_elsewhere(order)
        wanted = {line_id: n for line_id, n in quantities.items() if n}
        for line_id, quantity in wanted.items():
            line = found(lines.get(line_id))
            room = line.outstanding - elsewhere.get(line_id, 0)
            if quantity < 0 or quantity > room:
                raise DomainError(_("Plan between 0 and %(n)s.", n=max(room, 0)),
                                  "planned_quantity", field=f"plan_{line_id}")
        if not wanted:
            raise DomainError(_("Plan at least one unit."), "nothing_planned")
        delivery = await Delivery.create(order_id=order.id, seq=await _next_seq(order),
                                         planned_on=planned_on, note=note[:300])
        for line_id, quantity in wanted.items():
            await DeliveryLine.create(delivery_id=delivery.id, line_id=line_id, planned=quantity)
        await log_action(action="procurement.delivery.scheduled", actor=by, obj=delivery,
                         summary=f"Order {order.number}: #{delivery.seq} on {planned_on}")
        if not await orders.is_staff(by, order.organisation_id):
            await _tell_planned(order, delivery)
        return delivery


async def _tell_planned(order: PurchaseOrder, delivery: Delivery) -> None:
    """The producer announced a delivery: the buyer's staff learn when to expect it."""
    producer = await Producer.get(id=order.producer_id)

    def compose() -> tuple[str, str]:
        return (_("Delivery planned: order %(number)s", number=order.number),
                _("%(producer)s plans to deliver order %(number)s on %(date)s.",
                  producer=producer.business_name, number=order.number,
                  date=format_date(delivery.planned_on, "long")))

    await orders.email_users(await orders.staff_of(order.organisation_id),
                             kind="procurement.planned", key=f"delivery:{delivery.id}:planned",
                             path=orders.order_path(order), compose=compose)


def _check_arrivals(lines: dict[int, OrderLine], arrived: dict[int, Arrived]) -> None:
    for line_id, what in arrived.items():
        line = found(lines.get(line_id))
        if what.received < 0 or what.received > line.outstanding:
            raise DomainError(_("Between 0 and the %(n)s still owed.", n=line.outstanding),
                              "received_quantity", field=f"received_{line_id}")
        if what.damaged < 0 or what.damaged > what.received:
            raise DomainError(_("Damaged cannot be more than received."), "damaged_quantity",
                              field=f"damaged_{line_id}")
    if not any(a.received for a in arrived.values()):
        raise DomainError(_("Write how many units arrived."), "nothing_received")


async def _delivery_for(order: PurchaseOrder, delivery: Delivery | None,
                        received_on: dt.date) -> Delivery:
    if delivery is None:
        return await Delivery.create(order_id=order.id, seq=await _next_seq(order),
                                     planned_on=received_on)
    if delivery.order_id != order.id or not await Delivery.filter(
            id=delivery.id, status=DeliveryStatus.SCHEDULED).exists():
        raise DomainError(_("This delivery was received already."), "received",
                          status_code=409)
    return delivery


async def _record_lines(delivery: Delivery, arrived: dict[int, Arrived], *,
                        unplanned: bool) -> None:
    for line_id, what in arrived.items():
        row = await DeliveryLine.get_or_none(delivery_id=delivery.id, line_id=line_id)
        if row is None:
            if not what.received:
                continue
            row = DeliveryLine(delivery_id=delivery.id, line_id=line_id,
                               planned=what.received if unplanned else 0)
        row.received, row.damaged = what.received, what.damaged
        row.condition, row.note = what.condition, what.note[:200]
        await row.save()
        await OrderLine.filter(id=line_id).update(received=F("received") + what.received,
                                                  damaged=F("damaged") + what.damaged)


async def _order_progress(order: PurchaseOrder, received_on: dt.date) -> OrderStatus:
    lines = await OrderLine.filter(order_id=order.id)
    done = all(line.outstanding == 0 for line in lines)
    status = OrderStatus.DELIVERED if done else OrderStatus.PARTLY_DELIVERED
    if not await PurchaseOrder.filter(id=order.id, status__in=list(OPEN)).update(
            status=status, delivered_on=received_on if done else None):
        raise DomainError(_("This order is not waiting for a delivery."), "not_deliverable",
                          status_code=409)
    return status


async def receive(*, order: PurchaseOrder, by: User, arrived: dict[int, Arrived],
                  received_on: dt.date, receiver_name: str, delivery: Delivery | None = None,
                  note: str = "") -> Delivery:
    """Record what arrived (the buyer's staff): lines, order status, BAST number, notice."""
    await orders.require_staff(by, order.organisation_id)
    async with atomic():
        order = found(await PurchaseOrder.filter(id=order.id).select_for_update().first())
        _open(order)
        lines = {line.id: line for line in await OrderLine.filter(order_id=order.id)}
        _check_arrivals(lines, arrived)
        unplanned = delivery is None
        delivery = await _delivery_for(order, delivery, received_on)
        bast = await numbering.take(kind=numbering.BAST, year=received_on.year)
        if not await Delivery.filter(id=delivery.id, status=DeliveryStatus.SCHEDULED).update(
                status=DeliveryStatus.RECEIVED, received_on=received_on, received_by_id=by.id,
                receiver_name=receiver_name[:120], bast_number=bast,
                note=(note or delivery.note)[:300]):
            raise DomainError(_("This delivery was received already."), "received",
                              status_code=409)
        await _record_lines(delivery, arrived, unplanned=unplanned)
        status = await _order_progress(order, received_on)
        delivery = await Delivery.get(id=delivery.id)
        await log_action(action="procurement.delivery.received", actor=by, obj=delivery,
                         summary=f"{bast} for {order.number}")
        if status == OrderStatus.DELIVERED:
            await log_action(action="procurement.order.delivered", actor=by, obj=order,
                             summary=str(order.number))
            await orders.close_if_done(order.request_id, by)
        await _tell_received(order, delivery)
        return delivery


async def _tell_received(order: PurchaseOrder, delivery: Delivery) -> None:
    producer = await Producer.get(id=order.producer_id)

    def compose() -> Notice:
        return Notice(_("Delivery received: %(bast)s", bast=delivery.bast_number),
                      _("The buyer received your delivery for order %(number)s. The handover "
                        "report %(bast)s is on your order page.", number=order.number,
                        bast=delivery.bast_number))

    await tell(producer=producer, kind="procurement.delivery",
               key=f"delivery:{delivery.id}:received", event_id=None,
               path=orders.order_path(order), compose=compose)


async def cancel_schedule(*, order: PurchaseOrder, delivery: Delivery, by: User) -> None:
    await orders.require_party(by, order)
    if not await Delivery.filter(id=delivery.id, order_id=order.id,
                                 status=DeliveryStatus.SCHEDULED).update(
            status=DeliveryStatus.CANCELLED):
        raise DomainError(_("This delivery was received already."), "received",
                          status_code=409)
    await log_action(action="procurement.delivery.cancelled", actor=by, obj=delivery)


# ---- the signed BAST scan -----------------------------------------------------------------

async def attach_scan(*, order: PurchaseOrder, delivery: Delivery, data: bytes, by: User,
                      uploads_dir: Path) -> Delivery:
    """Store the signed BAST (PDF, JPEG or PNG, at most 5 MB), replacing an earlier scan."""
    await orders.require_party(by, order)
    if delivery.status != DeliveryStatus.RECEIVED:
        raise DomainError(_("A handover report exists once the delivery is received."),
                          "not_received", status_code=409)
    uploads.check_size(data, uploads.MAX_DOCUMENT_BYTES)
    if uploads.sniff(data) is None:
        raise DomainError(_("Upload a PDF, JPEG or PNG file."), "file_type", field="scan")
    stored, mime = await in_thread(uploads.save_document, uploads_dir=uploads_dir, data=data)
    old = delivery.bast_scan
    try:
        await Delivery.filter(id=delivery.id).update(bast_scan=stored, bast_scan_mime=mime)
        await log_action(action="procurement.delivery.scan", actor=by, obj=delivery,
                         summary=str(delivery.bast_number))
    except BaseException:
        uploads.delete_document(uploads_dir, stored)
        raise
    if old:
        uploads.delete_document(uploads_dir, old)
    return await Delivery.get(id=delivery.id)


def scan_path(uploads_dir: Path, delivery: Delivery) -> Path:
    if not delivery.bast_scan:
        raise DomainError(_("No signed scan was uploaded."), "no_scan", status_code=404)
    return uploads.document_path(uploads_dir, delivery.bast_scan)
