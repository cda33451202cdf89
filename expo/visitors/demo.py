"""Demo visitors: ~500 tickets, with check-ins over yesterday (the opening day) and today up to
the moment the demo is loaded."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from expo.events.demo import day_hours
from expo.regions import KALTIM, OUTSIDE
from expo.visitors import codes
from expo.visitors.models import Gate, GateRules, Scan, Source, Visitor, VisitorGroup, VisitorType
from expo.visitors.service import new_link_token

FIRST = ["Siti", "Nur", "Dewi", "Rina", "Aminah", "Fitri", "Wulan", "Yuliana", "Rahmat", "Budi",
         "Andi", "Agus", "Hendra", "Irfan", "Yusuf", "Fajar", "Muhammad", "Ahmad", "Rizky", "Putri",
         "Ayu", "Indah", "Lestari", "Sri", "Hadi", "Dimas", "Eka", "Ratna", "Syamsul", "Erwin"]
LAST = ["Rahmawati", "Hidayat", "Saputra", "Wijaya", "Kurniawan", "Lestari", "Pratama",
        "Nugroho", "Setiawan", "Maulana", "Fadillah", "Hasanah", "Ramadhan", "Aditya", "Susanti",
        "Halim", "Syahrani", "Daeng", "Tenggarong", "Sembiring"]
AGENCIES = ["Dinas Koperasi dan UKM Kota Samarinda", "Disperindagkop Provinsi Kaltim",
            "Bappeda Kabupaten Kutai Kartanegara", "Dinas Pariwisata Kota Balikpapan"]
TYPES = [(VisitorType.UMUM, 60), (VisitorType.PELAJAR, 20), (VisitorType.INSTANSI, 12),
         (VisitorType.BUYER, 8)]
# Entries per hour of a fair day (09.00–21.00): a morning rush and an evening crowd.
HOURS = {9: 14, 10: 12, 11: 9, 12: 6, 13: 5, 14: 5, 15: 6, 16: 7, 17: 8, 18: 10, 19: 11, 20: 7}
CLOSES = 21  # exits happen before the hall closes
VISITORS = 500


def _person(rng: random.Random, n: int) -> dict[str, Any]:
    kind = rng.choices([t for t, _ in TYPES], [w for _, w in TYPES])[0]
    consent = rng.random() < 0.45
    return {"name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "phone": f"+62812{rng.randrange(10_000_000, 99_999_999)}", "type": kind,
            "agency": rng.choice(AGENCIES) if kind == VisitorType.INSTANSI else "",
            "kabupaten": rng.choices(KALTIM + [OUTSIDE], [3, 1, 6, 2, 1, 1, 1, 8, 3, 20, 1])[0],
            "consent_share": consent}


def _yesterday_at(rng: random.Random, day: dt.date, tz: ZoneInfo) -> dt.datetime:
    hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
    local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)),
                                tzinfo=tz)
    return local.astimezone(dt.UTC)


def _today_at(rng: random.Random, opens: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A moment between today's opening and ``now``, weighted by the hour's usual crowd."""
    end = now - dt.timedelta(seconds=1)
    if end <= opens:
        return opens.astimezone(dt.UTC)
    first = opens.replace(minute=0, second=0, microsecond=0)
    hours = [first + dt.timedelta(hours=h)
             for h in range(int((end - first).total_seconds() // 3600) + 1)]
    hour = rng.choices(hours, [HOURS.get(h.hour, 4) for h in hours])[0]
    start, stop = max(hour, opens), min(hour + dt.timedelta(hours=1), end)
    at = start + dt.timedelta(seconds=rng.uniform(0, max((stop - start).total_seconds(), 0)))
    return at.replace(microsecond=0).astimezone(dt.UTC)


async def load(ctx: Any) -> None:
    """Yesterday (the opening day) and today up to the load's moment: check-ins and exits at
    the three gates; today's counters move from the first minute the demo is tried."""
    event = ctx.event
    rng = random.Random(2027)
    tz = ZoneInfo(event.timezone)
    now = ctx.now.astimezone(tz)
    yesterday, today = event.starts_on, ctx.today
    opens_at, _closes = day_hours(today, now)
    opens = dt.datetime.combine(today, dt.time.fromisoformat(opens_at), tzinfo=tz)
    await GateRules.create(event=event, reentry=True, track_exit=True, enforce_hours=True,
                           early_minutes=30)
    gates = [await Gate.create(event=event, name=name)
             for name in ("Pintu Utama", "Pintu Timur", "Pintu VIP")]
    group = await VisitorGroup.create(event=event, name="SMKN 1 Samarinda, kelas XI Pemasaran",
                                      leader_name="Bu Rina Marlina", leader_phone="+6281250001234",
                                      link_token=new_link_token())
    visitors: list[Visitor] = []
    registrations: list[dt.datetime] = []
    scans: list[tuple[Visitor, dict[str, Any]]] = []
    # registered over the five weeks before the fair opened (the last one two days ago)
    last_registered = ctx.now - dt.timedelta(days=2)
    for n in range(VISITORS):
        data = _person(rng, n)
        in_group = n < 30
        if in_group:
            data.update(type=VisitorType.PELAJAR, kabupaten="Kota Samarinda", consent_share=False,
                        phone="")
        registered = last_registered - dt.timedelta(minutes=97 * (VISITORS - 1 - n))
        visitor = Visitor(event=event, group=group if in_group else None,
                          ticket_key=codes.new_ticket_key(), link_token=new_link_token(),
                          source=Source.GROUP if in_group else
                          rng.choice([Source.ONLINE] * 4 + [Source.KIOSK]),
                          consent_at=registered if data["consent_share"] else None, **data)
        roll = rng.random()
        if roll < 0.85:  # most registered visitors came: yesterday, or today so far
            came_today = roll >= 0.35
            day = today if came_today else yesterday
            at = _today_at(rng, opens, now) if came_today else _yesterday_at(rng, day, tz)
            gate = rng.choices(gates, [6, 3, 1])[0]
            closing = (now.astimezone(dt.UTC) if came_today else dt.datetime.combine(
                day, dt.time(CLOSES), tzinfo=tz).astimezone(dt.UTC))
            out = at + dt.timedelta(minutes=rng.randrange(30, 150))
            left = rng.random() < 0.6 and out < closing - dt.timedelta(minutes=1)
            visitor.inside = came_today and not left
            visitor.last_in_day, visitor.last_in_at, visitor.entries = day, at, 1
            scans.append((visitor, dict(gate=gate, direction="in", ok=True, scanned_at=at,
                                        day=day, nonce=f"demo-{n}-in")))
            if left:
                visitor.last_out_at = out
                scans.append((visitor, dict(gate=gate, direction="out", ok=True,
                                            scanned_at=out, day=day, nonce=f"demo-{n}-out")))
            again = at + dt.timedelta(minutes=rng.randrange(1, 20))
            # a screenshot shown twice, while its owner is inside
            if rng.random() < 0.03 and again < (out if left else closing):
                scans.append((visitor, dict(gate=rng.choice(gates), direction="in", ok=False,
                                            reason="already_inside", scanned_at=again,
                                            day=day, nonce=f"demo-{n}-again")))
        visitors.append(visitor)
        registrations.append(registered)
    for visitor in visitors:
        await visitor.save()
    for visitor, registered in zip(visitors, registrations, strict=True):
        visitor.created_at = registered
    await Visitor.bulk_update(visitors, fields=["created_at"], batch_size=250)
    await Scan.bulk_create([Scan(event=event, visitor=visitor,
                                 recorded_at=fields["scanned_at"], **fields)
                            for visitor, fields in scans], batch_size=500)
    for name, kind, org in [("Hj. Aminah", VisitorType.EXHIBITOR, "Amplang Aminah"),
                            ("Rudi Hartono", VisitorType.EXHIBITOR, "Tenun Ulap Doyo Tanjung Isuy"),
                            ("Rina Panitia", VisitorType.COMMITTEE, "Disperindagkop Kaltim"),
                            ("Drs. H. Syaharie", VisitorType.GUEST, "Pemprov Kaltim")]:
        await Visitor.create(event=event, ticket_key=codes.new_ticket_key(),
                             link_token=new_link_token(), name=name, type=kind,
                             organisation=org, source=Source.STAFF)
