"""Demo procurement: every demo producer in the catalogue, the committee user as trade office
staff, two agencies and a hotel as buyers, and requests and orders in every state, dated
relative to the day the demo loads.

- Dinas Koperasi dan UKM Provinsi Kaltim (approval above Rp 10.000.000): a seminar kit for 300
  participants (tote bags delivered and paid, snack boxes partly delivered, drinks issued, a
  cancelled drinks order), 2,000 jars of nastar split over the nastar cluster (orders waiting
  for the head's approval, one refused), a cancelled request.
- Bapenda Kota Balikpapan (no approval): a draft, an open request with quotes proposed,
  invited, quoted (one above capacity) and declined, a closed request.
- A hotel in Balikpapan: an order delivered with an overdue invoice, a late order, a cancelled
  one, and a request from an inquiry made at the fair.

Rows are written with the models (numbers from the real counters, in the load's
transaction); the main state changes are audited as the services would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from expo import i18n
from expo.accounts.models import User
from expo.accounts.service import create_user
from expo.audit.service import log_action
from expo.db import atomic
from expo.events.demo import DEMO_PASSWORD, DemoContext
from expo.exhibitors.models import Producer, Product
from expo.leads.models import Inquiry

from . import numbering
from .models import (
    BuyerKind,
    BuyerMember,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    Listing,
    MemberRole,
    OfficeStaff,
    OrderInvoice,
    OrderLine,
    OrderPayment,
    OrderStatus,
    Organisation,
    PayMethod,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteStatus,
    RequestItem,
    RequestStatus,
)
from .supply import Params

DINKOP = "Dinas Koperasi dan UKM Provinsi Kalimantan Timur"
BAPENDA = "Badan Pendapatan Daerah Kota Balikpapan"
HOTEL = "Hotel Tepian Borneo Balikpapan"
# (producer, product, kind, unit, price, per week, per month, lead time, min order)
NEW_PRODUCTS = [
    ("Batik Shaho Samarinda", "Tas jinjing batik (tote bag)", "tas batik", "buah", 48_000, 0,
     900, 7, 50),
    ("Batik Tenggarong Indah", "Tas jinjing batik motif Kutai", "tas batik", "buah", 55_000, 0,
     400, 10, 50),
    ("Kue Talam Bu Sri", "Snack box kue khas Kaltim (isi 4)", "snack box", "kotak", 25_000,
     250, 0, 2, 30),
    ("Talam Banjar Nenek", "Snack box talam dan bingka (isi 4)", "snack box", "kotak", 27_000,
     200, 0, 2, 30),
    ("Gula Aren Mahulu", "Minuman jahe merah gula aren 250 ml", "minuman", "botol", 15_000,
     500, 0, 3, 50),
    ("Kopi Luwak Kubar", "Kopi susu aren botol 250 ml", "minuman", "botol", 16_000, 200, 0, 2,
     50),
]
MONTHLY = ("ulap doyo", "tenun samarinda")  # woven by hand: capacity counted per month
NO_VERIFY = 7  # every 7th producer waits for the office's check of its numbers
EXPIRED_HALAL = "Dodol Rumput Laut Bontang"


@dataclass
class World:
    ctx: DemoContext
    today: dt.date
    office: User
    head: User
    officer: User
    bapenda_officer: User
    hotel_buyer: User
    orgs: dict[str, Organisation] = field(default_factory=dict)
    producers: dict[str, Producer] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)  # by producer, then kind

    def day(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def at(self, offset: int, hour: int = 2) -> dt.datetime:
        """A moment of ``day(offset)`` (UTC; 02:00 is 10:00 WITA)."""
        return dt.datetime.combine(self.day(offset), dt.time(hour), tzinfo=dt.UTC)

    def product(self, producer: str, kind: str = "") -> Product:
        return self.products.get(f"{producer}|{kind}") or self.products[f"{producer}|"]


# --- the catalogue ------------------------------------------------------------------------

async def _products(w: World) -> None:
    """Kinds, minimum orders and monthly capacities on the demo products; the seminar-kit
    products the requests need."""
    conn = connections.get("default")
    demo = "producer_id IN (SELECT id FROM producers WHERE email LIKE '%@expo.test')"
    await conn.execute_query(
        "UPDATE products SET kind = (SELECT pr.cluster FROM producers pr "  # noqa: S608
        f"WHERE pr.id = products.producer_id) WHERE kind = '' AND {demo}")
    await conn.execute_query(
        "UPDATE products SET min_order = CASE capacity_unit WHEN 'bungkus' THEN 20 "  # noqa: S608
        "WHEN 'kotak' THEN 20 WHEN 'toples' THEN 10 WHEN 'botol' THEN 12 ELSE 1 END "
        f"WHERE {demo}")
    params = Params()
    kinds = ", ".join(params.add(k) for k in MONTHLY)
    await conn.execute_query(
        "UPDATE products SET capacity_per_month = capacity_per_week * 4, "  # noqa: S608
        f"capacity_per_week = 0 WHERE kind IN ({kinds}) AND {demo}", params.values)
    rows = []
    for name, product, kind, unit, price, week, month, lead, least in NEW_PRODUCTS:
        producer = w.producers.get(name)
        if producer is not None:
            rows.append(Product(producer=producer, name=product, kind=kind, capacity_unit=unit,
                                price_min=price, price_max=int(price * 1.2),
                                capacity_per_week=week, capacity_per_month=month,
                                lead_time_days=lead, min_order=least))
    await Product.bulk_create(rows)
    for p in await Product.filter(producer_id__in=[x.id for x in w.producers.values()]
                                  ).order_by("id").select_related("producer"):
        w.products.setdefault(f"{p.producer.business_name}|", p)
        w.products[f"{p.producer.business_name}|{p.kind}"] = p


async def _catalogue(w: World) -> None:
    """Every demo producer listed; most legality numbers verified; one halal expired."""
    producers = await Producer.filter(email__endswith="@expo.test").order_by("id")
    w.producers = {p.business_name: p for p in producers}
    expired = w.producers.get(EXPIRED_HALAL)
    if expired is not None:
        expired.halal_number = expired.halal_number or "ID64110000271842"
        expired.halal_expires_on = w.day(-20)
        await expired.save(update_fields=["halal_number", "halal_expires_on"])
    checked = w.at(-90)
    listings = []
    for index, p in enumerate(producers):
        verify = index % NO_VERIFY != NO_VERIFY - 1
        listings.append(Listing(
            producer=p, listed=True, verified_by=w.office if verify else None, added_by=w.office,
            nib_verified_at=checked if verify and p.nib else None,
            pirt_verified_at=checked if verify and p.pirt_number else None,
            halal_verified_at=checked if (verify or p == expired) and p.halal_number else None,
            bpom_verified_at=checked if verify and p.bpom_number else None))
    await Listing.bulk_create(listings)
    await _products(w)


# --- buyers -------------------------------------------------------------------------------

async def _user(ctx: DemoContext, role: str, email: str, name: str) -> User:
    user = await create_user(email=email, name=name, password_hash=ctx.password_hash)
    ctx.logins.append((role, email, DEMO_PASSWORD))
    return user


async def _world(ctx: DemoContext, today: dt.date) -> World:
    office = ctx.users["committee"]
    await OfficeStaff.create(user=office, added_by=ctx.users["admin"])
    w = World(ctx=ctx, today=today, office=office,
              officer=await _user(ctx, "procurement officer", "pengadaan@expo.test",
                                  "Rina Wulandari"),
              head=await _user(ctx, "procurement head", "kadis@expo.test",
                               "Dr. H. Sutrisno, M.Si. (Kepala Dinas)"),
              bapenda_officer=await _user(ctx, "procurement officer", "bapenda@expo.test",
                                          "Andi Saputra (Bapenda)"),
              hotel_buyer=await _user(ctx, "business buyer", "hotel@expo.test",
                                      "Yusuf Maulana (Purchasing)"))
    for name, kind, kab, address, approval, threshold, staff in [
        (DINKOP, BuyerKind.AGENCY, "Kota Samarinda", "Jl. Basuki Rahmat No. 56, Samarinda",
         True, 10_000_000, [(w.officer, MemberRole.OFFICER), (w.head, MemberRole.HEAD)]),
        (BAPENDA, BuyerKind.AGENCY, "Kota Balikpapan", "Jl. Jenderal Sudirman No. 1, Balikpapan",
         False, 0, [(w.bapenda_officer, MemberRole.OFFICER)]),
        (HOTEL, BuyerKind.BUSINESS, "Kota Balikpapan", "Jl. Marsma R. Iswahyudi, Balikpapan",
         False, 0, [(w.hotel_buyer, MemberRole.OFFICER)]),
    ]:
        org = await Organisation.create(
            name=name, kind=kind, kabupaten=kab, address=address, requires_approval=approval,
            approval_threshold=threshold, email=staff[0][0].email, created_by=office)
        for user, role in staff:
            await BuyerMember.create(organisation=org, user=user, role=role)
        w.orgs[name] = org
    return w


# --- requests, quotes, orders, deliveries, payments ---------------------------------------

Item = tuple[str, str, str, int, str, int]  # name, kind, cluster, quantity, unit, needed in


async def _request(w: World, org: str, title: str, items: list[Item], *, sent: int | None,
                   status: RequestStatus, by: User, **extra: Any) -> list[RequestItem]:
    """A request sent ``sent`` days from today (None: a draft), with its items."""
    organisation = w.orgs[org]
    number = None
    if sent is not None:
        number = await numbering.take(kind=numbering.REQUEST, year=w.day(sent).year)
    req = await PurchaseRequest.create(
        number=number, organisation=organisation, title=title, status=status, created_by=by,
        delivery_address=organisation.address, kabupaten=organisation.kabupaten,
        sent_at=w.at(sent) if sent is not None else None, **extra)
    if sent is not None:
        await log_action(action="procurement.request.sent", actor=by, obj=req,
                         summary=number or "")
    return [await RequestItem.create(request=req, position=i, name=name, kind=kind,
                                     cluster=cluster, quantity=qty, unit=unit,
                                     needed_by=w.day(needed))
            for i, (name, kind, cluster, qty, unit, needed) in enumerate(items)]


async def _quote(w: World, item: RequestItem, producer: str, status: QuoteStatus, *,
                 qty: int = 0, price: int = 0, due: int = 0, accepted: int | None = None,
                 spare: int | None = None, note: str = "") -> Quote:
    answered = status not in (QuoteStatus.PROPOSED, QuoteStatus.INVITED,
                              QuoteStatus.WITHDRAWN) and qty > 0
    product = w.product(producer, item.kind)
    return await Quote.create(
        item=item, producer=w.producers[producer], product=product, status=status,
        proposed_quantity=qty or item.quantity, quantity=qty if answered else None,
        unit_price=price if answered else None, delivery_on=w.day(due) if answered else None,
        accepted_quantity=accepted, over_capacity=spare is not None and qty > spare,
        spare_at_quote=spare, note=note, invited_at=w.at(-1) if status != QuoteStatus.PROPOSED
        else None, responded_at=w.at(-1) if answered or status == QuoteStatus.DECLINED
        else None)


async def _order(w: World, quotes: list[Quote], status: OrderStatus, *, by: User,
                 issued: int | None = None, reason: str = "", approved: bool = False
                 ) -> PurchaseOrder:
    """One producer's order of accepted ``quotes``; numbered when it was issued."""
    items = {q.item_id: await RequestItem.get(id=q.item_id) for q in quotes}
    request = await PurchaseRequest.get(id=next(iter(items.values())).request_id)
    total = sum((q.accepted_quantity or 0) * (q.unit_price or 0) for q in quotes)
    number = None
    if issued is not None:
        number = await numbering.take(kind=numbering.ORDER, year=w.day(issued).year)
    order = await PurchaseOrder.create(
        number=number, request=request, organisation_id=request.organisation_id,
        producer_id=quotes[0].producer_id, status=status, total=total,
        delivery_address=request.delivery_address, created_by=by,
        due_on=max(q.delivery_on or w.today for q in quotes), approval_required=approved,
        approved_by=w.head if approved or status == OrderStatus.NOT_APPROVED else None,
        approved_at=w.at(issued or -1) if approved or status == OrderStatus.NOT_APPROVED
        else None, reason=reason, issued_on=w.day(issued) if issued is not None else None,
        cancelled_at=w.at(-2) if status == OrderStatus.CANCELLED else None)
    for q in quotes:
        await OrderLine.create(order=order, quote=q, item=items[q.item_id], product=q.product,
                               name=items[q.item_id].name, quantity=q.accepted_quantity or 0,
                               unit=items[q.item_id].unit, unit_price=q.unit_price or 0,
                               delivery_on=q.delivery_on or w.today)
    await log_action(action="procurement.order.created", actor=by, obj=order,
                     summary=number or "")
    if approved:
        await log_action(action="procurement.order.approved", actor=w.head, obj=order)
    if number:
        await log_action(action="procurement.order.issued", actor=w.head if approved else by,
                         obj=order, summary=number)
    if status in (OrderStatus.NOT_APPROVED, OrderStatus.CANCELLED):
        await log_action(action="procurement.order.refused" if status ==
                         OrderStatus.NOT_APPROVED else "procurement.order.cancelled",
                         actor=w.head if status == OrderStatus.NOT_APPROVED else by,
                         obj=order, summary=reason)
    return order


