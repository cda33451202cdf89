"""The demo's foundation: the Hari Konsumen Nasional event in Samarinda and its staff.

Each domain's ``demo.py`` builds on the ``DemoContext`` made here; ``expo.demo`` (the loader,
at the top of the house) runs them in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from expo.accounts.models import Role, User
from expo.accounts.service import create_user
from expo.audit.service import log_action
from expo.events.models import Event, EventDay, EventStatus
from expo.events.team import grant_role
from expo.offload import in_thread
from expo.security import hash_password

DEMO_PASSWORD = "expo-demo-2027"  # noqa: S105 (printed for the demo on purpose)
DEMO_SLUG = "hkn2027"


@dataclass
class DemoContext:
    event: Event
    users: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, password)
    # Every demo account has the published password: hashed once (argon2 costs ~0.2 s).
    password_hash: str = ""


async def foundation() -> DemoContext:
    tz = dt.timezone(dt.timedelta(hours=8))  # WITA
    event = await Event.create(
        slug=DEMO_SLUG,
        name="Hari Konsumen Nasional 2027",
        description=(
            "Pameran produk UMKM Kalimantan Timur dalam rangka Hari Konsumen Nasional. "
            "Kuliner khas seperti amplang, kue talam dan nastar nanas, batik Kaltim, "
            "tenun ulap doyo, serta kerajinan rotan dari sepuluh kabupaten/kota.\n\n"
            "Organisasi perangkat daerah (OPD) dapat bertemu langsung dengan produsen lokal "
            "untuk kebutuhan konsumsi, suvenir dan seminar kit."
        ),
        venue="GOR Segiri",
        address="Jl. Kesuma Bangsa",
        city="Samarinda",
        timezone="Asia/Makassar",
        starts_on=dt.date(2027, 4, 20),
        ends_on=dt.date(2027, 4, 22),
        exhibitor_reg_opens=dt.datetime(2027, 1, 4, 8, 0, tzinfo=tz),
        exhibitor_reg_closes=dt.datetime(2027, 3, 15, 23, 59, tzinfo=tz),
        visitor_reg_opens=dt.datetime(2027, 2, 1, 8, 0, tzinfo=tz),
        visitor_reg_closes=dt.datetime(2027, 4, 22, 17, 0, tzinfo=tz),
        status=EventStatus.PUBLISHED,
    )
    for offset, (opens, closes) in enumerate([("09:00", "21:00"), ("09:00", "21:00"),
                                              ("09:00", "17:00")]):
        await EventDay.create(event=event, date=event.starts_on + dt.timedelta(days=offset),
                              opens_at=opens, closes_at=closes)
    ctx = DemoContext(event=event, password_hash=await in_thread(hash_password, DEMO_PASSWORD))
    people = [
        ("admin", "admin@expo.test", "Admin expo", None),
        ("committee", "panitia@expo.test", "Rina Panitia (Disperindagkop Kaltim)", Role.COMMITTEE),
        ("curator", "kurator@expo.test", "Budi Kurator", Role.CURATOR),
        ("gate", "gerbang@expo.test", "Sari Petugas Gerbang", Role.GATE),
        ("exhibitor", "umkm@expo.test", "Hj. Aminah (Amplang Aminah)", Role.EXHIBITOR),
    ]
    for key, email, name, role in people:
        user = await create_user(email=email, name=name, password_hash=ctx.password_hash,
                                 is_superuser=key == "admin")
        ctx.users[key] = user
        ctx.logins.append((key, email, DEMO_PASSWORD))
        if role is not None:
            await grant_role(event=event, user=user, role=role, by=None)
    await log_action(action="expo.demo.loaded", actor=ctx.users["admin"], event=event,
                     obj=event, summary="Demo data loaded")
    return ctx
