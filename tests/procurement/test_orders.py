"""Award, approval, refusal and cancellation of orders (Surat Pesanan), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.audit.models import AuditEntry
from expo.errors import DomainError, Forbidden, NotFound
from expo.outbox import OutboxMessage
from expo.procurement import orders
from expo.procurement.models import (
    Delivery,
    DeliveryStatus,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteStatus,
    RequestItem,
    RequestStatus,
)
from tests.procurement.factories import (
    TODAY,
    buyer_org,
    listed_producer,
    office_user,
    open_request,
    quoted,
)

pytestmark = pytest.mark.asyncio


async def _world(*, requires_approval: bool = False, threshold: int = 0, quantity: int = 300):
    buyer = await buyer_org(requires_approval=requires_approval, approval_threshold=threshold)
    req = await open_request(buyer, items=[("Nastar nanas", "nastar", quantity, "toples")])
    item = (await RequestItem.filter(request_id=req.id))[0]
    a, b, c = (await listed_producer(), await listed_producer(), await listed_producer())
    qa = await quoted(item, a, quantity=200, unit_price=60_000,
                      delivery_on=dt.date(2027, 4, 10))
    qb = await quoted(item, b, quantity=150, unit_price=62_000,
                      delivery_on=dt.date(2027, 4, 12))
    qc = await quoted(item, c, quantity=100, unit_price=70_000)
    return buyer, req, item, (a, b, c), (qa, qb, qc)


async def test_award_makes_one_issued_order_per_producer(db):
    buyer, req, item, (a, b, _c), (qa, qb, qc) = await _world()
    made = await orders.award(request=req, choices={qa.id: 200, qb.id: 100, qc.id: 0},
                              by=buyer.officer, today=TODAY)
    assert len(made) == 2
    first = await PurchaseOrder.get(producer_id=a.producer.id)
    second = await PurchaseOrder.get(producer_id=b.producer.id)
    assert (first.status, first.number, first.issued_on) == (
        OrderStatus.ISSUED, "SP/2027/0001", TODAY)
    assert second.number == "SP/2027/0002"  # consecutive
    assert first.total == 200 * 60_000 and second.total == 100 * 62_000
    assert first.delivery_address == req.delivery_address
    assert first.due_on == dt.date(2027, 4, 10) and second.due_on == dt.date(2027, 4, 12)
    line = await OrderLine.get(order_id=second.id)
    assert (line.name, line.quantity, line.unit, line.unit_price) == (
        "Nastar nanas", 100, "toples", 62_000)
    await qa.refresh_from_db()
    await qb.refresh_from_db()
    await qc.refresh_from_db()
    assert (qa.status, qa.accepted_quantity) == (QuoteStatus.ACCEPTED, 200)
    assert (qb.status, qb.accepted_quantity) == (QuoteStatus.ACCEPTED, 100)
    assert qc.status == QuoteStatus.NOT_CHOSEN  # the item is covered: 300 of 300
    assert (await PurchaseRequest.get(id=req.id)).status == RequestStatus.ORDERED
    assert await OutboxMessage.filter(kind="procurement.order").count() >= 2
    assert await AuditEntry.filter(action="procurement.order.issued").count() == 2
    assert await AuditEntry.filter(action="procurement.quote.accepted").count() == 2


async def test_award_leaves_other_quotes_open_while_the_item_is_not_covered(db):
    buyer, req, _item, _sellers, (qa, qb, qc) = await _world()
    await orders.award(request=req, choices={qa.id: 100}, by=buyer.officer, today=TODAY)
    await qb.refresh_from_db()
    assert qb.status == QuoteStatus.QUOTED
    await orders.award(request=req, choices={qb.id: 150}, by=buyer.officer, today=TODAY)
    await qc.refresh_from_db()
    assert qc.status == QuoteStatus.QUOTED  # 250 of 300: still open
    assert await PurchaseOrder.filter(request_id=req.id).count() == 2


async def test_award_refuses_above_the_quote_and_above_the_item(db):
    buyer, req, _item, _sellers, (qa, qb, qc) = await _world()
    with pytest.raises(DomainError) as exc:
        await orders.award(request=req, choices={qa.id: 201}, by=buyer.officer, today=TODAY)
    assert (exc.value.code, exc.value.data["field"]) == ("award_quantity", f"qty_{qa.id}")
    with pytest.raises(DomainError) as exc:
        await orders.award(request=req, choices={qa.id: 200, qb.id: 150}, by=buyer.officer,
                           today=TODAY)
    assert exc.value.code == "above_item"
    with pytest.raises(DomainError) as exc:
        await orders.award(request=req, choices={qa.id: 0}, by=buyer.officer, today=TODAY)
    assert exc.value.code == "nothing_chosen"
    assert not await PurchaseOrder.exists()
    await qa.refresh_from_db()
    assert qa.status == QuoteStatus.QUOTED  # nothing half done
    assert (await PurchaseRequest.get(id=req.id)).status == RequestStatus.OPEN


async def test_award_refuses_another_requests_quote_and_a_decided_one(db):
    buyer, req, _item, (a, _b, _c), (qa, _qb, _qc) = await _world()
    other = await open_request(buyer)
    foreign = await quoted((await RequestItem.filter(request_id=other.id))[0], a, quantity=5)
    with pytest.raises(NotFound):
        await orders.award(request=req, choices={foreign.id: 5}, by=buyer.officer, today=TODAY)
    await Quote.filter(id=qa.id).update(status=QuoteStatus.DECLINED)
    with pytest.raises(DomainError) as exc:
        await orders.award(request=req, choices={qa.id: 5}, by=buyer.officer, today=TODAY)
    assert exc.value.code == "quote_not_open"


async def test_award_only_by_the_buyers_staff_or_the_office(db):
    buyer, req, _item, (a, _b, _c), (qa, _qb, _qc) = await _world()
    stranger = await buyer_org()
    with pytest.raises(Forbidden):
        await orders.award(request=req, choices={qa.id: 5}, by=stranger.officer, today=TODAY)
    with pytest.raises(Forbidden):
        await orders.award(request=req, choices={qa.id: 5}, by=a.user, today=TODAY)
    made = await orders.award(request=req, choices={qa.id: 5}, by=await office_user(),
                              today=TODAY)
    assert made[0].status == OrderStatus.ISSUED


async def test_award_of_a_closed_request_is_refused(db):
    buyer, req, _item, _sellers, (qa, _qb, _qc) = await _world()
    await PurchaseRequest.filter(id=req.id).update(status=RequestStatus.CANCELLED)
    with pytest.raises(DomainError) as exc:
        await orders.award(request=req, choices={qa.id: 5}, by=buyer.officer, today=TODAY)
    assert exc.value.code == "request_closed"


async def test_order_lines_never_exceed_the_accepted_quantity(db):
    buyer, req, _item, _sellers, (qa, _qb, _qc) = await _world()
    await orders.award(request=req, choices={qa.id: 120}, by=buyer.officer, today=TODAY)
    line = await OrderLine.get(quote_id=qa.id)
    quote = await Quote.get(id=qa.id)
    assert line.quantity == quote.accepted_quantity == 120
    orders.check_line(quote, 120)
    with pytest.raises(DomainError) as exc:
        orders.check_line(quote, 121)
    assert exc.value.code == "above_accepted"
    quote.status = QuoteStatus.QUOTED
    with pytest.raises(DomainError):
        orders.check_line(quote, 1)


async def test_approval_threshold_decides_which_orders_wait(db):
    buyer, req, _item, (a, b, _c), (qa, qb, _qc) = await _world(
        requires_approval=True, threshold=10_000_000)
    await orders.award(request=req, choices={qa.id: 200, qb.id: 10}, by=buyer.officer,
                       today=TODAY)
    big = await PurchaseOrder.get(producer_id=a.producer.id)  # 12,000,000
    small = await PurchaseOrder.get(producer_id=b.producer.id)  # 620,000
    assert (big.status, big.number, big.approval_required) == (
        OrderStatus.AWAITING_APPROVAL, None, True)
    assert (small.status, small.number) == (OrderStatus.ISSUED, "SP/2027/0001")
    heads = await OutboxMessage.filter(kind="procurement.approval")
    assert [m.to for m in heads] == [buyer.head.email]


async def test_only_a_head_approves_and_the_number_comes_then(db):
    buyer, req, _item, _sellers, (qa, _qb, _qc) = await _world(requires_approval=True)
    (order,) = await orders.award(request=req, choices={qa.id: 50}, by=buyer.officer,
                                  today=TODAY)
    for someone in (buyer.officer, await office_user(), (await buyer_org()).head):
        with pytest.raises(Forbidden):
            await orders.approve(order=order, by=someone, today=TODAY)
    approved = await orders.approve(order=order, by=buyer.head, today=TODAY)
    assert (approved.status, approved.number, approved.approved_by_id) == (
        OrderStatus.ISSUED, "SP/2027/0001", buyer.head.id)
    with pytest.raises(DomainError) as exc:
        await orders.approve(order=order, by=buyer.head, today=TODAY)
    assert exc.value.code == "not_awaiting"
    assert await AuditEntry.filter(action="procurement.order.approved").count() == 1


async def test_refused_order_gives_the_item_back_to_the_buyer(db):
    buyer, req, _item, _sellers, (qa, qb, qc) = await _world(requires_approval=True,
                                                             quantity=200)
    (order,) = await orders.award(request=req, choices={qa.id: 200}, by=buyer.officer,
                                  today=TODAY)
    await qb.refresh_from_db()
    assert qb.status == QuoteStatus.NOT_CHOSEN
    with pytest.raises(DomainError) as exc:
        await orders.refuse(order=order, by=buyer.head, reason="  ")
    assert exc.value.data["field"] == "reason"
    with pytest.raises(Forbidden):
        await orders.refuse(order=order, by=buyer.officer, reason="Anggaran belum ada")
    refused = await orders.refuse(order=order, by=buyer.head, reason="Anggaran belum ada")
    assert (refused.status, refused.reason, refused.number) == (
        OrderStatus.NOT_APPROVED, "Anggaran belum ada", None)
    statuses = {q.id: q.status for q in await Quote.filter(item_id=qa.item_id)}
    assert statuses == {qa.id: QuoteStatus.NOT_CHOSEN, qb.id: QuoteStatus.QUOTED,
                        qc.id: QuoteStatus.QUOTED}
    assert (await PurchaseRequest.get(id=req.id)).status == RequestStatus.OPEN
    told = await OutboxMessage.get(kind="procurement.refused")
    assert told.to == buyer.officer.email and "Anggaran belum ada" in told.body
    again = await orders.award(request=req, choices={qb.id: 150}, by=buyer.officer,
                               today=TODAY)
    assert again[0].status == OrderStatus.AWAITING_APPROVAL


async def test_cancel_before_delivery_only(db):
    buyer, req, _item, (a, _b, _c), (qa, qb, _qc) = await _world()
    first, second = await orders.award(request=req, choices={qa.id: 100, qb.id: 100},
                                       by=buyer.officer, today=TODAY)
    with pytest.raises(Forbidden):
        await orders.cancel(order=first, by=a.user, reason="x")
    cancelled = await orders.cancel(order=first, by=buyer.officer, reason="Acara batal")
    assert (cancelled.status, cancelled.cancelled_at is not None) == (
        OrderStatus.CANCELLED, True)
    assert await OutboxMessage.filter(kind="procurement.order",
                                      key__startswith=f"order:{first.id}:cancelled").exists()
    with pytest.raises(DomainError) as exc:
        await orders.cancel(order=first, by=buyer.officer, reason="again")
    assert exc.value.code == "not_cancellable"
    await Delivery.create(order_id=second.id, seq=1, planned_on=TODAY,
                          status=DeliveryStatus.RECEIVED)
    with pytest.raises(DomainError) as exc:
        await orders.cancel(order=second, by=buyer.officer, reason="late")
    assert exc.value.code == "received"
    assert (await PurchaseRequest.get(id=req.id)).status == RequestStatus.ORDERED


async def test_request_closes_when_every_order_ended_with_one_delivered(db):
    buyer, req, _item, _sellers, (qa, qb, _qc) = await _world()
    first, second = await orders.award(request=req, choices={qa.id: 100, qb.id: 100},
                                       by=buyer.officer, today=TODAY)
    await PurchaseOrder.filter(id=first.id).update(status=OrderStatus.DELIVERED)
    assert not await orders.close_if_done(req.id)
    await orders.cancel(order=second, by=buyer.officer, reason="Tidak jadi")
    closed = await PurchaseRequest.get(id=req.id)
    assert closed.status == RequestStatus.CLOSED and closed.closed_at is not None


async def test_lists_by_scope_status_and_page(db):
    buyer, req, _item, (a, b, _c), (qa, qb, _qc) = await _world()
    await orders.award(request=req, choices={qa.id: 100, qb.id: 100}, by=buyer.officer,
                       today=TODAY)
    other = await buyer_org(requires_approval=False)
    oreq = await open_request(other)
    oquote = await quoted((await RequestItem.filter(request_id=oreq.id))[0], a, quantity=10)
    await orders.award(request=oreq, choices={oquote.id: 10}, by=other.officer, today=TODAY)
    mine = await orders.orders_page(scope=orders.scope_of(
        office=False, organisation_ids=[buyer.organisation.id], producer_ids=[]), today=TODAY)
    assert {r.order.organisation_id for r in mine.rows} == {buyer.organisation.id}
    assert len(mine.rows) == 2
    everyone = await orders.orders_page(scope=orders.scope_of(
        office=True, organisation_ids=[], producer_ids=[]), today=TODAY)
    assert len(everyone.rows) == 3
    producer = await orders.orders_page(scope=orders.scope_of(
        office=False, organisation_ids=[], producer_ids=[a.producer.id], as_producer=True),
        today=TODAY)
    assert {r.order.producer_id for r in producer.rows} == {a.producer.id}
    assert len(producer.rows) == 2
    none = await orders.orders_page(scope=orders.scope_of(
        office=True, organisation_ids=[], producer_ids=[]), status="delivered", today=TODAY)
    assert none.rows == [] and not none.has_next
    assert [o.producer_id for o in await orders.orders_of_request(req)] == [
        a.producer.id, b.producer.id]


async def test_lists_paginate(db, monkeypatch):
    from expo.procurement import watch

    monkeypatch.setattr(watch, "PER_PAGE", 2)
    buyer, req, _item, _sellers, (qa, qb, qc) = await _world(quantity=1000)
    await orders.award(request=req, choices={qa.id: 1, qb.id: 1, qc.id: 1}, by=buyer.officer,
                       today=TODAY)
    scope = orders.scope_of(office=True, organisation_ids=[], producer_ids=[])
    first = await orders.orders_page(scope=scope, today=TODAY)
    second = await orders.orders_page(scope=scope, today=TODAY, page=2)
    assert (len(first.rows), first.has_next, len(second.rows), second.has_next) == (
        2, True, 1, False)
    assert {r.order.id for r in first.rows}.isdisjoint({r.order.id for r in second.rows})


async def test_two_awards_of_the_same_quote_at_once_one_wins(db):
    import asyncio

    buyer, req, _item, _sellers, (qa, _qb, _qc) = await _world()
    results = await asyncio.gather(
        orders.award(request=req, choices={qa.id: 150}, by=buyer.officer, today=TODAY),
        orders.award(request=req, choices={qa.id: 120}, by=buyer.head, today=TODAY),
        return_exceptions=True)
    won = [r for r in results if isinstance(r, list)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0].code in ("quote_not_open", "decided")
    assert await OrderLine.filter(quote_id=qa.id).count() == 1
    line = await OrderLine.get(quote_id=qa.id)
    assert line.quantity == (await Quote.get(id=qa.id)).accepted_quantity
