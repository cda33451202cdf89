"""Demo leads: four nastar producers on stands (one with two staff logins), visitors who saved
stands, shared their contact, were scanned and sent inquiries, OPD procurement, and one
grouped offer: 2,000 boxes of nastar for a provincial event, split across four producers.

The services stamp what they create with the current time; ``_date_activity`` then moves
every lead, saved stand, contact request and inquiry into the event's opening hours so far
(yesterday's, and today's up to the load; in the event's time zone, WITA): a checked-in
visitor's contacts follow their entry at the gate, the others fall on an event day. The dates
are seeded, so every load gives the same ones.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from expo.accounts.models import EventRole, Role
from expo.accounts.service import create_user
from expo.booths.models import Booth, BoothStatus, Hall
from expo.booths.service import claim_booth
from expo.events.demo import DEMO_PASSWORD
from expo.events.models import EventDay
from expo.exhibitors.models import (
    Application,
    AppStatus,
    BoothType,
    Category,
    Producer,
    ProducerMember,
    Product,
)
from expo.visitors.forms import VisitorData
from expo.visitors.models import Visitor, VisitorType
from expo.visitors.service import register_visitor

from . import matching, service
from .forms import InquiryData, OfferData
from .models import (
    ContactRequest,
    Inquiry,
    Lead,
    LeadStatus,
    OfferStatus,
    Rating,
    SavedStand,
    ShareStatus,
)

# business, owner, kabupaten, product, weekly capacity (kotak), lead time (days)
NASTAR = [
    ("Nastar Nanas Bu Ani", "Ani Suryani", "Kabupaten Kutai Kartanegara",
     "Nastar nanas kotak 500 g", 300, 3),
    ("Nastar Lumer Kak Mira", "Mira Lestari", "Kota Bontang", "Nastar lumer kotak 400 g", 250, 2),
    ("Nastar Mama Rara", "Rara Wulandari", "Kota Balikpapan", "Nastar premium kotak 500 g", 200, 4),
    ("Nastar Wisman Samarinda", "Hj. Wisma", "Kota Samarinda", "Nastar wisman kotak 450 g", 150, 3),
]
BUYERS = [
    ("Drs. Rahmat Hidayat", VisitorType.INSTANSI, "Dinas Pariwisata Provinsi Kaltim"),
    ("Sri Mulyani, S.E.", VisitorType.INSTANSI, "Biro Umum Setda Provinsi Kaltim"),
    ("Andi Pratama", VisitorType.INSTANSI, "Bappeda Kota Samarinda"),
    ("Yusuf Maulana", VisitorType.BUYER, "Hotel Mesra Samarinda"),
    ("Citra Dewi", VisitorType.BUYER, "Toko Oleh-oleh Borneo Balikpapan"),
]
DATES_SEED = 2042
Window = tuple[dt.datetime, dt.datetime]  # one event day's opening and closing moment (UTC)


async def stands(ctx: Any) -> None:
    """The nastar producers and their accepted applications: loaded before the booths so the
    allocation places them in the food hall with the other food makers."""
    await _nastar_stands(ctx)


async def _nastar_stands(ctx: Any) -> list[Application]:
    event, apps, now = ctx.event, [], ctx.now
    for index, (name, owner, kab, product, capacity, lead_time) in enumerate(NASTAR):
        email = f"nastar{index + 1}@expo.test"
        producer = await Producer.create(
            business_name=name, owner_name=owner, phone=f"+62812540{index:02d}{index:03d}1",
            email=email, kabupaten=kab, category=Category.KULINER, cluster="nastar",
            description="Nastar isi selai nanas buatan sendiri, tanpa pengawet.",
            nib=f"91200{index:08d}", pirt_number=f"P-IRT 2066472{index:02d}", is_micro=True)
        await Product.create(producer=producer, name=product, price_min=85000,
                             price_max=110000, capacity_per_week=capacity, capacity_unit="kotak",
                             lead_time_days=lead_time)
        staff = [email] + (["staf.nastar@expo.test"] if index == 0 else [])
        for address in staff:
            user = await create_user(email=address, name=owner if address == email
                                     else "Rizky (staf stan)", password_hash=ctx.password_hash)
            await ProducerMember.create(producer=producer, user=user)
            await EventRole.create(event=event, user=user, role=Role.EXHIBITOR)
            ctx.logins.append(("exhibitor", address, DEMO_PASSWORD))
        apps.append(await Application.create(
            event=event, producer=producer, status=AppStatus.ACCEPTED,
            booth_type=BoothType.FOOD, terms_accepted_at=now - dt.timedelta(days=40 - index),
            submitted_at=now - dt.timedelta(days=40 - index),
            decided_at=now - dt.timedelta(days=20)))
    return apps


async def _place_on_booths(event: Any) -> None:
    """Every accepted exhibitor without a booth gets one (a free booth, else a new one)."""
    held = set(await Booth.filter(event=event, holder_id__not_isnull=True).values_list(
        "holder_id", flat=True))
    waiting = [a for a in await Application.filter(event=event, status=AppStatus.ACCEPTED)
               .order_by("id") if a.id not in held]
    free = await Booth.filter(event=event, holder_id=None,
                              status=BoothStatus.AVAILABLE).order_by("code")
    hall = None
    for n, app in enumerate(waiting):
        if free:
            await claim_booth(booth_id=free.pop(0).id, application_id=app.id)
            continue
        hall = hall or await Hall.create(event=event, name="Hall Klaster UMKM", width=60, depth=20)
        await Booth.create(event=event, hall=hall, code=f"K-{n + 1:02d}", x=3.0 * (n % 20),
                           y=6.0 * (n // 20), zone="Kuliner & Kriya", holder=app,
                           status=BoothStatus.ASSIGNED)


async def _buyers(event: Any) -> list[Visitor]:
    out = []
    for index, (name, kind, agency) in enumerate(BUYERS):
        out.append(await register_visitor(event=event, data=VisitorData(
            name=name, phone=f"+6281350{index:02d}7788", type=kind, agency=agency,
            organisation=agency if kind == VisitorType.BUYER else "",
            kabupaten="Kota Samarinda", consent_share=True)))
    return out


async def _casual_leads(rng: random.Random, event: Any, apps: list[Application]) -> None:
    visitors = await Visitor.filter(event=event, group_id=None).order_by("id").limit(120)
    for visitor in visitors:
        for app in rng.sample(apps, k=min(len(apps), rng.randrange(0, 4))):
            roll = rng.random()
            if roll < 0.4:
                await service.save_stand(visitor=visitor, application=app)
            elif roll < 0.7:
                await service.set_consent(visitor=visitor, application=app, consent=True,
                                          wants_contact=True)
            else:
                lead = await service.touch_lead(application=app, visitor=visitor,
                                                source=service.LeadSource.SCAN)
                await Lead.filter(id=lead.id).update(scans=rng.randrange(1, 3))
    for lead in await Lead.filter(event=event):
        if rng.random() < 0.5:
            lead.rating = rng.choice(list(Rating))
            lead.status = rng.choice(list(LeadStatus))
            lead.value = rng.choice([0, 250_000, 1_200_000, 3_500_000])
            lead.tags = rng.choice(["", "reseller", "hotel", "oleh-oleh", "katering"])
            await lead.save()


def opening_windows(days: Sequence[EventDay], timezone: str) -> list[Window]:
    """Each event day's opening and closing moment, from its local hours, in UTC."""
    tz = ZoneInfo(timezone)
    return [(dt.datetime.combine(d.date, d.opens, tzinfo=tz).astimezone(dt.UTC),
             dt.datetime.combine(d.date, d.closes, tzinfo=tz).astimezone(dt.UTC))
            for d in days]


