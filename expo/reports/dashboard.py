"""The live dashboard's figures: visitors, gates, leads, applications and sales of one day.

Every figure is counted by the database (COUNT, COUNT(DISTINCT), GROUP BY, counts per time
range: see ``expo.reports.aggregates``); Python only sorts a few dozen groups. A build reads no
row of the big tables into Python: on an event with 100,000 check-ins and 100,000 leads it
costs about 45 ms of CPU on SQLite (the database's work included) and 12 ms on PostgreSQL,
in statements of a few milliseconds each, so it never stalls the gate's scans (issue 11).
``BoardCache`` shares one build between everyone watching the same day for a few seconds.
A rehearsal's rows (test tickets, their scans, leads and sales: ``expo.events.rehearsal``)
are left out of every figure. Leaving them out reads each row (the covering indexes do not
hold the mark: about ten times the CPU of the counts), so the counts of visitors, scans and
leads filter only while the event has test tickets (``GateContext.test_tickets``: a
rehearsal's check-ins and leads are its test tickets'); until the rehearsal is cleared.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Min, Sum

from expo import i18n, regions
from expo.cache import SharedBuilds
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category
from expo.reports import leads_source, service
from expo.reports.aggregates import AFTER, BEFORE, hour_ranges, param, quarter_hours, range_counts
from expo.reports.models import SalesReport
from expo.visitors import checkin
from expo.visitors.models import Gate, Scan, Visitor

HOURS = range(7, 23)
NO_GATE = "—"


@dataclass
class Dashboard:
    day: dt.date | None
    days: list[dt.date]
    registrations: int = 0
    registered_today: int = 0
    checked_in: int = 0
    inside: int = 0
    per_hour: list[tuple[str, int]] = field(default_factory=list)
    per_gate: list[tuple[str, int]] = field(default_factory=list)
    leads: int = 0
    leads_per_hour: list[tuple[str, int]] = field(default_factory=list)
    top_stands: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_kabupaten: list[tuple[str, int]] = field(default_factory=list)
    sales_omzet: int = 0
    sales_reports: int = 0
    html: str = field(default="", compare=False, repr=False)  # the rendered body, once


def pick_day(days: list[dt.date], requested: dt.date | None, today: dt.date) -> dt.date | None:
    if requested in days:
        return requested
    if today in days:
        return today
    if days and today > days[-1]:
        return days[-1]
    return days[0] if days else None


def _hours(counter: Counter[int]) -> list[tuple[str, int]]:
    hours = sorted(set(HOURS) | {h for h, n in counter.items() if n})
    return [(f"{h:02d}", counter.get(h, 0)) for h in hours]


def _checkins(strict: bool) -> str:
    """The day's accepted entries (counted on the indexes listed in ``aggregates``); with
    ``strict``, without the rehearsal's."""
    return (f"t.event_id = {param(1)} AND t.day = {param(2)} AND t.ok = TRUE "
            "AND t.direction = 'in'" + (" AND t.rehearsal = FALSE" if strict else ""))


async def _per_gate_and_hour(board: Dashboard, event: Event, tz: ZoneInfo,
                             day: dt.date, strict: bool) -> None:
    """Check-ins per gate and per local hour: one count per (gate, local hour)."""
    gates: dict[Any, str] = dict(await Gate.filter(event=event).values_list("id", "name"))  # type: ignore[arg-type]
    ranges = hour_ranges(day, tz)
    spans = [(BEFORE, ranges[0][0]), *[(lo, hi) for lo, hi, _h in ranges],
             (ranges[-1][1], AFTER)]
    hours: Counter[int] = Counter()
    per_gate: Counter[str] = Counter()
    outside = 0
    for gate_id in [*gates, None]:
        where = _checkins(strict) + (f" AND t.gate_id = {param(3)}" if gate_id is not None
                             else " AND t.gate_id IS NULL")
        counts = await range_counts(
            table="visitor_scans", column="scanned_at", where=where, ranges=spans,
            params=[event.id, day] + ([gate_id] if gate_id is not None else []))
        if sum(counts):
            per_gate[str(gates.get(gate_id, NO_GATE))] += sum(counts)
        for (_lo, _hi, hour), n in zip(ranges, counts[1:-1], strict=True):
            hours[hour] += n
        outside += counts[0] + counts[-1]
    if outside:  # entries of the day stamped outside its local hours (a device's clock)
        hours.update(await quarter_hours(
            table="visitor_scans", column="scanned_at", tz=tz,
            where=_checkins(strict) + f" AND (t.scanned_at < {param(3)} "
            f"OR t.scanned_at >= {param(4)})",
            params=[event.id, day, ranges[0][0], ranges[-1][1]]))
    board.per_hour = _hours(hours)
    board.per_gate = sorted(per_gate.items())


