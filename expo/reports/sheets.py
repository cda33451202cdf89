"""The big sheets of the event workbook: exhibitors, booths, visitors, check-ins, leads, sales.

Each ``fetch`` reads one chunk ordered by id (keyset pagination) and maps it to sheet rows,
the id first. Visitors' phone and email appear only when the visitor consented to sharing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from expo.booths.models import Booth, BoothKind, BoothStatus, Hall
from expo.db import row_datetime
from expo.events.models import Event
from expo.exhibitors.models import Application, AppStatus, Category, Producer
from expo.i18n import gettext as _
from expo.regions import label as region_label
from expo.reports import leads_source
from expo.reports.models import SalesReport
from expo.reports.source import Row, Source, local
from expo.visitors.models import Gate, Scan, Visitor, VisitorType
from expo.visitors.models import Source as VisitorSource
from expo.xlsx import Column

TRUE = "TRUE"  # SQLite (3.23+) and PostgreSQL both read TRUE
REAL = "AND rehearsal = FALSE"  # a rehearsal's rows (expo.events.rehearsal) are left out


def _labels(mapping: dict[Any, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()}


async def _exhibitors(event: Event) -> Source:
    statuses, categories = _labels(AppStatus.labels()), _labels(Category.labels())
    sales: dict[int, int] = defaultdict(int)
    for producer_id, omzet in await SalesReport.filter(event=event, rehearsal=False).values_list(
            "producer_id", "omzet"):
        sales[producer_id] += omzet  # type: ignore[index]
    booths: dict[int, list[str]] = defaultdict(list)
    for holder_id, code in await Booth.filter(event=event, holder_id__isnull=False).values_list(
            "holder_id", "code"):
        booths[holder_id].append(code)  # type: ignore[index]

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await Application.filter(event=event, id__gt=after).order_by("id").limit(
            limit).values_list(
            "id", "producer__business_name", "producer__owner_name", "producer__phone",
            "producer__email", "producer__category", "producer__kabupaten", "producer__cluster",
            "status", "producer__smk_workers", "producer__smk_interns", "producer__is_micro",
            "producer_id")
        return [(r[0], r[0], r[1], r[2], r[3], r[4], categories.get(r[5], r[5]),
                 region_label(r[6]), r[7],
                 statuses.get(r[8], r[8]), r[9], r[10], _("yes") if r[11] else _("no"),
                 ", ".join(sorted(booths.get(r[0], []))), sales.get(r[12], 0)) for r in rows]

    return Source(_("Exhibitors"), [
        Column(_("Application no."), "int", 14), Column(_("Business"), width=30),
        Column(_("Owner"), width=24), Column(_("Phone"), width=16), Column(_("Email"), width=28),
        Column(_("Category"), width=22), Column(_("Kabupaten/kota"), width=22),
        Column(_("Cluster"), width=16), Column(_("Status"), width=14),
        Column(_("SMK workers"), "int", 13), Column(_("SMK interns"), "int", 13),
        Column(_("Micro business"), width=10), Column(_("Booths"), width=12),
        Column(_("Sales (IDR)"), "idr", 16)],
        lambda: Application.filter(event=event).count(), fetch)


async def _booths(event: Event) -> Source:
    kinds, statuses = _labels(BoothKind.labels()), _labels(BoothStatus.labels())
    halls = dict(await Hall.filter(event=event).values_list("id", "name"))

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await Booth.filter(event=event, id__gt=after).order_by("id").limit(
            limit).values_list("id", "hall_id", "code", "kind", "zone", "status", "price",
                               "power_watts", "water", "holder__producer__business_name")
        return [(r[0], halls.get(r[1], ""), r[2], kinds.get(r[3], r[3]), r[4],
                 statuses.get(r[5], r[5]), r[6], r[7], _("yes") if r[8] else _("no"), r[9])
                for r in rows]

    return Source(_("Booths"), [
        Column(_("Hall"), width=18), Column(_("Booth"), width=10), Column(_("Kind"), width=14),
        Column(_("Zone"), width=16), Column(_("Status"), width=12),
        Column(_("Price (IDR)"), "idr", 14), Column(_("Power (W)"), "int", 11),
        Column(_("Water"), width=8), Column(_("Exhibitor"), width=30)],
        lambda: Booth.filter(event=event).count(), fetch)


async def _raw(table: str, columns: str, where: str, event: Event, after: int,
               limit: int) -> list[tuple[Any, ...]]:
    """One chunk by raw SQL: the ORM's per-row cost dominates sheets of 100,000 rows. Every
    interpolated value is an int (or a constant of this module)."""
    sql = (f"SELECT {columns} FROM {table} WHERE event_id = {int(event.id)} "  # noqa: S608
           f"AND id > {int(after)} {where} ORDER BY id LIMIT {int(limit)}")
    _count, rows = await connections.get("default").execute_query(sql)
    return [tuple(r) for r in rows]


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


async def _visitors(event: Event, tz: ZoneInfo) -> Source:
    types, sources = _labels(VisitorType.labels()), _labels(VisitorSource.labels())

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await _raw("visitors", "id, name, type, organisation, agency, kabupaten, source, "
                          "created_at, entries, consent_share, consent_revoked_at, phone, email, "
                          "revoked_at", REAL, event, after, limit)
        out = []
        for r in rows:
            shared = bool(r[9]) and r[10] is None
            out.append((r[0], r[0], r[1], types.get(r[2], r[2]), r[4] or r[3],
                        region_label(r[5]), sources.get(r[6], r[6]),
                        local(row_datetime(r[7]), tz), r[8], _("yes") if shared else _("no"),
                        r[11] if shared else None, r[12] if shared else None,
                        _("revoked") if r[13] else ""))
        return out

    return Source(_("Visitors"), [
        Column(_("Visitor no."), "int", 12), Column(_("Name"), width=26),
        Column(_("Type"), width=22), Column(_("Agency or organisation"), width=30),
        Column(_("Kabupaten/kota"), width=22), Column(_("Source"), width=22),
        Column(_("Registered"), "datetime", 17), Column(_("Entries"), "int", 9),
        Column(_("Shares contact"), width=10), Column(_("Phone"), width=16),
        Column(_("Email"), width=28), Column(_("Ticket"), width=10)],
        lambda: Visitor.filter(event=event, rehearsal=False).count(), fetch,
        notes=[_("Phone and email only for visitors who agreed to share their contact.")])


async def _checkins(event: Event, tz: ZoneInfo) -> Source:
    types = _labels(VisitorType.labels())
    gates = dict(await Gate.filter(event=event).values_list("id", "name"))

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await _raw("visitor_scans", "id, scanned_at, day, gate_id, visitor_id",
                          f"AND ok = {TRUE} AND direction = 'in' {REAL}", event, after, limit)
        ids = {r[4] for r in rows}
        kinds = dict(await Visitor.filter(id__in=list(ids)).values_list("id", "type"))
        return [(r[0], local(row_datetime(r[1]), tz), _day(r[2]), gates.get(r[3], ""), r[4],
                 types.get(str(kinds.get(r[4], "")), "")) for r in rows]

    return Source(_("Check-ins"), [
        Column(_("Time"), "datetime", 17), Column(_("Day"), "date", 12),
        Column(_("Gate"), width=16), Column(_("Visitor no."), "int", 12),
        Column(_("Visitor type"), width=22)],
        lambda: Scan.filter(event=event, ok=True, direction="in", rehearsal=False).count(),
        fetch)


async def _leads(event: Event, tz: ZoneInfo) -> Source:
    columns = [Column(str(h), k) for h, k in leads_source.LEAD_HEADERS]

    async def fetch(after: int, limit: int) -> list[Row]:
        return await leads_source.lead_chunk(event=event, after_id=after, limit=limit)

    return Source(_("Leads"), columns, lambda: leads_source.count(event=event), fetch)


async def _sales(event: Event) -> Source:
    categories = _labels(Category.labels())

    async def fetch(after: int, limit: int) -> list[Row]:
        rows = await SalesReport.filter(
            event=event, rehearsal=False, id__gt=after).order_by("id").limit(limit).values_list(
            "id", "day", "producer__business_name", "producer__category",
            "producer__kabupaten", "omzet", "units", "per_product", "note")
        return [(r[0], r[1], r[2], categories.get(r[3], r[3]), r[4], r[5], r[6],
                 _("yes") if r[7] else _("no"), r[8]) for r in rows]

    return Source(_("Sales"), [
        Column(_("Day"), "date", 12), Column(_("Business"), width=30),
        Column(_("Category"), width=22), Column(_("Kabupaten/kota"), width=22),
        Column(_("Omzet (IDR)"), "idr", 16), Column(_("Units sold"), "int", 11),
        Column(_("Per product"), width=11), Column(_("Note"), width=30)],
        lambda: SalesReport.filter(event=event, rehearsal=False).count(), fetch)


async def sources(event: Event) -> list[Source]:
    tz = ZoneInfo(event.timezone)
    return [await _exhibitors(event), await _booths(event), await _visitors(event, tz),
            await _checkins(event, tz), await _leads(event, tz), await _sales(event)]


__all__ = ["sources", "Producer"]