def contact_moment(rng: random.Random, windows: Sequence[Window],
                   entered: dt.datetime | None = None) -> dt.datetime:
    """When a visitor reached a stand: within three hours after ``entered`` (their check-in)
    when that was during opening hours, else at any time of an event day; before closing."""
    window = next((w for w in windows if entered is not None and w[0] <= entered < w[1]), None)
    if window is None or entered is None:
        opens, closes = rng.choice(list(windows))
        span = max((closes - opens).total_seconds() - 60, 0)
        return (opens + dt.timedelta(seconds=rng.uniform(0, span))).replace(microsecond=0)
    room = (window[1] - entered).total_seconds() - 60
    seconds = rng.uniform(min(180.0, room / 2), min(3 * 3600.0, room)) if room > 0 else 0
    return (entered + dt.timedelta(seconds=seconds)).replace(microsecond=0)


def later_moment(rng: random.Random, windows: Sequence[Window],
                 first: dt.datetime) -> dt.datetime:
    """A moment after ``first`` on the same day, before closing (the lead's last contact)."""
    close = next((w[1] for w in windows if w[0] <= first < w[1]), first)
    room = min((close - first).total_seconds() - 30, 90 * 60.0)
    return (first + dt.timedelta(seconds=rng.uniform(0, room) if room > 0 else 0)).replace(
        microsecond=0)


def until(windows: Sequence[Window], now: dt.datetime) -> list[Window]:
    """The opening hours up to ``now``: the past days, and today's so far."""
    return [(opens, min(closes, now)) for opens, closes in windows if opens < now]