async def _receive(w: World, order: PurchaseOrder, day: int, amounts: list[tuple[int, int]],
                   *, by: User) -> Delivery:
    """A delivery received ``day`` days from today with a BAST: (received, damaged) per line
    of the order, in line order."""
    seq = await Delivery.filter(order_id=order.id).count() + 1
    bast = await numbering.take(kind=numbering.BAST, year=w.day(day).year)
    delivery = await Delivery.create(
        order=order, seq=seq, status=DeliveryStatus.RECEIVED, planned_on=w.day(day),
        received_on=w.day(day), received_by=by, receiver_name=by.name, bast_number=bast)
    for line, (received, damaged) in zip(await OrderLine.filter(order_id=order.id)
                                         .order_by("id"), amounts, strict=True):
        if not received:
            continue
        await DeliveryLine.create(delivery=delivery, line=line, planned=received,
                                  received=received, damaged=damaged,
                                  condition="partly" if damaged else "good",
                                  note="Kemasan penyok" if damaged else "")
        await OrderLine.filter(id=line.id).update(received=line.received + received,
                                                  damaged=line.damaged + damaged)
    await log_action(action="procurement.delivery.received", actor=by, obj=delivery,
                     summary=bast)
    return delivery


async def _schedule(order: PurchaseOrder, planned: dt.date, quantities: list[int]) -> None:
    seq = await Delivery.filter(order_id=order.id).count() + 1
    delivery = await Delivery.create(order=order, seq=seq, planned_on=planned)
    for line, qty in zip(await OrderLine.filter(order_id=order.id).order_by("id"), quantities,
                         strict=True):
        await DeliveryLine.create(delivery=delivery, line=line, planned=qty)


