"""The procurement reports on a small hand-made world with known numbers (both databases):
sums per grouping, on-time counts, the SMK share, unpaid and overdue, the period filter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from expo.errors import DomainError
from expo.exhibitors.models import Category
from expo.procurement import reports
from expo.procurement.models import (
    BuyerKind,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    OrderInvoice,
    OrderLine,
    OrderPayment,
    OrderStatus,
    PurchaseOrder,
    QuoteStatus,
    RequestItem,
)
from tests.procurement.factories import (
    TODAY,
    Buyer,
    Seller,
    buyer_org,
    listed_producer,
    open_request,
    quoted,
)

D = dt.date
YEAR = reports.Period(D(2027, 1, 1), D(2027, 12, 31))


@dataclass
class World:
    agency: Buyer
    hotel: Buyer
    amplang: Seller
    batik: Seller
    nastar: Seller


async def make_order(buyer: Buyer, seller: Seller, *, status: OrderStatus,
                     issued_on: dt.date | None,
                     lines: list[tuple[int, int, dt.date]]) -> list[OrderLine]:
    """An order of ``lines`` (quantity, unit price, delivery date), one item each."""
    req = await open_request(buyer, items=[(f"Barang {i}", "x", q, "buah")
                                           for i, (q, _p, _d) in enumerate(lines)])
    order = await PurchaseOrder.create(
        request=req, organisation=buyer.organisation, producer=seller.producer, status=status,
        total=sum(q * p for q, p, _d in lines), delivery_address="Samarinda",
        due_on=max(d for _q, _p, d in lines), issued_on=issued_on)
    out = []
    for item, (quantity, price, due) in zip(await RequestItem.filter(request_id=req.id), lines, strict=True):
        quote = await quoted(item, seller, quantity=quantity, unit_price=price, delivery_on=due,
                             status=QuoteStatus.ACCEPTED)
        out.append(await OrderLine.create(order=order, quote=quote, item=item, name=item.name,
                                          quantity=quantity, unit="buah", unit_price=price,
                                          delivery_on=due))
    return out


async def deliver(line: OrderLine, *, on: dt.date, received: int, damaged: int = 0) -> None:
    seq = await Delivery.filter(order_id=line.order_id).count() + 1
    delivery = await Delivery.create(order_id=line.order_id, seq=seq, planned_on=on,
                                     status=DeliveryStatus.RECEIVED, received_on=on)
    await DeliveryLine.create(delivery=delivery, line=line, planned=received, received=received,
                              damaged=damaged)
    await OrderLine.filter(id=line.id).update(received=line.received + received,
                                              damaged=line.damaged + damaged)
    line.received += received
    line.damaged += damaged


@pytest.fixture
async def world(db: str) -> World:
    w = World(
        agency=await buyer_org(name="Dinas Koperasi", kabupaten="Kota Samarinda"),
        hotel=await buyer_org(name="Hotel Tepian", kind=BuyerKind.BUSINESS,
                              kabupaten="Kota Balikpapan", requires_approval=False),
        amplang=await listed_producer(name="Amplang Aminah", kabupaten="Kota Samarinda",
                                      category=Category.OLEH_OLEH, cluster="amplang",
                                      smk_workers=2),
        batik=await listed_producer(name="Batik Shaho", kabupaten="Kota Balikpapan",
                                    category=Category.FESYEN, cluster="batik"),
        nastar=await listed_producer(name="Nastar Sangatta", kabupaten="Kutai Timur",
                                     category=Category.KULINER, cluster="nastar"))
    # o1: delivered on time in two deliveries; invoiced 2.5M due 10 Feb, 1M paid
    (l1,) = await make_order(w.agency, w.amplang, status=OrderStatus.DELIVERED,
                             issued_on=D(2027, 1, 10), lines=[(100, 25_000, D(2027, 1, 20))])
    await deliver(l1, on=D(2027, 1, 18), received=60)
    await deliver(l1, on=D(2027, 1, 20), received=40)
    invoice = await OrderInvoice.create(order_id=l1.order_id, number="INV-1", amount=2_500_000,
                                        issued_on=D(2027, 1, 21), due_on=D(2027, 2, 10))
    await OrderPayment.create(order_id=l1.order_id, invoice=invoice, amount=1_000_000,
                              paid_on=D(2027, 2, 1))
    # o2: one line completed 5 days late (2 damaged replaced), one still short after its date
    l2a, l2b = await make_order(w.agency, w.batik, status=OrderStatus.PARTLY_DELIVERED,
                                issued_on=D(2027, 2, 5),
                                lines=[(10, 300_000, D(2027, 2, 20)),
                                       (5, 200_000, D(2027, 2, 28))])
    await deliver(l2a, on=D(2027, 2, 19), received=10, damaged=2)
    await deliver(l2a, on=D(2027, 2, 25), received=2)
    await OrderInvoice.create(order_id=l2a.order_id, number="INV-2", amount=2_000_000,
                              issued_on=D(2027, 2, 26), due_on=D(2027, 3, 15))
    # o3: issued, not due yet
    await make_order(w.hotel, w.nastar, status=OrderStatus.ISSUED, issued_on=D(2027, 2, 20),
                     lines=[(50, 90_000, D(2027, 3, 10))])
    # not counted: awaiting approval, cancelled, and last year's
    await make_order(w.agency, w.nastar, status=OrderStatus.AWAITING_APPROVAL, issued_on=None,
                     lines=[(500, 90_000, D(2027, 3, 20))])
    await make_order(w.hotel, w.amplang, status=OrderStatus.CANCELLED, issued_on=D(2027, 2, 1),
                     lines=[(10, 25_000, D(2027, 2, 10))])
    (old,) = await make_order(w.agency, w.amplang, status=OrderStatus.DELIVERED,
                              issued_on=D(2026, 12, 15), lines=[(40, 25_000, D(2026, 12, 20))])
    await deliver(old, on=D(2026, 12, 22), received=40)
    return w


def by_label(groups: list[reports.Group]) -> dict[str, tuple[int, int, int, int]]:
    return {g.label: (g.orders, g.spend, g.received, g.paid) for g in groups}


async def test_report_totals_count_issued_orders_only(world: World) -> None:
    r = await reports.report(period=YEAR, today=TODAY)
    t = r.totals
    assert (t.orders, t.producers, t.organisations) == (3, 3, 2)
    assert (t.spend, t.received, t.paid) == (11_000_000, 5_500_000, 1_000_000)
    assert (t.invoiced, t.unpaid, t.overdue) == (4_500_000, 3_500_000, 1_500_000)


async def test_report_sums_per_grouping(world: World) -> None:
    r = await reports.report(period=YEAR, today=TODAY)
    assert by_label(r.per_organisation) == {
        "Dinas Koperasi": (2, 6_500_000, 5_500_000, 1_000_000),
        "Hotel Tepian": (1, 4_500_000, 0, 0)}
    assert [g.label for g in r.per_organisation] == ["Dinas Koperasi", "Hotel Tepian"]
    assert by_label(r.per_buyer_kabupaten) == {"Kota Samarinda": (2, 6_500_000, 5_500_000,
                                                                  1_000_000),
                                               "Kota Balikpapan": (1, 4_500_000, 0, 0)}
    assert [(g.label, g.spend) for g in r.per_producer_kabupaten] == [
        ("Kutai Timur", 4_500_000), ("Kota Balikpapan", 4_000_000),
        ("Kota Samarinda", 2_500_000)]
    assert {g.key: g.spend for g in r.per_category} == {
        "kuliner": 4_500_000, "fesyen": 4_000_000, "oleh-oleh": 2_500_000}
    assert {g.label for g in r.per_category} == {
        Category.KULINER.label, Category.FESYEN.label, Category.OLEH_OLEH.label}
    assert {g.label: g.spend for g in r.per_cluster} == {
        "nastar": 4_500_000, "batik": 4_000_000, "amplang": 2_500_000}
    assert len(r.per_month) == 12
    assert [(g.key, g.orders, g.spend) for g in r.per_month[:3]] == [
        ("2027-01", 1, 2_500_000), ("2027-02", 2, 8_500_000), ("2027-03", 0, 0)]
    assert sum(g.share for g in r.per_organisation) == pytest.approx(1.0)


async def test_report_on_time_per_producer(world: World) -> None:
    r = await reports.report(period=YEAR, today=TODAY)
    rows = {o.name: o for o in r.on_time}
    assert set(rows) == {"Amplang Aminah", "Batik Shaho"}  # the nastar line is not due yet
    amplang, batik = rows["Amplang Aminah"], rows["Batik Shaho"]
    assert (amplang.lines, amplang.on_time, amplang.late, amplang.days_late) == (1, 1, 0, None)
    assert amplang.share == 1.0
    # 5 days late (completed on 25 Feb for 20 Feb) and 1 day so far (due 28 Feb, short)
    assert (batik.lines, batik.on_time, batik.late, batik.days_late) == (2, 0, 2, 3.0)
    assert batik.share == 0.0


async def test_report_smk_share(world: World) -> None:
    r = await reports.report(period=YEAR, today=TODAY)
    assert (r.smk.spend, r.smk.orders, r.smk.producers) == (2_500_000, 1, 1)
    assert r.smk.share_spend == pytest.approx(2_500_000 / 11_000_000)
    assert r.smk.share_orders == pytest.approx(1 / 3)


async def test_report_filters_by_period_and_buyer_kind(world: World) -> None:
    winter = reports.period_of(start=D(2026, 12, 1), end=D(2027, 1, 31), today=TODAY)
    r = await reports.report(period=winter, today=TODAY)
    assert (r.totals.orders, r.totals.spend) == (2, 3_500_000)
    assert [g.key for g in r.per_month] == ["2026-12", "2027-01"]
    assert [(g.key, g.spend) for g in r.per_month] == [("2026-12", 1_000_000),
                                                       ("2027-01", 2_500_000)]
    business = await reports.report(period=YEAR, kind=BuyerKind.BUSINESS.value, today=TODAY)
    assert (business.totals.orders, business.totals.spend) == (1, 4_500_000)
    assert [g.label for g in business.per_organisation] == ["Hotel Tepian"]
    assert business.smk.share_spend == 0.0 and business.on_time == []


async def test_report_of_an_empty_period_is_zero(world: World) -> None:
    r = await reports.report(period=reports.period_of(year=2025, today=TODAY), today=TODAY)
    assert r.totals == reports.Totals()
    assert r.per_organisation == [] and r.on_time == [] and r.smk.share_spend is None
    assert all(g.spend == 0 for g in r.per_month)


def test_period_of_reads_a_year_dates_or_this_year() -> None:
    assert reports.period_of(today=TODAY) == YEAR
    assert YEAR.label == "2027"
    assert reports.period_of(year=2026, today=TODAY).start == D(2026, 1, 1)
    custom = reports.period_of(start=D(2027, 1, 1), end=D(2027, 3, 31), today=TODAY)
    assert custom.label == "2027-01-01_2027-03-31"
    assert custom.months == ["2027-01", "2027-02", "2027-03"]
    for start, end, code in [(D(2027, 3, 1), D(2027, 1, 1), "period_reversed"),
                             (D(2027, 3, 1), None, "period_incomplete"),
                             (None, D(2027, 3, 1), "period_incomplete"),
                             (D(2020, 1, 1), D(2027, 1, 1), "period_too_long")]:
        with pytest.raises(DomainError) as caught:
            reports.period_of(start=start, end=end, today=TODAY)
        assert caught.value.code == code
