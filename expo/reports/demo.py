"""Demo sales reports: most accepted producers reported the opening day, a few did not yet
(so the committee can send a reminder), and ``penjual@expo.test`` reports for one of them."""

from __future__ import annotations

import random
from typing import Any

from expo.accounts.models import EventRole, Role
from expo.accounts.service import create_user
from expo.events.demo import DEMO_PASSWORD
from expo.exhibitors.models import Application, AppStatus, ProducerMember, Product
from expo.reports.draws import DrawRequest, perform
from expo.reports.models import SalesLine, SalesReport
from expo.visitors.models import VisitorType

SELLER_EMAIL = "penjual@expo.test"


async def load(ctx: Any) -> None:
    event = ctx.event
    rng = random.Random(20)
    accepted = await Application.filter(event=event, status=AppStatus.ACCEPTED).order_by(
        "id").prefetch_related("producer")
    if not accepted:
        return
    seller = await create_user(email=SELLER_EMAIL, name="Nur Penjaga Stan",
                               password_hash=ctx.password_hash)
    await ProducerMember.create(producer=accepted[0].producer, user=seller)
    await EventRole.create(event=event, user=seller, role=Role.EXHIBITOR)
    ctx.users["seller"] = seller
    ctx.logins.append(("exhibitor", SELLER_EMAIL, DEMO_PASSWORD))
    day = event.starts_on
    for index, app in enumerate(accepted):
        if index == 0 or rng.random() < 0.2:  # the demo seller reports in the journey
            continue
        products = await Product.filter(producer=app.producer).order_by("id")
        lines = []
        for product in products:
            units = rng.randrange(5, 120)
            price = product.price_min or 25_000
            lines.append((product, units, units * price))
        omzet = sum(o for _p, _u, o in lines) or rng.randrange(300, 5000) * 1000
        units = sum(u for _p, u, _o in lines) or rng.randrange(5, 100)
        report = await SalesReport.create(event=event, producer=app.producer, day=day,
                                          omzet=omzet, units=units, per_product=bool(lines),
                                          reported_by=ctx.users["admin"])
        for product, u, o in lines:
            await SalesLine.create(report=report, product=product, omzet=o, units=u)
    await _opening_draw(ctx)


async def _opening_draw(ctx: Any) -> None:
    """The opening day's doorprize on stage, with a seed announced in advance, so the public
    results page and the committee's winners sheet have something to show."""
    await perform(event=ctx.event, by=ctx.users["committee"], request=DrawRequest(
        prize="Paket hampers UMKM Kaltim", count=5, day=ctx.event.starts_on,
        types=[VisitorType.UMUM, VisitorType.PELAJAR], seed="hkn2027-pembukaan"))