async def _bill(w: World, order: PurchaseOrder, number: str, *, issued: int, due: int,
                amount: int | None = None, paid: int | None = None, by: User) -> None:
    """The producer's invoice, and the buyer's payment ``paid`` days from today if any."""
    invoice = await OrderInvoice.create(order=order, number=number,
                                        amount=amount or order.total, issued_on=w.day(issued),
                                        due_on=w.day(due))
    await log_action(action="procurement.invoice.added", actor=by, obj=invoice, summary=number)
    if paid is not None:
        payment = await OrderPayment.create(
            order=order, invoice=invoice, amount=invoice.amount, method=PayMethod.TRANSFER,
            paid_on=w.day(paid), reference=f"SP2D {w.day(paid).year}/{order.id:05d}",
            recorded_by=by)
        await log_action(action="procurement.payment.recorded", actor=by, obj=payment,
                         summary=number)


async def _delivered(order: PurchaseOrder, day: dt.date, *, by: User) -> None:
    await PurchaseOrder.filter(id=order.id).update(status=OrderStatus.DELIVERED,
                                                   delivered_on=day)
    await log_action(action="procurement.order.delivered", actor=by, obj=order,
                     summary=order.number or "")


# --- the requests, oldest first (so the numbers follow the dates) ---------------------------

