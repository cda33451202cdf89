"""After the full demo loads: two agencies and a hotel with their staff, every request and
order state, the listed producers, well-formed unique numbers, the fair's inquiry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from expo.exhibitors.models import Producer, Product
from expo.procurement import demo, reports
from expo.procurement.models import (
    BuyerKind,
    BuyerMember,
    Delivery,
    Listing,
    MemberRole,
    OfficeStaff,
    OrderInvoice,
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


async def _demo_has_buyers_staff_and_the_trade_office(ctx: Any) -> None:
    orgs = {o.name: o for o in await Organisation.all()}
    assert [o.kind for o in orgs.values()].count(BuyerKind.AGENCY) == 2
    assert [o.kind for o in orgs.values()].count(BuyerKind.BUSINESS) == 1
    dinkop = orgs[demo.DINKOP]
    assert dinkop.requires_approval and dinkop.approval_threshold == 10_000_000
    assert dinkop.kabupaten == "Kota Samarinda" and not orgs[demo.BAPENDA].requires_approval
    roles = {(m.user.email, m.role) for m in await BuyerMember.all().select_related("user")}
    assert {("pengadaan@expo.test", MemberRole.OFFICER), ("kadis@expo.test", MemberRole.HEAD),
            ("bapenda@expo.test", MemberRole.OFFICER),
            ("hotel@expo.test", MemberRole.OFFICER)} <= roles
    assert await OfficeStaff.exists(user__email="panitia@expo.test")
    printed = {email for _role, email, _pw in ctx.logins}
    assert {"pengadaan@expo.test", "kadis@expo.test", "hotel@expo.test"} <= printed


async def _demo_has_every_state_and_well_formed_numbers(ctx: Any) -> None:
    assert set(await PurchaseRequest.all().values_list("status", flat=True)) == {
        s.value for s in RequestStatus}
    assert set(await PurchaseOrder.all().values_list("status", flat=True)) == {
        s.value for s in OrderStatus}
    assert set(await Quote.all().values_list("status", flat=True)) == {
        s.value for s in QuoteStatus}
    assert await Quote.exists(status=QuoteStatus.QUOTED, over_capacity=True)
    for model, prefix in ((PurchaseRequest, "RFQ"), (PurchaseOrder, "SP")):
        numbers = [str(n) for n in await model.all().values_list("number", flat=True) if n]
        assert numbers and len(numbers) == len(set(numbers))
        assert all(re.fullmatch(prefix + r"/\d{4}/\d{4}", n) for n in numbers)
    basts = [str(n) for n in await Delivery.all().values_list("bast_number", flat=True)
             if n]
    assert len(basts) >= 4 and all(re.fullmatch(r"BAST/\d{4}/\d{4}", n) for n in basts)
    issued = PurchaseOrder.filter(status__in=list(reports.SPEND_ORDERS))
    assert await issued.filter(number=None).count() == 0
    assert await PurchaseOrder.filter(status=OrderStatus.AWAITING_APPROVAL,
                                      number__not_isnull=True).count() == 0
    assert not await PurchaseRequest.exists(status=RequestStatus.DRAFT, number__not_isnull=True)


async def _demo_orders_add_up_and_the_nastar_split(ctx: Any) -> None:
    for order in await PurchaseOrder.all():
        lines = await OrderLine.filter(order_id=order.id)
        assert order.total == sum(line.total for line in lines)
        for line in lines:
            quote = await Quote.get(id=line.quote_id)
            assert line.quantity <= (quote.accepted_quantity or 0)
    nastar = await PurchaseRequest.get(title__startswith="Nastar untuk bingkisan")
    lines = await OrderLine.filter(order__request_id=nastar.id)
    assert sum(line.quantity for line in lines) == 2000
    waiting = await PurchaseOrder.filter(request_id=nastar.id,
                                         status=OrderStatus.AWAITING_APPROVAL).count()
    assert waiting == 3
    seminar = await PurchaseRequest.get(title__startswith="Seminar kit")
    kinds = set(await RequestItem.filter(request_id=seminar.id).values_list("quantity",
                                                                          flat=True))
    assert kinds == {300}
    fair = await PurchaseRequest.get(source_inquiry_id__not_isnull=True)
    assert fair.source_event_id is not None and fair.status == RequestStatus.OPEN


async def _demo_catalogue_lists_every_demo_producer(ctx: Any) -> None:
    producers = await Producer.filter(email__endswith="@expo.test").count()
    assert await Listing.filter(listed=True).count() == producers >= 40
    verified = await Listing.filter(nib_verified_at__not_isnull=True).count()
    assert verified > producers // 2
    expired = await Producer.get(business_name=demo.EXPIRED_HALAL)
    assert expired.halal_expires_on is not None
    assert await Listing.exists(producer=expired, halal_verified_at__not_isnull=True)
    assert not await Product.filter(kind="").exists()
    assert await Product.filter(capacity_per_month__gt=0, capacity_per_week=0).exists()
    assert await Product.filter(min_order__gt=1).exists()


async def _demo_shows_in_the_reports(ctx: Any) -> None:
    today = demo.today()
    period = reports.period_of(start=today - dt.timedelta(days=100), end=today, today=today)
    r = await reports.report(period=period, today=today)
    assert r.totals.orders >= 7 and r.totals.paid > 0
    assert r.totals.overdue == 5_600_000  # the hotel's amplang invoice
    assert any(o.late for o in r.on_time) and any(o.on_time for o in r.on_time)
    assert {g.label for g in r.per_organisation} == {demo.DINKOP, demo.BAPENDA, demo.HOTEL}
    assert await OrderInvoice.all().count() >= 3


# Run on the demo load every domain shares (tests/test_live_demo.py): it costs seconds.
CHECKS = [_demo_has_buyers_staff_and_the_trade_office,
          _demo_has_every_state_and_well_formed_numbers, _demo_orders_add_up_and_the_nastar_split,
          _demo_catalogue_lists_every_demo_producer, _demo_shows_in_the_reports]
