"""Capacity-aware matching, grouped offers and the committee's figures.

An inquiry larger than what its producer can make before the needed-by date brings up the
other producers of the same cluster with spare capacity; the committee may then turn it into
a grouped offer whose shares are each tracked to their own status.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from expo.accounts.models import User
from expo.audit.service import log_action
from expo.db import atomic
from expo.errors import DomainError, NotFound, found
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category, Producer, Product
from expo.i18n import gettext as _

from . import capacity
from .forms import OfferData
from .models import (
    ACTIVE_SHARES,
    GroupedOffer,
    Inquiry,
    InquiryStatus,
    Lead,
    OfferShare,
    OfferStatus,
    ShareStatus,
)
from .service import booth_codes


@dataclass
class Candidate:
    application: Application
    producer: Producer
    product: Product | None
    producible: int
    committed: int
    codes: list[str] = field(default_factory=list)

    @property
    def spare(self) -> int:
        return max(self.producible - self.committed, 0)


@dataclass
class CapacityCheck:
    inquiry: Inquiry
    own: Candidate
    others: list[Candidate]

    @property
    def enough(self) -> bool:
        return self.own.spare >= self.inquiry.quantity

    @property
    def split(self) -> capacity.Split:
        return capacity.split(
            quantity=self.inquiry.quantity,
            first=capacity.Supplier(self.own.application.id, self.own.spare),
            others=[capacity.Supplier(c.application.id, c.spare) for c in self.others])


def _unit_ok(product: Product, unit: str) -> bool:
    return not unit or not product.capacity_unit or (
        product.capacity_unit.strip().lower() == unit.strip().lower())


def best_product(products: list[Product], *, name: str, unit: str) -> Product | None:
    """The product that fits the request: same unit, a name word in common, most capacity."""
    words = {w for w in name.lower().split() if len(w) > 2}
    fitting = [p for p in products if _unit_ok(p, unit)]
    if not fitting:
        return None
    return max(fitting, key=lambda p: (bool(words & set(p.name.lower().split())),
                                       p.capacity_per_week, -p.id))


async def committed(product_ids: list[int], *, today: dt.date) -> dict[int, int]:
    """Units already promised in active shares of live offers, per product."""
    rows = await OfferShare.filter(
        product_id__in=product_ids, status__in=list(ACTIVE_SHARES),
        offer__status__in=[OfferStatus.DRAFT, OfferStatus.OFFERED, OfferStatus.CONFIRMED],
    ).select_related("offer")
    out: Counter[int] = Counter()
    for share in rows:
        if share.offer.needed_by is None or share.offer.needed_by >= today:
            out[share.product_id] += share.quantity  # type: ignore[attr-defined]
    return dict(out)


def _candidate(app: Application, product: Product | None, needed_by: dt.date | None,
               today: dt.date, promised: dict[int, int], exclude_offer: int = 0) -> Candidate:
    if product is None:
        return Candidate(application=app, producer=app.producer, product=None, producible=0,
                         committed=0)
    made = capacity.producible(capacity_per_week=product.capacity_per_week,
                               lead_time_days=product.lead_time_days, today=today,
                               needed_by=needed_by,
                               capacity_per_month=product.capacity_per_month)
    return Candidate(application=app, producer=app.producer, product=product, producible=made,
                     committed=promised.get(product.id, 0))


async def capacity_check(*, inquiry: Inquiry, today: dt.date) -> CapacityCheck:
    """The asked producer's capacity, and the cluster's other producers with spare capacity."""
    own_app = await Application.get(id=inquiry.application_id).select_related("producer")  # type: ignore[attr-defined]
    apps = [own_app]
    cluster = own_app.producer.cluster
    if cluster:
        apps += await Application.filter(
            event_id=inquiry.event_id, status=AppStatus.ACCEPTED,  # type: ignore[attr-defined]
            producer__cluster=cluster).exclude(id=own_app.id).select_related("producer")
    products: dict[int, list[Product]] = defaultdict(list)
    for p in await Product.filter(producer_id__in=[a.producer_id for a in apps]):  # type: ignore[attr-defined]
        products[p.producer_id].append(p)  # type: ignore[attr-defined]
    chosen: dict[int, Product | None] = {}
    for app in apps:
        own_pick = (next((p for p in products[app.producer_id] if p.id == inquiry.product_id),  # type: ignore[attr-defined]
                         None) if app is own_app else None)
        chosen[app.id] = own_pick or best_product(products[app.producer_id],  # type: ignore[attr-defined]
                                                  name=inquiry.product_name, unit=inquiry.unit)
    promised = await committed([p.id for p in chosen.values() if p], today=today)
    codes = await booth_codes([a.id for a in apps])
    made = [_candidate(a, chosen[a.id], inquiry.needed_by, today, promised) for a in apps]
    for c in made:
        c.codes = codes.get(c.application.id, [])
    others = sorted((c for c in made[1:] if c.spare > 0), key=lambda c: -c.spare)
    return CapacityCheck(inquiry=inquiry, own=made[0], others=others)


# ---- grouped offers -----------------------------------------------------------------------

async def get_inquiry(*, event: Event, inquiry_id: int) -> Inquiry:
    inquiry = await Inquiry.get_or_none(id=inquiry_id, event=event).select_related(
        "application__producer")
    if inquiry is None:
        raise NotFound(_("There is no such inquiry at this event."))
    return inquiry


async def create_offer(*, event: Event, inquiry: Inquiry | None, data: OfferData,
                       by: User | None) -> GroupedOffer:
    apps = {a.id: a for a in await Application.filter(
        event=event, status=AppStatus.ACCEPTED, id__in=list(data.shares)).select_related(
            "producer")}
    missing = set(data.shares) - set(apps)
    if missing:
        raise DomainError(_("A share goes to a producer who is not exhibiting at this event."),
                          "share_not_exhibitor", status_code=422)
    if sum(data.shares.values()) != data.quantity:
        raise DomainError(_("The shares do not add up to the quantity."), "shares_mismatch",
                          status_code=422)
    products = await Product.filter(producer_id__in=[a.producer_id for a in apps.values()])  # type: ignore[attr-defined]
    by_producer: dict[int, list[Product]] = defaultdict(list)
    for p in products:
        by_producer[p.producer_id].append(p)  # type: ignore[attr-defined]
    name = inquiry.product_name if inquiry else data.title
    async with atomic():
        offer = await GroupedOffer.create(
            event=event, inquiry=inquiry, title=data.title, quantity=data.quantity,
            unit=data.unit, needed_by=data.needed_by, created_by=by,
            agency=inquiry.agency if inquiry else "",
            cluster=next(iter(apps.values())).producer.cluster)
        for app_id, amount in data.shares.items():
            app = apps[app_id]
            own = [p for p in by_producer[app.producer_id]  # type: ignore[attr-defined]
                   if inquiry is not None and p.id == inquiry.product_id]  # type: ignore[attr-defined]
            product = own[0] if own else best_product(
                by_producer[app.producer_id], name=name, unit=data.unit)  # type: ignore[attr-defined]
            await OfferShare.create(offer=offer, application=app, product=product,
                                    quantity=amount)
        if inquiry is not None:
            inquiry.status = InquiryStatus.GROUPED
            await inquiry.save(update_fields=["status"])
        await log_action(action="expo.lead.offer_created", actor=by, event=event, obj=offer,
                         summary=f"{offer.quantity} {offer.unit} / {len(data.shares)}")
    return offer


async def get_offer(*, event: Event, offer_id: int) -> GroupedOffer:
    return found(await GroupedOffer.get_or_none(id=offer_id, event=event),
                 _("There is no such grouped offer at this event."))


async def shares_of(offer: GroupedOffer) -> list[OfferShare]:
    return await OfferShare.filter(offer=offer).select_related("application__producer",
                                                               "product")


async def _refresh_offer(offer: GroupedOffer) -> None:
    shares = await OfferShare.filter(offer=offer)
    if shares and all(s.status in (ShareStatus.ACCEPTED, ShareStatus.DELIVERED) for s in shares):
        if offer.status in (OfferStatus.DRAFT, OfferStatus.OFFERED):
            offer.status = OfferStatus.CONFIRMED
            await offer.save(update_fields=["status"])


async def set_share_status(*, event: Event, share_id: int, status: ShareStatus,
                           by: User | None, application: Application | None = None) -> OfferShare:
    """The committee sets any share's status; an exhibitor (``application``) only their own,
    and only to accepted or declined."""
    async with atomic():
        query = OfferShare.filter(id=share_id, offer__event=event)
        if application is not None:
            query = query.filter(application_id=application.id)
            if status not in (ShareStatus.ACCEPTED, ShareStatus.DECLINED):
                raise DomainError(_("You can accept or decline your share."), "share_status",
                                  status_code=422)
        share = await query.select_related("offer").first()
        if share is None:
            raise NotFound(_("There is no such share."))
        share.status = status
        await share.save(update_fields=["status", "updated_at"])
        await _refresh_offer(share.offer)
        await log_action(action="expo.lead.share_" + status.value, actor=by, event=event, obj=share,
                         summary=f"{share.quantity} {share.offer.unit}")
        return share


async def set_offer_status(*, offer: GroupedOffer, status: OfferStatus, by: User) -> None:
    async with atomic():
        offer.status = status
        await offer.save(update_fields=["status"])
        await log_action(action="expo.lead.offer_" + status.value, actor=by,
                         event=await offer.event, obj=offer)


async def shares_for(*, application: Application) -> list[OfferShare]:
    return await OfferShare.filter(application_id=application.id).select_related(
        "offer", "product").order_by("-id")


async def offers_of(*, event: Event) -> list[GroupedOffer]:
    return await GroupedOffer.filter(event=event).prefetch_related("shares").order_by("-id")


# ---- the committee's figures (no personal data) -------------------------------------------

@dataclass
class Row:
    label: str
    leads: int = 0
    inquiries: int = 0
    quantity: int = 0
    value: int = 0


@dataclass
class Summary:
    per_stand: list[Row]
    per_category: list[Row]
    per_cluster: list[Row]
    per_agency: list[Row]
    total_leads: int
    total_inquiries: int


def _rows(table: dict[str, Row]) -> list[Row]:
    return sorted(table.values(), key=lambda r: (-r.leads, -r.inquiries, r.label))


async def committee_summary(*, event: Event) -> Summary:
    apps = {a.id: a for a in await Application.filter(event=event).select_related("producer")}
    codes = await booth_codes(list(apps))
    stand: dict[str, Row] = {}
    category: dict[str, Row] = {}
    cluster: dict[str, Row] = {}

    def rows_for(app_id: int) -> list[Row]:
        app = apps[app_id]
        label = f"{', '.join(codes.get(app_id, [])) or '—'} · {app.producer.business_name}"
        return [stand.setdefault(label, Row(label)),
                category.setdefault(str(app.producer.category),
                                    Row(Category.label_of(app.producer.category))),
                cluster.setdefault(app.producer.cluster or "—", Row(app.producer.cluster or "—"))]

    for app_id in await Lead.filter(event=event, rehearsal=False).values_list(
            "application_id", flat=True):
        for row in rows_for(int(app_id)):  # type: ignore[call-overload]
            row.leads += 1
    agency: dict[str, Row] = {}
    agency_leads: dict[str, set[int]] = defaultdict(set)
    inquiries = await Inquiry.filter(event=event, lead__rehearsal=False)
    for inq in inquiries:
        for row in rows_for(inq.application_id):  # type: ignore[attr-defined]
            row.inquiries += 1
            row.quantity += inq.quantity
            row.value += inq.budget or 0
        if inq.is_procurement:
            name = inq.agency or _("(agency not named)")
            row = agency.setdefault(name, Row(name))
            agency_leads[name].add(inq.lead_id)  # type: ignore[attr-defined]
            row.leads = len(agency_leads[name])
            row.inquiries += 1
            row.quantity += inq.quantity
            row.value += inq.budget or 0
    return Summary(per_stand=_rows(stand), per_category=_rows(category),
                   per_cluster=_rows(cluster), per_agency=_rows(agency),
                   total_leads=sum(r.leads for r in stand.values()),
                   total_inquiries=len(inquiries))


async def procurement_inquiries(*, event: Event) -> list[Inquiry]:
    return await Inquiry.filter(event=event, lead__rehearsal=False).select_related(
        "application__producer").order_by("-id")