async def _closed(w: World) -> None:
    """Bapenda: cakes for a council meeting, delivered a day late, paid, completed."""
    (item,) = await _request(w, BAPENDA, "Kue untuk rapat paripurna DPRD", [
        ("Kue bangket toples", "kue kering", "kue kering", 60, "toples", -62)],
        sent=-75, status=RequestStatus.CLOSED, by=w.bapenda_officer, closed_at=w.at(-50))
    quote = await _quote(w, item, "Kue Bangket Samarinda", QuoteStatus.ACCEPTED, qty=60,
                         price=60_000, due=-62, accepted=60)
    order = await _order(w, [quote], OrderStatus.ISSUED, by=w.bapenda_officer, issued=-72)
    await _receive(w, order, -61, [(60, 0)], by=w.bapenda_officer)
    await _delivered(order, w.day(-61), by=w.bapenda_officer)
    await _bill(w, order, "KB/INV/0142", issued=-61, due=-31, paid=-50, by=w.bapenda_officer)


async def _hotel(w: World) -> None:
    """The hotel's welcome amenities: amplang delivered with an overdue invoice, banana chips
    late, durian lempok cancelled."""
    amplang, chips, lempok = await _request(w, HOTEL, "Oleh-oleh untuk kamar tamu", [
        ("Amplang udang 200 g", "amplang", "amplang", 200, "bungkus", -35),
        ("Keripik pisang manis 200 g", "keripik", "keripik", 200, "bungkus", -6),
        ("Lempok durian 250 g", "lempok", "lempok", 100, "bungkus", -6)],
        sent=-50, status=RequestStatus.ORDERED, by=w.hotel_buyer)
    by = w.hotel_buyer
    q = await _quote(w, amplang, "Amplang Mahakam Jaya", QuoteStatus.ACCEPTED, qty=200,
                     price=28_000, due=-35, accepted=200)
    order = await _order(w, [q], OrderStatus.ISSUED, by=by, issued=-45)
    await _receive(w, order, -36, [(200, 0)], by=by)
    await _delivered(order, w.day(-36), by=by)
    await _bill(w, order, "AMJ-2027-018", issued=-35, due=-5, by=by)  # overdue, unpaid
    q = await _quote(w, chips, "Keripik Pisang Kutim", QuoteStatus.ACCEPTED, qty=200,
                     price=14_000, due=-6, accepted=200)
    late = await _order(w, [q], OrderStatus.ISSUED, by=by, issued=-45)
    await _schedule(late, w.day(-6), [200])  # never came: late
    q = await _quote(w, lempok, "Lempok Durian Berau", QuoteStatus.NOT_CHOSEN, qty=100,
                     price=40_000, due=-6, accepted=100)
    await _order(w, [q], OrderStatus.CANCELLED, by=by, issued=-45,
                 reason="Durian belum musim; dibatalkan atas kesepakatan dengan produsen.")


