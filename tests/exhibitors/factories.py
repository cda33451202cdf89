"""Factories for exhibitor tests."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from PIL import Image

from expo.accounts.models import EventRole, Role, User
from expo.events.models import Event
from expo.exhibitors.models import (
    Application,
    AppStatus,
    Category,
    Criterion,
    CriterionSource,
    Producer,
    ProducerMember,
    Product,
)
from tests.factories import make_user

_seq = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(size: tuple[int, int] = (800, 600), color: str = "orange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (1600, 1200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "brown").save(buffer, "JPEG")
    return buffer.getvalue()


async def make_producer(*, user: User | None = None, category: Category = Category.KULINER,
                        kabupaten: str = "Kota Samarinda", cluster: str = "amplang",
                        product: bool = True, **values: object) -> Producer:
    n = next(_seq)
    user = user or await make_user()
    fields = {"business_name": f"Usaha {n}", "owner_name": f"Ibu {n}",
              "phone": f"+62812{n:08d}", "email": user.email, "kabupaten": kabupaten,
              "category": category, "cluster": cluster, "address": "Jl. Pahlawan",
              "description": "Amplang ikan pipih", **values}
    producer = await Producer.create(**fields)
    await ProducerMember.create(producer=producer, user=user)
    if product:
        await Product.create(producer=producer, name="Amplang 250 g", price_min=25000,
                             price_max=30000, capacity_per_week=500, capacity_unit="bungkus",
                             lead_time_days=3)
    return producer


async def make_application(*, event: Event, producer: Producer | None = None,
                           status: AppStatus = AppStatus.SUBMITTED,
                           **values: object) -> Application:
    producer = producer or await make_producer()
    now = dt.datetime.now(dt.UTC)
    application = await Application.create(
        event=event, producer=producer, status=status, terms_accepted_at=now,
        submitted_at=now if status != AppStatus.DRAFT else None, **values)
    for member in await ProducerMember.filter(producer=producer):
        await EventRole.get_or_create(event=event, user_id=member.user_id, role=Role.EXHIBITOR)
    return application


async def make_rubric(event: Event) -> list[Criterion]:
    return [
        await Criterion.create(event=event, name="Originality", weight=3, position=0),
        await Criterion.create(event=event, name="Packaging", weight=1, position=1),
        await Criterion.create(event=event, name="SMK", weight=1, position=2,
                               source=CriterionSource.SMK),
    ]
