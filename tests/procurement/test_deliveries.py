"""Deliveries: scheduling, partial and full receipt, damaged units, the BAST number, the
request closing, and the signed scan."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError, Forbidden
from expo.outbox import OutboxMessage
from expo.procurement import deliveries, orders
from expo.procurement.deliveries import Arrived
from expo.procurement.models import (
    Condition,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    PurchaseRequest,
    RequestItem,
    RequestStatus,
)
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

pytestmark = pytest.mark.asyncio
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


async def _order(quantity: int = 100):
    buyer = await buyer_org(requires_approval=False)
    req = await open_request(buyer, items=[("Nastar nanas", "nastar", quantity, "toples"),
                                           ("Amplang", "amplang", 50, "bungkus")])
    nastar, amplang = await RequestItem.filter(request_id=req.id).order_by("position")
    seller = await listed_producer()
    q1 = await quoted(nastar, seller, quantity=quantity, unit_price=60_000)
    q2 = await quoted(amplang, seller, quantity=50, unit_price=20_000)
    (order,) = await orders.award(request=req, choices={q1.id: quantity, q2.id: 50},
                                  by=buyer.officer, today=TODAY)
    lines = await OrderLine.filter(order_id=order.id).order_by("id")
    return buyer, seller, req, order, lines


async def test_partial_then_the_rest_delivers_the_order_and_closes_the_request(db):
    buyer, seller, req, order, (l1, l2) = await _order()
    first = await deliveries.receive(order=order, by=buyer.officer,
                                     arrived={l1.id: Arrived(60)}, received_on=TODAY,
                                     receiver_name="Budi")
    assert (first.status, first.seq, first.bast_number, first.receiver_name) == (
        DeliveryStatus.RECEIVED, 1, "BAST/2027/0001", "Budi")
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.PARTLY_DELIVERED
    assert (await OrderLine.get(id=l1.id)).received == 60
    second = await deliveries.receive(order=order, by=buyer.head,
                                      arrived={l1.id: Arrived(40), l2.id: Arrived(50)},
                                      received_on=TODAY + dt.timedelta(days=2),
                                      receiver_name="Sari")
    assert (second.seq, second.bast_number) == (2, "BAST/2027/0002")
    done = await PurchaseOrder.get(id=order.id)
    assert (done.status, done.delivered_on) == (OrderStatus.DELIVERED,
                                                TODAY + dt.timedelta(days=2))
    closed = await PurchaseRequest.get(id=req.id)
    assert closed.status == RequestStatus.CLOSED
    assert await OutboxMessage.filter(kind="procurement.delivery").count() >= 2
    assert await AuditEntry.filter(action="procurement.delivery.received").count() == 2
    assert await AuditEntry.filter(action="procurement.order.delivered").count() == 1
    with pytest.raises(DomainError) as exc:
        await deliveries.receive(order=done, by=buyer.officer, arrived={l1.id: Arrived(1)},
                                 received_on=TODAY, receiver_name="x")
    assert exc.value.code == "not_deliverable"


async def test_damaged_units_stay_owed(db):
    buyer, _seller, _req, order, (l1, l2) = await _order()
    await deliveries.receive(order=order, by=buyer.officer, arrived={
        l1.id: Arrived(100, 10, Condition.PARTLY_DAMAGED, "Toples retak"),
        l2.id: Arrived(50)}, received_on=TODAY, receiver_name="Budi")
    line = await OrderLine.get(id=l1.id)
    assert (line.received, line.damaged, line.accepted, line.outstanding) == (100, 10, 90, 10)
    row = await DeliveryLine.get(line_id=l1.id)
    assert (row.condition, row.note) == (Condition.PARTLY_DAMAGED, "Toples retak")
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.PARTLY_DELIVERED
    with pytest.raises(DomainError) as exc:
        await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(11)},
                                 received_on=TODAY, receiver_name="Budi")
    assert (exc.value.code, exc.value.data["field"]) == ("received_quantity",
                                                         f"received_{l1.id}")
    await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(10)},
                             received_on=TODAY, receiver_name="Budi")
    assert (await PurchaseOrder.get(id=order.id)).status == OrderStatus.DELIVERED


async def test_receipt_rules(db):
    buyer, seller, _req, order, (l1, _l2) = await _order()
    with pytest.raises(DomainError) as exc:
        await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(5, 6)},
                                 received_on=TODAY, receiver_name="Budi")
    assert exc.value.code == "damaged_quantity"
    with pytest.raises(DomainError) as exc:
        await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(0)},
                                 received_on=TODAY, receiver_name="Budi")
    assert exc.value.code == "nothing_received"
    with pytest.raises(Forbidden):
        await deliveries.receive(order=order, by=seller.user, arrived={l1.id: Arrived(5)},
                                 received_on=TODAY, receiver_name="Budi")
    assert not await Delivery.exists()


async def test_scheduled_delivery_then_received(db):
    buyer, seller, _req, order, (l1, l2) = await _order()
    planned = await deliveries.schedule(order=order, by=seller.user,
                                        planned_on=TODAY + dt.timedelta(days=5),
                                        quantities={l1.id: 70, l2.id: 0})
    assert (planned.status, planned.seq) == (DeliveryStatus.SCHEDULED, 1)
    assert await deliveries.planned_of(planned) == {l1.id: 70}
    told = await OutboxMessage.filter(kind="procurement.planned")
    assert sorted(m.to for m in told) == sorted([buyer.officer.email, buyer.head.email])
    with pytest.raises(DomainError) as exc:  # 70 of 100 planned already
        await deliveries.schedule(order=order, by=buyer.officer, planned_on=TODAY,
                                  quantities={l1.id: 31})
    assert (exc.value.code, exc.value.data["field"]) == ("planned_quantity", f"plan_{l1.id}")
    with pytest.raises(DomainError):
        await deliveries.schedule(order=order, by=buyer.officer, planned_on=TODAY,
                                  quantities={})
    stranger = await listed_producer()
    with pytest.raises(Forbidden):
        await deliveries.schedule(order=order, by=stranger.user, planned_on=TODAY,
                                  quantities={l1.id: 1})
    done = await deliveries.receive(order=order, by=buyer.officer,
                                    arrived={l1.id: Arrived(65)}, received_on=TODAY,
                                    receiver_name="Budi", delivery=planned)
    assert done.id == planned.id and done.bast_number == "BAST/2027/0001"
    row = await DeliveryLine.get(delivery_id=planned.id, line_id=l1.id)
    assert (row.planned, row.received) == (70, 65)
    with pytest.raises(DomainError) as exc:
        await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(1)},
                                 received_on=TODAY, receiver_name="Budi", delivery=planned)
    assert exc.value.code == "received"
    assert await AuditEntry.filter(action="procurement.delivery.scheduled").count() == 1


async def test_cancelling_a_schedule(db):
    buyer, seller, _req, order, (l1, _l2) = await _order()
    planned = await deliveries.schedule(order=order, by=buyer.officer, planned_on=TODAY,
                                        quantities={l1.id: 10})
    await deliveries.cancel_schedule(order=order, delivery=planned, by=seller.user)
    assert (await Delivery.get(id=planned.id)).status == DeliveryStatus.CANCELLED
    with pytest.raises(DomainError):
        await deliveries.cancel_schedule(order=order, delivery=planned, by=seller.user)


async def test_signed_scan_is_stored_sniffed_and_replaced(db, tmp_path):
    buyer, seller, _req, order, (l1, _l2) = await _order()
    planned = await deliveries.schedule(order=order, by=buyer.officer, planned_on=TODAY,
                                        quantities={l1.id: 10})
    with pytest.raises(DomainError) as exc:
        await deliveries.attach_scan(order=order, delivery=planned, data=PNG, by=buyer.officer,
                                     uploads_dir=tmp_path)
    assert exc.value.code == "not_received"
    done = await deliveries.receive(order=order, by=buyer.officer, arrived={l1.id: Arrived(10)},
                                    received_on=TODAY, receiver_name="Budi", delivery=planned)
    with pytest.raises(DomainError) as exc:
        await deliveries.attach_scan(order=order, delivery=done, data=b"GIF89a" + b"\0" * 10,
                                     by=buyer.officer, uploads_dir=tmp_path)
    assert exc.value.code == "file_type"
    with pytest.raises(DomainError) as exc:
        await deliveries.attach_scan(order=order, delivery=done,
                                     data=PNG + b"\0" * (5 * 1024 * 1024), by=buyer.officer,
                                     uploads_dir=tmp_path)
    assert exc.value.code == "file_too_large"
    first = await deliveries.attach_scan(order=order, delivery=done, data=PNG,
                                         by=seller.user, uploads_dir=tmp_path)
    assert first.bast_scan_mime == "image/png"
    path = deliveries.scan_path(tmp_path, first)
    assert path.read_bytes() == PNG
    second = await deliveries.attach_scan(order=order, delivery=first,
                                          data=b"%PDF-1.4 scan", by=buyer.officer,
                                          uploads_dir=tmp_path)
    assert second.bast_scan != first.bast_scan and not path.exists()
    assert second.bast_scan_mime == "application/pdf"