async def _seminar_kit(w: World) -> list[RequestItem]:
    return await _request(w, DINKOP, "Seminar kit Rapat Koordinasi UMKM se-Kaltim (300 peserta)", [
        ("Tas jinjing batik (tote bag)", "tas batik", "batik", 300, "buah", -3),
        ("Snack box kue khas Kaltim", "snack box", "kue talam", 300, "kotak", 2),
        ("Minuman lokal botol 250 ml", "minuman", "gula aren", 300, "botol", 2)],
        sent=-38, status=RequestStatus.ORDERED, by=w.officer, budget=35_000_000,
        note="Untuk 300 peserta; logo dinas disablon pada tas.")


async def _seminar(w: World) -> None:
    """Dinkop's seminar kit: tote bags delivered and paid (approved: above the threshold),
    snack boxes partly delivered and issued, drinks issued after a cancelled first order."""
    bags, snacks, drinks = await _seminar_kit(w)
    by = w.officer
    q = await _quote(w, bags, "Batik Shaho Samarinda", QuoteStatus.ACCEPTED, qty=300,
                     price=48_000, due=-3, accepted=300)
    await _quote(w, bags, "Batik Tenggarong Indah", QuoteStatus.NOT_CHOSEN, qty=300,
                 price=55_000, due=-3)
    order = await _order(w, [q], OrderStatus.ISSUED, by=by, issued=-33, approved=True)
    await _receive(w, order, -9, [(150, 0)], by=by)
    await _receive(w, order, -4, [(150, 0)], by=by)
    await _delivered(order, w.day(-4), by=by)
    await _bill(w, order, "BSS/INV/27/031", issued=-4, due=26, paid=-1, by=by)
    q = await _quote(w, snacks, "Kue Talam Bu Sri", QuoteStatus.ACCEPTED, qty=150,
                     price=25_000, due=2, accepted=150)
    partly = await _order(w, [q], OrderStatus.PARTLY_DELIVERED, by=by, issued=-33)
    await _receive(w, partly, -1, [(100, 5)], by=by)
    await _schedule(partly, w.day(2), [55])
    q = await _quote(w, snacks, "Talam Banjar Nenek", QuoteStatus.ACCEPTED, qty=150,
                     price=27_000, due=2, accepted=150)
    await _schedule(await _order(w, [q], OrderStatus.ISSUED, by=by, issued=-33), w.day(2), [150])
    q = await _quote(w, drinks, "Kopi Luwak Kubar", QuoteStatus.NOT_CHOSEN, qty=300,
                     price=16_000, due=2, accepted=300)
    await _order(w, [q], OrderStatus.CANCELLED, by=by, issued=-33,
                 reason="Produsen tidak sanggup menyediakan 300 botol sebelum seminar.")
    q = await _quote(w, drinks, "Gula Aren Mahulu", QuoteStatus.ACCEPTED, qty=300,
                     price=15_000, due=2, accepted=300)
    await _order(w, [q], OrderStatus.ISSUED, by=by, issued=-20)