async def _date_activity(event: Any, now: dt.datetime) -> None:
    """Move the demo's leads and what made them into the event's opening hours up to ``now``
    (seeded): yesterday's and today's so far."""
    rng = random.Random(DATES_SEED)
    windows = until(opening_windows(await EventDay.filter(event=event).order_by("date"),
                                    event.timezone), now)
    entries = dict(await Visitor.filter(event=event, last_in_at__not_isnull=True).values_list(
        "id", "last_in_at"))
    firsts: dict[tuple[int, int], dt.datetime] = {}
    for lead in await Lead.filter(event=event).order_by("id"):
        first = contact_moment(rng, windows, entries.get(lead.visitor_id))  # type: ignore[attr-defined]
        last = later_moment(rng, windows, first) if lead.scans > 1 or lead.rating else first
        await Lead.filter(id=lead.id).update(first_at=first, last_at=last)
        firsts[(lead.visitor_id, lead.application_id)] = first  # type: ignore[attr-defined]
    for saved in await SavedStand.filter(application__event=event).order_by("id"):
        at = firsts.get((saved.visitor_id, saved.application_id))  # type: ignore[attr-defined]
        await SavedStand.filter(id=saved.id).update(
            created_at=at or contact_moment(rng, windows))
    for request in await ContactRequest.filter(application__event=event).order_by("id"):
        at = firsts.get((request.visitor_id, request.application_id))  # type: ignore[attr-defined]
        at = at or contact_moment(rng, windows)
        await ContactRequest.filter(id=request.id).update(
            created_at=at, updated_at=at, consent_at=at if request.consent_at else None)
    for inquiry in await Inquiry.filter(event=event).select_related("lead"):
        await Inquiry.filter(id=inquiry.id).update(created_at=inquiry.lead.first_at)


async def load(ctx: Any) -> None:
    event = ctx.event
    rng = random.Random(6)
    nastar = await Application.filter(event=event, producer__cluster="nastar",
                                      producer__email__startswith="nastar").order_by("id")
    await _place_on_booths(event)
    accepted = await Application.filter(event=event, status=AppStatus.ACCEPTED).order_by("id")
    await _casual_leads(rng, event, accepted)
    buyers = await _buyers(event)
    today = ctx.today
    products = {p.producer_id: p for p in await Product.filter(  # type: ignore[attr-defined]
        producer_id__in=[a.producer_id for a in nastar])}  # type: ignore[attr-defined]
    big = await service.create_inquiry(visitor=buyers[0], application=nastar[0], data=InquiryData(
        product_id=products[nastar[0].producer_id].id,  # type: ignore[attr-defined]
        product_name="Nastar nanas kotak 500 g", quantity=2000, unit="kotak",
        needed_by=today + dt.timedelta(days=24), budget=190_000_000, consent=True,
        note="Untuk bingkisan peserta Rakor Pariwisata se-Kalimantan Timur."))
    for visitor, app, qty, budget in [(buyers[1], nastar[1], 300, 30_000_000),
                                      (buyers[2], accepted[0], 150, 6_000_000),
                                      (buyers[3], nastar[2], 120, 12_000_000),
                                      (buyers[4], accepted[1], 80, 4_000_000)]:
        product = await Product.filter(producer_id=app.producer_id).first()  # type: ignore[attr-defined]
        await service.create_inquiry(visitor=visitor, application=app, data=InquiryData(
            product_id=product.id if product else None,
            product_name=product.name if product else "Produk", quantity=qty,
            unit=product.capacity_unit if product else "", budget=budget, consent=True,
            needed_by=today + dt.timedelta(days=rng.choice([14, 30, 45]))))
    offer = await matching.create_offer(event=event, inquiry=big, by=ctx.users["committee"],
                                        data=OfferData(
        title="2.000 kotak nastar · Rakor Pariwisata Provinsi Kaltim", quantity=2000,
        unit="kotak", needed_by=big.needed_by,
        shares={nastar[0].id: 650, nastar[1].id: 550, nastar[2].id: 450, nastar[3].id: 350}))
    await matching.set_offer_status(offer=offer, status=OfferStatus.OFFERED,
                                    by=ctx.users["committee"])
    shares = await matching.shares_of(offer)
    for share, status in zip(shares, [ShareStatus.ACCEPTED, ShareStatus.ACCEPTED,
                                      ShareStatus.PROPOSED, ShareStatus.PROPOSED], strict=True):
        if status != ShareStatus.PROPOSED:
            await matching.set_share_status(event=event, share_id=share.id, status=status,
                                            by=ctx.users["committee"])
    await _date_activity(event, ctx.now)
