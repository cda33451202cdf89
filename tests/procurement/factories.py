"""Factories for procurement tests: listed producers with products, buyer organisations with
their staff, the trade office, and requests in each state."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from expo.accounts.models import User
from expo.exhibitors.models import Category, Producer, ProducerMember, Product
from expo.procurement.models import (
    BuyerKind,
    BuyerMember,
    Listing,
    MemberRole,
    OfficeStaff,
    Organisation,
    PurchaseRequest,
    Quote,
    QuoteStatus,
    RequestItem,
    RequestStatus,
)
from tests.factories import make_user

_seq = itertools.count(1)
TODAY = dt.date(2027, 3, 1)


@dataclass
class Seller:
    producer: Producer
    product: Product
    user: User


async def listed_producer(*, name: str | None = None, product: str = "Nastar nanas",
                          kind: str = "nastar", unit: str = "toples", per_week: int = 100,
                          per_month: int = 0, lead_time_days: int = 7, min_order: int = 1,
                          price: int = 65_000, cluster: str = "Kue kering",
                          category: Category = Category.OLEH_OLEH,
                          kabupaten: str = "Kota Samarinda", smk_workers: int = 0,
                          listed: bool = True, halal_verified: bool = False) -> Seller:
    """A producer in the catalogue with one product and a login (``ProducerMember``)."""
    n = next(_seq)
    producer = await Producer.create(
        business_name=name or f"Produsen {n}", owner_name=f"Pemilik {n}",
        phone=f"+6281200{n:05d}", email=f"produsen{n}@example.id", kabupaten=kabupaten,
        category=category, cluster=cluster, smk_workers=smk_workers, nib=f"{n:013d}",
        pirt_number=f"P-IRT {n}", halal_number=f"ID{n:08d}",
        halal_expires_on=dt.date(2030, 1, 1))
    item = await Product.create(
        producer=producer, name=product, kind=kind, capacity_unit=unit,
        capacity_per_week=per_week, capacity_per_month=per_month,
        lead_time_days=lead_time_days, min_order=min_order, price_min=price,
        price_max=price)
    user = await make_user(email=f"seller{n}@example.id", name=f"Penjual {n}")
    await ProducerMember.create(producer=producer, user=user)
    await Listing.create(producer=producer, listed=listed,
                         halal_verified_at=dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
                         if halal_verified else None)
    return Seller(producer=producer, product=item, user=user)


@dataclass
class Buyer:
    organisation: Organisation
    officer: User
    head: User


async def buyer_org(*, name: str | None = None, kind: BuyerKind = BuyerKind.AGENCY,
                    requires_approval: bool = True, approval_threshold: int = 0,
                    kabupaten: str = "Kota Samarinda") -> Buyer:
    """An organisation with an officer and a head (``MemberRole.HEAD``)."""
    n = next(_seq)
    org = await Organisation.create(
        name=name or f"Dinas {n}", kind=kind, kabupaten=kabupaten,
        address=f"Jl. Gajah Mada No. {n}, Samarinda", requires_approval=requires_approval,
        approval_threshold=approval_threshold)
    officer = await make_user(email=f"officer{n}@example.id", name=f"Pejabat Pengadaan {n}")
    head = await make_user(email=f"head{n}@example.id", name=f"Kepala Dinas {n}")
    await BuyerMember.create(organisation=org, user=officer, role=MemberRole.OFFICER)
    await BuyerMember.create(organisation=org, user=head, role=MemberRole.HEAD)
    return Buyer(organisation=org, officer=officer, head=head)


async def office_user() -> User:
    n = next(_seq)
    user = await make_user(email=f"office{n}@example.id", name=f"Disperindag {n}")
    await OfficeStaff.create(user=user)
    return user


async def open_request(buyer: Buyer, *, items: list[tuple[str, str, int, str]] | None = None,
                       needed_by: dt.date = dt.date(2027, 4, 15),
                       status: RequestStatus = RequestStatus.OPEN) -> PurchaseRequest:
    """A request with ``items`` as (name, kind, quantity, unit); sent (OPEN) by default."""
    n = next(_seq)
    req = await PurchaseRequest.create(
        organisation=buyer.organisation, title=f"Seminar kit {n}",
        delivery_address="Kantor Gubernur, Jl. Gajah Mada, Samarinda",
        kabupaten="Kota Samarinda", status=status, created_by=buyer.officer,
        number=f"RFQ/2027/{n:04d}" if status != RequestStatus.DRAFT else None)
    for position, (name, kind, quantity, unit) in enumerate(
            items or [("Nastar nanas", "nastar", 300, "toples")]):
        await RequestItem.create(request=req, position=position, name=name, kind=kind,
                                 quantity=quantity, unit=unit, needed_by=needed_by)
    return req


async def quoted(item: RequestItem, seller: Seller, *, quantity: int, unit_price: int = 60_000,
                 delivery_on: dt.date = dt.date(2027, 4, 10),
                 status: QuoteStatus = QuoteStatus.QUOTED) -> Quote:
    """A producer's answer to an item (QUOTED unless told)."""
    return await Quote.create(item=item, producer=seller.producer, product=seller.product,
                              status=status, proposed_quantity=quantity, quantity=quantity,
                              unit_price=unit_price, delivery_on=delivery_on)