async def _cancelled(w: World) -> None:
    """Dinkop: doyo cloth for souvenirs, cancelled before any quote came (budget moved)."""
    (item,) = await _request(w, DINKOP, "Kain ulap doyo untuk cendera mata tamu", [
        ("Kain ulap doyo 1 x 2 m", "ulap doyo", "ulap doyo", 20, "lembar", 10)],
        sent=-20, status=RequestStatus.CANCELLED, by=w.officer, closed_at=w.at(-15),
        note="Dibatalkan: anggaran dialihkan ke seminar kit.")
    await _quote(w, item, "Ulap Doyo Jempang", QuoteStatus.WITHDRAWN, qty=6)
    await _quote(w, item, "Ulap Doyo Tanjung Isuy", QuoteStatus.WITHDRAWN, qty=14)


NASTAR_SPLIT = [  # producer, quantity, price, status of its order
    ("Nastar Nanas Sangatta", 600, 90_000, OrderStatus.AWAITING_APPROVAL),
    ("Nastar Nanas Bu Ani", 600, 88_000, OrderStatus.AWAITING_APPROVAL),
    ("Nastar Lumer Kak Mira", 400, 92_000, OrderStatus.AWAITING_APPROVAL),
    ("Nastar Keju Mbak Dewi", 400, 85_000, OrderStatus.NOT_APPROVED),
]