async def _visitors(board: Dashboard, event: Event, tz: ZoneInfo, today: dt.date,
                    strict: bool) -> None:
    start = dt.datetime.combine(today, dt.time(), tzinfo=tz)
    real: dict[str, bool] = {"rehearsal": False} if strict else {}
    # Two ranges of index (event_id, created_at) rather than the whole event twice.
    board.registered_today = await Visitor.filter(event=event, created_at__gte=start,
                                                  **real).count()
    board.registrations = board.registered_today + await Visitor.filter(
        event=event, created_at__lt=start, **real).count()
    if board.day is None:
        return
    board.inside = await Visitor.filter(event=event, last_in_day=board.day, inside=True,
                                        **real).count()
    distinct = await Scan.filter(event=event, day=board.day, ok=True, direction="in",
                                 **real).annotate(
        n=Count("visitor_id", distinct=True)).values("n")
    board.checked_in = int(distinct[0]["n"] or 0) if distinct else 0
    await _per_gate_and_hour(board, event, tz, board.day, strict)


def _ranked(groups: dict[str, list[int]]) -> list[tuple[str, int]]:
    """(label, count) by count, ties in order of first appearance (Counter.most_common)."""
    return [(k, v[0]) for k, v in sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[1][1]))]


def _merge(groups: dict[str, list[int]], key: str, n: int, first: int) -> None:
    item = groups.setdefault(key, [0, first])
    item[0] += n
    item[1] = min(item[1], first)


async def _applications(board: Dashboard, event: Event) -> None:
    statuses: dict[str, list[int]] = {}
    for row in await Application.filter(event=event).annotate(
            n=Count("id"), first=Min("id")).group_by("status").values("status", "n", "first"):
        _merge(statuses, str(row["status"]), row["n"], row["first"])
    board.by_status = [(AppStatus.label_of(s), n)
                       for s, n in _ranked(statuses)]
    categories: dict[str, list[int]] = {}
    kabupaten: dict[str, list[int]] = {}
    for row in await Application.filter(event=event, status=AppStatus.ACCEPTED).annotate(
            n=Count("id"), first=Min("id")).group_by(
            "producer__category", "producer__kabupaten").values(
            "producer__category", "producer__kabupaten", "n", "first"):
        _merge(categories, str(row["producer__category"]), row["n"], row["first"])
        place = str(row["producer__kabupaten"])  # one region, however it was written
        _merge(kabupaten, regions.canonical(place) or place, row["n"], row["first"])
    board.by_category = [(Category.label_of(c), n)
                         for c, n in _ranked(categories)]
    board.by_kabupaten = [(regions.label(k), n) for k, n in _ranked(kabupaten)]


async def _leads(board: Dashboard, event: Event, tz: ZoneInfo, strict: bool) -> None:
    if board.day is not None:
        ranges = hour_ranges(board.day, tz)
        counts = await leads_source.counts_in(event=event, ranges=[(a, b) for a, b, _h in ranges],
                                              strict=strict)
        hours: Counter[int] = Counter()
        for (_lo, _hi, hour), n in zip(ranges, counts, strict=True):
            hours[hour] += n
        board.leads_per_hour = _hours(hours)
    stands = await leads_source.stand_leads(event=event, limit=10, strict=strict)
    board.leads, board.top_stands = stands.total, stands.top


async def build(*, event: Event, day: dt.date | None = None,
                now: dt.datetime | None = None) -> Dashboard:
    tz = ZoneInfo(event.timezone)
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    days = await service.event_days(event)
    board = Dashboard(day=pick_day(days, day, today), days=days)
    gates = await checkin.gate_context(event=event)
    strict = gates is None or gates.test_tickets  # rows of a rehearsal to leave out
    await _visitors(board, event, tz, today, strict)
    await _applications(board, event)
    await _leads(board, event, tz, strict)
    sales = await SalesReport.filter(event=event, rehearsal=False).annotate(
        omzet=Sum("omzet"), n=Count("id")).values("omzet", "n")
    board.sales_omzet = int(sales[0]["omzet"] or 0) if sales else 0
    board.sales_reports = int(sales[0]["n"] or 0) if sales else 0
    return board


BoardKey = tuple[int, dt.date | None, str]


class BoardCache(SharedBuilds[BoardKey, Dashboard]):
    """Dashboards shared by everyone watching: each (event, day, language) is built at most
    once every ``ttl`` seconds, and the requests that arrive meanwhile get that build (the page
    refreshes every 15 s; a committee's phones, a screen at the secretariat and a tab left
    reloading then cost one build, not one each)."""

    async def board(self, *, event: Event, day: dt.date | None = None) -> Dashboard:
        key: BoardKey = (event.id, day, i18n.get_locale())
        return await super().get(key, lambda: build(event=event, day=day))
