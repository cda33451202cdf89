"""Demo visitors: ~500 tickets for the opening day, with check-ins spread over the day."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

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
# Entries per hour of the opening day (09.00–21.00): a morning rush and an evening crowd.
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


async def load(ctx: Any) -> None:
    event = ctx.event
    rng = random.Random(2027)
    tz = ZoneInfo(event.timezone)
    day = event.starts_on
    await GateRules.create(event=event, reentry=True, track_exit=True, enforce_hours=True,
                           early_minutes=30)
    gates = [await Gate.create(event=event, name=name)
             for name in ("Pintu Utama", "Pintu Timur", "Pintu VIP")]
    group = await VisitorGroup.create(event=event, name="SMKN 1 Samarinda, kelas XI Pemasaran",
                                      leader_name="Bu Rina Marlina", leader_phone="+6281250001234",
                                      link_token=new_link_token())
    visitors: list[Visitor] = []
    scans: list[tuple[Visitor, dict[str, Any]]] = []
    for n in range(VISITORS):
        data = _person(rng, n)
        in_group = n < 30
        if in_group:
            data.update(type=VisitorType.PELAJAR, kabupaten="Kota Samarinda", consent_share=False,
                        phone="")
        registered = dt.datetime(2027, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=97 * n)
        visitor = Visitor(event=event, group=group if in_group else None,
                          ticket_key=codes.new_ticket_key(), link_token=new_link_token(),
                          source=Source.GROUP if in_group else
                          rng.choice([Source.ONLINE] * 4 + [Source.KIOSK]),
                          consent_at=registered if data["consent_share"] else None, **data)
        if rng.random() < 0.85:  # most registered visitors came on the opening day
            hour = rng.choices(list(HOURS), list(HOURS.values()))[0]
            local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)),
                                        tzinfo=tz)
            at = local.astimezone(dt.UTC)
            gate = rng.choices(gates, [6, 3, 1])[0]
            left = rng.random() < 0.6 and hour < 20
            visitor.inside, visitor.last_in_day, visitor.last_in_at = not left, day, at
            visitor.entries = 1
            scans.append((visitor, dict(gate=gate, direction="in", ok=True, scanned_at=at,
                                        nonce=f"demo-{n}-in")))
            if left:
                closing = local.replace(hour=CLOSES, minute=0, second=0).astimezone(dt.UTC)
                out = min(at + dt.timedelta(minutes=rng.randrange(30, 150)),
                          closing - dt.timedelta(minutes=rng.randrange(1, 15)))
                visitor.last_out_at = out
                scans.append((visitor, dict(gate=gate, direction="out", ok=True,
                                            scanned_at=out, nonce=f"demo-{n}-out")))
            if rng.random() < 0.03:  # a screenshot shown twice at another gate
                again = at + dt.timedelta(minutes=rng.randrange(1, 20))
                scans.append((visitor, dict(gate=rng.choice(gates), direction="in", ok=False,
                                            reason="already_inside", scanned_at=again,
                                            nonce=f"demo-{n}-again")))
        visitors.append(visitor)
    for visitor in visitors:
        await visitor.save()
    await Scan.bulk_create([Scan(event=event, visitor=visitor, day=day,
                                 recorded_at=fields["scanned_at"], **fields)
                            for visitor, fields in scans], batch_size=500)
    for name, kind, org in [("Hj. Aminah", VisitorType.EXHIBITOR, "Amplang Aminah"),
                            ("Rudi Hartono", VisitorType.EXHIBITOR, "Tenun Ulap Doyo Tanjung Isuy"),
                            ("Rina Panitia", VisitorType.COMMITTEE, "Disperindagkop Kaltim"),
                            ("Drs. H. Syaharie", VisitorType.GUEST, "Pemprov Kaltim")]:
        await Visitor.create(event=event, ticket_key=codes.new_ticket_key(),
                             link_token=new_link_token(), name=name, type=kind,
                             organisation=org, source=Source.STAFF)
