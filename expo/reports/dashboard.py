"""The live dashboard's figures: visitors, gates, leads, applications and sales of one day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from expo.events.models import Event
from expo.exhibitors.models import CATEGORY_LABELS, STATUS_LABELS, Application
from expo.reports import leads_source, service
from expo.reports.models import SalesReport
from expo.visitors.models import Gate, Scan, Visitor

HOURS = range(7, 23)


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
    leads_enabled: bool = False


def pick_day(days: list[dt.date], requested: dt.date | None, today: dt.date) -> dt.date | None:
    if requested in days:
        return requested
    if today in days:
        return today
    if days and today > days[-1]:
        return days[-1]
    return days[0] if days else None


def _hours(counter: Counter[int]) -> list[tuple[str, int]]:
    hours = sorted(set(HOURS) | set(counter))
    return [(f"{h:02d}", counter.get(h, 0)) for h in hours]


def _local_hour(at: dt.datetime, tz: ZoneInfo) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(tz).hour


async def _visitors(board: Dashboard, event: Event, tz: ZoneInfo, today: dt.date) -> None:
    board.registrations = await Visitor.filter(event=event).count()
    start = dt.datetime.combine(today, dt.time(), tzinfo=tz)
    board.registered_today = await Visitor.filter(event=event, created_at__gte=start).count()
    if board.day is None:
        return
    board.inside = await Visitor.filter(event=event, last_in_day=board.day, inside=True).count()
    rows = await Scan.filter(event=event, day=board.day, ok=True, direction="in").values_list(
        "gate_id", "scanned_at", "visitor_id")
    gates = dict(await Gate.filter(event=event).values_list("id", "name"))
    board.checked_in = len({v for _g, _a, v in rows})
    board.per_hour = _hours(Counter(_local_hour(a, tz) for _g, a, _v in rows))  # type: ignore[arg-type]
    per_gate = Counter(str(gates.get(g, "—")) for g, _a, _v in rows)
    board.per_gate = sorted(per_gate.items())


async def _applications(board: Dashboard, event: Event) -> None:
    rows = await Application.filter(event=event).values_list(
        "status", "producer__category", "producer__kabupaten")
    board.by_status = [(str(STATUS_LABELS.get(s, s)), n)  # type: ignore[call-overload]
                       for s, n in Counter(r[0] for r in rows).most_common()]
    accepted = [r for r in rows if r[0] == "accepted"]
    board.by_category = [(str(CATEGORY_LABELS.get(c, c)), n)  # type: ignore[call-overload]
                         for c, n in Counter(r[1] for r in accepted).most_common()]
    board.by_kabupaten = Counter(str(r[2]) for r in accepted).most_common()


async def build(*, event: Event, day: dt.date | None = None,
                now: dt.datetime | None = None) -> Dashboard:
    tz = ZoneInfo(event.timezone)
    today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
    days = await service.event_days(event)
    board = Dashboard(day=pick_day(days, day, today), days=days)
    await _visitors(board, event, tz, today)
    await _applications(board, event)
    board.leads_enabled = leads_source.available()
    board.leads = await leads_source.count(event=event)
    times = await leads_source.lead_times(event=event)
    if board.day is not None:
        board.leads_per_hour = _hours(Counter(
            _local_hour(t, tz) for t in times if t.astimezone(tz).date() == board.day))
    board.top_stands = await leads_source.top_stands(event=event, limit=10)
    omzet = await SalesReport.filter(event=event).values_list("omzet", flat=True)
    board.sales_omzet, board.sales_reports = sum(omzet), len(omzet)  # type: ignore[arg-type]
    return board
