"""Dashboard figures: registrations, check-ins per hour and gate, inside now, leads, statuses."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from expo import i18n
from expo.exhibitors.models import Application, AppStatus, Category
from expo.leads.models import Lead
from expo.reports import dashboard
from expo.reports.aggregates import hour_ranges
from expo.visitors.models import Scan, Visitor
from tests.factories import make_event
from tests.reports.factories import (
    make_checked_in,
    make_exhibitor,
    make_gate,
    make_scan,
    make_visitor,
)


def test_pick_day_prefers_request_then_today_then_last_day():
    days = [dt.date(2027, 4, 20), dt.date(2027, 4, 21)]
    assert dashboard.pick_day(days, days[1], dt.date(2027, 4, 20)) == days[1]
    assert dashboard.pick_day(days, None, dt.date(2027, 4, 20)) == days[0]
    assert dashboard.pick_day(days, None, dt.date(2027, 5, 1)) == days[1]
    assert dashboard.pick_day(days, dt.date(1999, 1, 1), dt.date(2026, 1, 1)) == days[0]
    assert dashboard.pick_day([], None, dt.date(2026, 1, 1)) is None


async def test_dashboard_counts(db):
    event = await make_event(timezone="UTC")
    main, east = await make_gate(event, "Utama"), await make_gate(event, "Timur")
    v1 = await make_checked_in(event, gate=main, hour=9)
    v2 = await make_checked_in(event, gate=main, hour=10)
    await make_checked_in(event, gate=east, hour=10)
    v2.inside = False
    await v2.save()
    _u, p1 = await make_exhibitor(event)
    await make_exhibitor(event, category=Category.KRIYA, kabupaten="Kota Bontang")
    await make_exhibitor(event, status=AppStatus.SUBMITTED)
    app = await Application.get(producer=p1)
    await Lead.create(event=event, application=app, visitor=v1)
    await Lead.create(event=event, application=app, visitor=v2)
    board = await dashboard.build(event=event, day=event.starts_on)
    assert (board.registrations, board.checked_in, board.inside) == (3, 3, 2)
    assert dict(board.per_hour)["09"] == 1 and dict(board.per_hour)["10"] == 2
    assert board.per_gate == [("Timur", 1), ("Utama", 2)]
    assert board.leads == 2 and board.top_stands == [(p1.business_name, 2)]
    assert sorted(n for _label, n in board.by_status) == [1, 2]
    assert dict(board.by_kabupaten) == {"Kota Samarinda": 1, "Kota Bontang": 1}


def _utc(day: dt.date, hour: int, minute: int = 0, second: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute, second),
                               tzinfo=dt.UTC)


async def test_dashboard_hours_and_gates_in_local_time_across_utc_midnight(db):
    event = await make_event(timezone="Asia/Makassar")  # UTC+8
    day = event.starts_on
    main, east = await make_gate(event, "Utama"), await make_gate(event, "Timur")
    stamps = [
        (_utc(day, 23, 30, days=-1), main),  # 07:30 local, the day before in UTC
        (_utc(day, 0, 59, 59), main),  # 08:59:59
        (_utc(day, 1), east),  # 09:00
        (_utc(day, 15, 59, 59), east),  # 23:59:59
        (_utc(day, 16, 30), None),  # 00:30 the next day, stamped for this day (a device clock)
    ]
    for at, gate in stamps:
        await make_scan(event, await make_visitor(event), at, gate=gate, day=day)
    await make_scan(event, await make_visitor(event), _utc(day, 2), gate=main,
                    day=day + dt.timedelta(days=1))  # another day: not counted
    board = await dashboard.build(event=event, day=day)
    hours = dict(board.per_hour)
    assert [h for h, n in board.per_hour if n] == ["00", "07", "08", "09", "23"]
    assert all(hours[h] == 1 for h in ["00", "07", "08", "09", "23"])
    assert list(hours) == sorted({f"{h:02d}" for h in range(7, 23)} | {"00", "23"})
    assert board.per_gate == [("Timur", 2), ("Utama", 2), ("—", 1)]
    assert board.checked_in == 5


async def test_dashboard_hours_with_daylight_saving_and_quarter_hour_offsets(db):
    berlin = await make_event(timezone="Europe/Berlin", starts_on=dt.date(2027, 10, 31))
    day = berlin.starts_on  # clocks go back at 03:00 CEST (01:00 UTC): 02:xx happens twice
    for at in (_utc(day, 0, 30), _utc(day, 1, 30), _utc(day, 2, 0)):
        await make_scan(berlin, await make_visitor(berlin), at)
    hours = dict((await dashboard.build(event=berlin, day=day)).per_hour)
    assert (hours["02"], hours["03"]) == (2, 1)
    kathmandu = await make_event(timezone="Asia/Kathmandu", starts_on=dt.date(2027, 4, 20))
    day = kathmandu.starts_on  # UTC+5:45
    for at in (_utc(day, 4, 14, 59), _utc(day, 4, 15)):
        await make_scan(kathmandu, await make_visitor(kathmandu), at)
    hours = dict((await dashboard.build(event=kathmandu, day=day)).per_hour)
    assert (hours["09"], hours["10"]) == (1, 1)


def test_hour_ranges_cover_the_local_day_hour_by_hour():
    berlin = ZoneInfo("Europe/Berlin")
    for day, count in [(dt.date(2027, 10, 31), 25), (dt.date(2027, 3, 28), 23),
                       (dt.date(2027, 6, 1), 24)]:
        ranges = hour_ranges(day, berlin)
        assert len(ranges) == count
        assert ranges[0][0] == dt.datetime.combine(day, dt.time(), tzinfo=berlin)
        assert ranges[-1][1] == dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                                    tzinfo=berlin)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
        assert all(lo.astimezone(berlin).hour == h == (hi - dt.timedelta(seconds=1))
                   .astimezone(berlin).hour for lo, hi, h in ranges)


async def test_dashboard_checked_in_counts_distinct_visitors_of_accepted_entries(db):
    event = await make_event(timezone="UTC")
    day, gate = event.starts_on, await make_gate(event)
    again, once, refused, other_day = [await make_visitor(event) for _ in range(4)]
    await make_scan(event, again, _utc(day, 9), gate=gate)
    await make_scan(event, again, _utc(day, 9, 30), gate=gate, direction="out")
    await make_scan(event, again, _utc(day, 11), gate=gate)  # re-entry: still one visitor
    await make_scan(event, once, _utc(day, 10), gate=gate)
    await make_scan(event, refused, _utc(day, 10), gate=gate, ok=False)
    await make_scan(event, other_day, _utc(day, 10, days=1), gate=gate)
    board = await dashboard.build(event=event, day=day)
    assert board.checked_in == 2
    assert sum(n for _h, n in board.per_hour) == 3 and board.per_gate == [(gate.name, 3)]
    assert dict(board.per_hour)["11"] == 1


async def test_dashboard_leads_per_hour_of_the_local_day(db):
    event = await make_event(timezone="Asia/Makassar")
    day = event.starts_on
    _u, producer = await make_exhibitor(event)
    app = await Application.get(producer=producer)
    for at in (_utc(day, 16, 30, days=-1), _utc(day, 15, 59, 59),  # 00:30 and 23:59 local
               _utc(day, 16), _utc(day, 15, 59, 59, days=-1)):  # the next day, the day before
        lead = await Lead.create(event=event, application=app, visitor=await make_visitor(event))
        await Lead.filter(id=lead.id).update(first_at=at)
    board = await dashboard.build(event=event, day=day)
    assert board.leads == 4
    assert [(h, n) for h, n in board.leads_per_hour if n] == [("00", 1), ("23", 1)]


async def test_dashboard_top_stands_ranks_ties_by_latest_activity(db):
    event = await make_event()
    apps = []
    for _ in range(3):
        _u, producer = await make_exhibitor(event)
        apps.append((producer, await Application.get(producer=producer)))
    base = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    for (_producer, app), (n, latest) in zip(apps, [(2, 1), (2, 5), (1, 9)], strict=True):
        for i in range(n):
            lead = await Lead.create(event=event, application=app,
                                     visitor=await make_visitor(event))
            await Lead.filter(id=lead.id).update(last_at=base + dt.timedelta(hours=latest - i))
    board = await dashboard.build(event=event)
    names = [p.business_name for p, _a in apps]
    assert board.top_stands == [(names[1], 2), (names[0], 2), (names[2], 1)]
    assert board.leads == 5


async def test_dashboard_reads_counts_not_rows(db, monkeypatch):
    """The figures come from aggregates: no query returns the big tables' rows."""
    event = await make_event(timezone="UTC")
    day, gate = event.starts_on, await make_gate(event)
    _u, producer = await make_exhibitor(event)
    app = await Application.get(producer=producer)
    await Visitor.bulk_create([Visitor(event=event, ticket_key=f"bulk{i:010d}",
                                       link_token=f"bulk{i:039d}", name=f"V {i}")
                               for i in range(60)])
    visitors = await Visitor.filter(event=event).order_by("id")
    await Scan.bulk_create([Scan(event=event, visitor=v, gate=gate, ok=True, direction="in",
                                 day=day, scanned_at=_utc(day, 8 + i % 10),
                                 recorded_at=_utc(day, 8), nonce=f"b{i}")
                            for i, v in enumerate(visitors)])
    await Lead.bulk_create([Lead(event=event, application=app, visitor=v) for v in visitors])
    sizes: list[int] = []
    conn = connections.get("default")
    query, query_dict = conn.execute_query, conn.execute_query_dict

    async def counted(sql, values=None):  # type: ignore[no-untyped-def]
        result = await query(sql, values)
        sizes.append(len(result[1]))
        return result

    async def counted_dict(sql, values=None):  # type: ignore[no-untyped-def]
        rows = await query_dict(sql, values)
        sizes.append(len(rows))
        return rows

    monkeypatch.setattr(conn, "execute_query", counted)
    monkeypatch.setattr(conn, "execute_query_dict", counted_dict)
    board = await dashboard.build(event=event, day=day)
    assert (board.checked_in, board.leads, board.registrations) == (60, 60, 60)
    assert board.per_gate == [(gate.name, 60)]
    assert max(sizes) <= 30, sizes


