"""Helpers for the leads tests: an event with exhibitors on booths, products and visitors."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from expo.accounts.models import Role, User
from expo.booths.models import Booth, Hall
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Product
from expo.leads.forms import InquiryData
from tests.exhibitors.factories import make_application, make_producer
from tests.factories import make_event, make_user
from tests.visitors.helpers import code_of, make_visitor

_seq = itertools.count(1)
__all__ = ["Exhibitor", "make_stand", "make_visitor", "code_of", "inquiry", "setup"]


@dataclass
class Exhibitor:
    user: User
    application: Application
    product: Product
    booth: Booth


async def make_stand(event: Event, *, cluster: str = "nastar", capacity: int = 500,
                     lead_time: int = 3, unit: str = "kotak", product: str = "Nastar nanas",
                     email: str | None = None) -> Exhibitor:
    n = next(_seq)
    user = await make_user(email=email)
    producer = await make_producer(user=user, cluster=cluster, product=False,
                                   business_name=f"Kue {n}")
    item = await Product.create(producer=producer, name=product, price_min=60000,
                                price_max=75000, capacity_per_week=capacity,
                                capacity_unit=unit, lead_time_days=lead_time)
    app = await make_application(event=event, producer=producer, status=AppStatus.ACCEPTED)
    hall = await Hall.get_or_none(event=event) or await Hall.create(event=event, name="Hall A")
    booth = await Booth.create(event=event, hall=hall, code=f"K-{n:02d}", x=3.0 * n, y=0,
                               holder=app)
    return Exhibitor(user=user, application=app, product=item, booth=booth)


def inquiry(product: Product | None = None, quantity: int = 100, **kw: object) -> InquiryData:
    return InquiryData(product_id=product.id if product else None,
                       product_name=str(kw.pop("name", product.name if product else "Nastar")),
                       quantity=quantity, consent=bool(kw.pop("consent", True)), **kw)  # type: ignore[arg-type]


async def setup() -> tuple[Event, Exhibitor, Exhibitor, User]:
    event = await make_event()
    a = await make_stand(event)
    b = await make_stand(event)
    committee = await make_user(event=event, role=Role.COMMITTEE)
    await User.filter(id__in=[a.user.id, b.user.id, committee.id]).update(locale="en")
    return event, a, b, committee
