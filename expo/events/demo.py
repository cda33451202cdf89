"""The demo's foundation: the Hari Konsumen Nasional event in Samarinda and its staff.

The fair is dated relative to the moment the demo is loaded (``DemoContext.now``), in the
event's zone (WITA): it runs from yesterday to tomorrow, visitor and exhibitor registration are
open, and today's hours are widened to cover the load time (``day_hours``), so a demo ticket
scans green whenever the demo is tried. ``main.py demo --reset`` dates it again.

Each domain's ``demo.py`` builds on the ``DemoContext`` made here; ``expo.demo`` (the loader,
at the top of the house) runs them in order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from expo.accounts.models import Role, User
from expo.accounts.service import create_user
from expo.audit.service import log_action
from expo.events.models import Event, EventDay, EventStatus
from expo.events.team import grant_role
from expo.offload import in_thread
from expo.security import hash_password

DEMO_PASSWORD = "expo-demo-2027"  # noqa: S105 (printed for the demo on purpose)
DEMO_SLUG = "hkn2027"
DEMO_TIMEZONE = "Asia/Makassar"  # WITA, Samarinda
OPENS, CLOSES, LAST_CLOSES = dt.time(9), dt.time(21), dt.time(17)  # the fair's real hours


@dataclass
class DemoContext:
    event: Event
    users: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, password)
    # Every demo account has the published password: hashed once (argon2 costs ~0.2 s).
    password_hash: str = ""
    # Ids a later step needs, e.g. "booth holder": the application of the exhibitor the
    # demo lists "with a booth" (its booth is left for the booths journey to confirm).
    marks: dict[str, int] = field(default_factory=dict)
    # The moment the demo is loaded (aware, UTC): every date of the demo is relative to it.
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def local_now(self) -> dt.datetime:
        return self.now.astimezone(ZoneInfo(self.event.timezone))

    @property
    def today(self) -> dt.date:
        """Today in the event's zone: the fair's second day."""
        return self.local_now.date()


def day_hours(day: dt.date, now: dt.datetime, *, last: bool = False) -> tuple[str, str]:
    """A fair day's opening hours ("HH:MM"); the day of ``now`` (aware, in the event's zone)
    is widened to cover it: open from min(09:00, now - 1 h) to max(21:00, now + 3 h), within
    the day."""
    closes = LAST_CLOSES if last else CLOSES
    if day != now.date():
        return OPENS.strftime("%H:%M"), closes.strftime("%H:%M")
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=now.tzinfo)
    early = max(midnight, now - dt.timedelta(hours=1)).time()
    late = min(midnight + dt.timedelta(hours=23, minutes=59), now + dt.timedelta(hours=3))
    opens = min(OPENS, early.replace(second=0, microsecond=0))
    closing = max(closes, late.time().replace(second=0, microsecond=0))
    return opens.strftime("%H:%M"), closing.strftime("%H:%M")


async def foundation(now: dt.datetime | None = None) -> DemoContext:
    """The event (yesterday to tomorrow around ``now``, default the current time) and staff."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(DEMO_TIMEZONE))
    today = now.date()

    def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute),
                                   tzinfo=now.tzinfo)

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
        timezone=DEMO_TIMEZONE,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=1),
        exhibitor_reg_opens=at(-75, 8),
        exhibitor_reg_closes=at(1, int(LAST_CLOSES.hour)),
        visitor_reg_opens=at(-45, 8),
        visitor_reg_closes=at(1, int(LAST_CLOSES.hour)),
        status=EventStatus.PUBLISHED,
    )
    for offset in range(3):
        date = event.starts_on + dt.timedelta(days=offset)
        opens, closes = day_hours(date, now, last=offset == 2)
        await EventDay.create(event=event, date=date, opens_at=opens, closes_at=closes)
    ctx = DemoContext(event=event, password_hash=await in_thread(hash_password, DEMO_PASSWORD),
                      now=now.astimezone(dt.UTC))
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