async def test_board_cache_shares_one_build_between_viewers(db, monkeypatch):
    event = await make_event()
    builds: list[dt.date | None] = []
    release = asyncio.Event()

    async def slow_build(*, event, day=None, now=None):  # type: ignore[no-untyped-def]
        builds.append(day)
        await release.wait()
        if day == dt.date(1999, 1, 1):
            raise RuntimeError("database gone")
        return dashboard.Dashboard(day=day, days=[])

    monkeypatch.setattr(dashboard, "build", slow_build)
    cache = dashboard.BoardCache(ttl=60)
    viewers = [asyncio.create_task(cache.board(event=event, day=event.starts_on))
               for _ in range(3)]
    release.set()
    first, *others = await asyncio.gather(*viewers)
    assert builds == [event.starts_on] and all(b is first for b in others)
    assert await cache.board(event=event, day=event.starts_on) is first  # within the ttl
    token = i18n.set_locale("en")
    try:
        await cache.board(event=event, day=event.starts_on)  # labels differ per language
    finally:
        i18n.reset_locale(token)
    for _ in range(2):  # a failed build is not kept
        with pytest.raises(RuntimeError):
            await cache.board(event=event, day=dt.date(1999, 1, 1))
    assert len(builds) == 4
    cache.ttl = 0
    assert await cache.board(event=event, day=event.starts_on) is not first