async def _nastar(w: World) -> None:
    """Dinkop: 2,000 jars of nastar split over the nastar cluster; three orders wait for the
    head's approval, one was refused."""
    (item,) = await _request(w, DINKOP, "Nastar untuk bingkisan Hari Jadi Provinsi Kaltim", [
        ("Nastar nanas toples 500 g", "nastar", "nastar", 2000, "toples", 25)],
        sent=-6, status=RequestStatus.ORDERED, by=w.officer, budget=190_000_000)
    for name, qty, price, status in NASTAR_SPLIT:
        refused = status == OrderStatus.NOT_APPROVED
        q = await _quote(w, item, name, QuoteStatus.NOT_CHOSEN if refused
                         else QuoteStatus.ACCEPTED, qty=qty, price=price, due=22, accepted=qty)
        await _order(w, [q], status, by=w.officer, approved=False, reason=(
            "Yang diminta nastar nanas, bukan nastar keju: minta penawaran lain."
            if refused else ""))
    await _quote(w, item, "Nastar Mama Rara", QuoteStatus.NOT_CHOSEN, qty=300, price=98_000,
                 due=24)
    await _quote(w, item, "Nastar Wisman Samarinda", QuoteStatus.DECLINED,
                 note="Kapasitas penuh sampai akhir bulan.")
    await PurchaseOrder.filter(request_id=item.request_id).update(approval_required=True)


async def _open(w: World) -> None:
    """Bapenda: amplang for guests, waiting for quotes in every state; and a draft."""
    amplang, kerupuk = await _request(w, BAPENDA, "Amplang dan kerupuk untuk bingkisan tamu", [
        ("Amplang 250 g", "amplang", "amplang", 600, "bungkus", 10),
        ("Kerupuk ikan haruan 250 g", "kerupuk", "kerupuk", 200, "bungkus", 10)],
        sent=-3, status=RequestStatus.OPEN, by=w.bapenda_officer)
    await _quote(w, amplang, "Amplang Hj. Aminah", QuoteStatus.INVITED, qty=250)
    await _quote(w, amplang, "Amplang Bontang Kuala", QuoteStatus.QUOTED, qty=250,
                 price=27_000, due=9, spare=380)
    await _quote(w, amplang, "Amplang Mahakam Jaya", QuoteStatus.QUOTED, qty=600,
                 price=29_000, due=10, spare=420, note="Bisa 600 bila dikirim dua tahap.")
    await _quote(w, amplang, "Amplang Sambaliung", QuoteStatus.DECLINED,
                 note="Sedang penuh pesanan hotel.")
    await _quote(w, kerupuk, "Kerupuk Ikan Haruan", QuoteStatus.PROPOSED, qty=200)
    await _request(w, BAPENDA, "Suvenir untuk tamu studi banding", [
        ("Gelang manik Dayak", "manik-manik", "manik-manik", 40, "buah", 30),
        ("Bros sisik ikan", "sisik ikan", "sisik ikan", 40, "buah", 30)],
        sent=None, status=RequestStatus.DRAFT, by=w.bapenda_officer)


async def _from_fair(w: World) -> None:
    """The hotel follows up an inquiry its buyer made at a stand at the fair."""
    inquiry = await Inquiry.filter(event=w.ctx.event, lead__visitor__name="Yusuf Maulana"
                                   ).select_related("application__producer").first()
    if inquiry is None:
        return
    producer = inquiry.application.producer.business_name
    (item,) = await _request(w, HOTEL, f"{inquiry.product_name} untuk hampers tamu", [
        (inquiry.product_name, "nastar", "nastar", inquiry.quantity, inquiry.unit or "kotak",
         20)], sent=-2, status=RequestStatus.OPEN, by=w.hotel_buyer, source_event=w.ctx.event,
        source_inquiry=inquiry, note="Lanjutan permintaan di stan pameran HKN 2027.")
    if producer in w.producers:
        await _quote(w, item, producer, QuoteStatus.QUOTED, qty=inquiry.quantity,
                     price=95_000, due=18, spare=inquiry.quantity * 3)


REQUESTS = [_closed, _hotel, _seminar, _cancelled, _nastar, _open, _from_fair]


def today() -> dt.date:
    """The demo's today: today in East Kalimantan (WITA), as the procurement pages count."""
    return dt.datetime.now(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


async def load(ctx: DemoContext) -> None:
    async with atomic():
        # organisations outlive the demo users (``demo --reset``): drop the last demo's
        await Organisation.filter(email__endswith="@expo.test").delete()
        w = await _world(ctx, today())
        await _catalogue(w)
        for build in REQUESTS:
            await build(w)
