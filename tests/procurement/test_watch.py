"""Late, short and overdue orders (flags in SQL), the alternatives from the same cluster
first, and the daily job that tells the buyer's staff and the trade office once."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.jobs import queue
from expo.outbox import OutboxMessage
from expo.procurement import billing, deliveries, orders, watch
from expo.procurement.deliveries import Arrived
from expo.procurement.models import OrderLine, RequestItem
from tests.procurement.factories import (
    TODAY,
    buyer_org,
    listed_producer,
    office_user,
    open_request,
    quoted,
)

pytestmark = pytest.mark.asyncio
DUE = dt.date(2027, 4, 10)
ALL = watch.Scope()


async def _order():
    buyer = await buyer_org(requires_approval=False)
    req = await open_request(buyer)
    item = (await RequestItem.filter(request_id=req.id))[0]
    seller = await listed_producer(cluster="Kue kering")
    quote = await quoted(item, seller, quantity=100, unit_price=10_000, delivery_on=DUE)
    (order,) = await orders.award(request=req, choices={quote.id: 100}, by=buyer.officer,
                                  today=TODAY)
    line = await OrderLine.get(order_id=order.id)
    return buyer, seller, order, line


async def _flagged(flag: str, today: dt.date) -> list[int]:
    return [r.order.id for r in (await watch.page(scope=ALL, flag=flag, today=today)).rows]


async def test_late_when_a_line_is_past_its_date_and_still_owed(db):
    buyer, _seller, order, line = await _order()
    assert not (await watch.flags_of(order, today=DUE)).late
    flags = await watch.flags_of(order, today=DUE + dt.timedelta(days=1))
    assert (flags.late, flags.late_since) == (True, DUE)
    assert await _flagged("late", DUE + dt.timedelta(days=1)) == [order.id]
    await deliveries.receive(order=order, by=buyer.officer, arrived={line.id: Arrived(100)},
                             received_on=DUE, receiver_name="Budi")
    assert not (await watch.flags_of(order, today=DUE + dt.timedelta(days=1))).late
    assert await _flagged("late", DUE + dt.timedelta(days=1)) == []


async def test_late_when_a_scheduled_delivery_is_past_its_date(db):
    buyer, seller, order, line = await _order()
    await deliveries.schedule(order=order, by=seller.user, planned_on=TODAY + dt.timedelta(days=3),
                              quantities={line.id: 50})
    flags = await watch.flags_of(order, today=TODAY + dt.timedelta(days=4))
    assert (flags.late, flags.late_since) == (True, TODAY + dt.timedelta(days=3))


async def test_short_when_a_delivery_brought_less_than_planned(db):
    buyer, seller, order, line = await _order()
    planned = await deliveries.schedule(order=order, by=seller.user, planned_on=TODAY,
                                        quantities={line.id: 70})
    assert await _flagged("short", TODAY) == []
    await deliveries.receive(order=order, by=buyer.officer,
                             arrived={line.id: Arrived(70, 10)}, received_on=TODAY,
                             receiver_name="Budi", delivery=planned)
    assert (await watch.flags_of(order, today=TODAY)).short
    assert await _flagged("short", TODAY) == [order.id]


async def test_unpaid_and_overdue(db):
    buyer, seller, order, _line = await _order()
    await billing.add_invoice(order=order, by=seller.user, number="F-1", amount=400_000,
                              issued_on=TODAY, due_on=TODAY + dt.timedelta(days=5))
    assert await _flagged("unpaid", TODAY) == [order.id]
    assert await _flagged("overdue", TODAY) == []
    assert await _flagged("overdue", TODAY + dt.timedelta(days=6)) == [order.id]
    flags = await watch.flags_of(order, today=TODAY + dt.timedelta(days=6))
    assert (flags.invoiced, flags.paid, flags.overdue, flags.unpaid) == (400_000, 0, True, True)
    await billing.add_payment(order=order, by=buyer.officer, amount=400_000,
                              method=billing.PayMethod.TRANSFER, paid_on=TODAY, reference="",
                              today=TODAY)
    assert await _flagged("overdue", TODAY + dt.timedelta(days=6)) == []
    assert await _flagged("unpaid", TODAY) == []


async def test_alternatives_same_cluster_first_never_the_late_producer(db):
    _buyer, seller, order, _line = await _order()
    elsewhere = await listed_producer(cluster="Olahan ikan", per_week=500, lead_time_days=0)
    near = await listed_producer(cluster="Kue kering", per_week=50, lead_time_days=0)
    await listed_producer(kind="amplang", product="Amplang", lead_time_days=0)
    await listed_producer(cluster="Kue kering", lead_time_days=14)  # nothing to spare by then
    today = DUE + dt.timedelta(days=2)
    (option,) = await watch.alternatives(order, today=today)
    ids = [s.producer_id for s in option.supplies]
    assert ids == [near.producer.id, elsewhere.producer.id]
    assert seller.producer.id not in ids


async def test_daily_job_tells_staff_and_office_once(db):
    buyer, _seller, order, _line = await _order()
    office = await office_user()
    late = DUE + dt.timedelta(days=1)
    assert await watch.run(today=DUE) == 0
    assert await watch.run(today=late) == 1
    sent = await OutboxMessage.filter(kind="procurement.late")
    assert sorted(m.to for m in sent) == sorted(
        [buyer.officer.email, buyer.head.email, office.email])
    await watch.run(today=late)
    await queue.enqueue(watch.KIND, {"today": (late + dt.timedelta(days=1)).isoformat()})
    await queue.drain(only=[watch.KIND])
    assert await OutboxMessage.filter(kind="procurement.late").count() == 3  # once


async def test_office_overview_lists_the_flags_with_alternatives(db):
    _buyer, _seller, order, _line = await _order()
    other = await listed_producer(lead_time_days=0)
    view = await watch.overview(today=DUE + dt.timedelta(days=1))
    assert [r.order.id for r in view.late] == [order.id]
    assert view.short == [] and view.overdue == []
    (option,) = view.alternatives[order.id]
    assert [s.producer_id for s in option.supplies] == [other.producer.id]
