"""Who can supply what by when (SQL over the catalogue), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from expo.leads import capacity
from expo.procurement import supply
from expo.procurement.models import OrderStatus, PurchaseOrder, QuoteStatus
from tests.procurement.factories import TODAY, buyer_org, listed_producer, open_request, quoted

pytestmark = pytest.mark.asyncio


async def test_supply_weekly_and_monthly_capacity_after_lead_time(db):
    weekly = await listed_producer(per_week=70, lead_time_days=7)
    monthly = await listed_producer(per_week=0, per_month=300, lead_time_days=0)
    rows = await supply.supply_for(kind="nastar", today=TODAY, needed_by=TODAY + dt.timedelta(days=21))
    spare = {r.producer_id: r.producible for r in rows}
    assert spare[weekly.producer.id] == 70 * 14 // 7 == capacity.producible(
        capacity_per_week=70, lead_time_days=7, today=TODAY, needed_by=TODAY + dt.timedelta(days=21))
    assert spare[monthly.producer.id] == 300 * 21 // 30


async def test_supply_skips_unlisted_other_kinds_and_other_units(db):
    await listed_producer(listed=False)
    await listed_producer(kind="amplang", product="Amplang bandeng")
    await listed_producer(unit="kg")
    ok = await listed_producer()
    rows = await supply.supply_for(kind="nastar", unit="toples", today=TODAY,
                                   needed_by=dt.date(2027, 4, 1))
    assert [r.producer_id for r in rows] == [ok.producer.id]


async def test_supply_by_name_words_when_no_kind(db):
    ok = await listed_producer(product="Amplang ikan pipih", kind="amplang")
    await listed_producer()
    rows = await supply.supply_for(name="amplang pipih", today=TODAY,
                                   needed_by=dt.date(2027, 4, 1))
    assert [r.producer_id for r in rows] == [ok.producer.id]


async def test_supply_less_what_is_owed_on_live_orders_and_accepted_quotes(db):
    seller = await listed_producer(per_week=70, lead_time_days=0)
    buyer = await buyer_org()
    req = await open_request(buyer)
    item = (await req.items.all())[0]
    accepted = await quoted(item, seller, quantity=50, status=QuoteStatus.ACCEPTED)
    accepted.accepted_quantity = 40
    await accepted.save()
    rows = await supply.supply_for(kind="nastar", today=TODAY, needed_by=TODAY + dt.timedelta(days=14))
    assert (rows[0].producible, rows[0].committed, rows[0].spare) == (140, 40, 100)
    order = await PurchaseOrder.create(request=req, organisation=buyer.organisation,
                                       producer=seller.producer, status=OrderStatus.ISSUED,
                                       delivery_address="x", due_on=TODAY)
    await order.lines.create(quote=accepted, item=item, product=seller.product, name="Nastar",
                             quantity=40, unit="toples", unit_price=1, delivery_on=TODAY,
                             received=15, damaged=5)
    rows = await supply.supply_for(kind="nastar", today=TODAY, needed_by=TODAY + dt.timedelta(days=14))
    assert rows[0].committed == 30  # 40 ordered, 10 accepted in good condition
    order.status = OrderStatus.DELIVERED
    await order.save()
    rows = await supply.supply_for(kind="nastar", today=TODAY, needed_by=TODAY + dt.timedelta(days=14))
    assert rows[0].committed == 0
