"""What reports read from the leads domain, behind one small adapter.

Only this module of reports knows the leads tables (``Lead``: one visitor at one exhibitor's
application; ``Inquiry``: a request with quantity and budget, ``agency`` and ``buyer_type``
copied from the visitor). The Leads sheet shows no visitor contact details: the visitor
number and type only (contacts stay with the exhibitor the visitor consented to). A
rehearsal's leads (``rehearsal``, see ``expo.events.rehearsal``) are counted nowhere.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from expo.db import row_datetime
from expo.events.models import Event
from expo.i18n import lazy_gettext as _l
from expo.leads.models import Inquiry, Lead, LeadSource, LeadStatus, Rating
from expo.reports.aggregates import Range, param, range_counts
from expo.reports.source import Row, local
from expo.visitors.models import VisitorType


@dataclass
class AgencyInquiries:
    agency: str
    count: int
    quantity: int
    value: int


async def count(*, event: Event) -> int:
    return await Lead.filter(event=event, rehearsal=False).count()


async def counts_in(*, event: Event, ranges: Sequence[Range], strict: bool = True) -> list[int]:
    """Leads of the event first captured in each ``[start, end)`` of ``ranges`` (counted by
    the database: index (event_id, first_at) makes each count a range of it). ``strict``
    leaves a rehearsal's out (reading each row: the dashboard asks only when there may be)."""
    real = " AND t.rehearsal = FALSE" if strict else ""
    return await range_counts(table="leads", column="first_at",
                              where=f"t.event_id = {param(1)}{real}",
                              params=[event.id], ranges=ranges)


@dataclass
class StandLeads:
    total: int  # leads of the event
    top: list[tuple[str, int]]  # (business name, leads), most leads first


_STANDS_SQL = (
    "SELECT g.n AS n, p.business_name AS name, (SELECT MAX(l.last_at) FROM leads l "
    "WHERE l.event_id = {e} AND l.application_id = g.application_id{real_l}) "
    "AS last FROM (SELECT application_id, COUNT(*) AS n FROM leads WHERE event_id = {e}"
    "{real} GROUP BY application_id) g "
    "LEFT JOIN applications a ON a.id = g.application_id "
    "LEFT JOIN producers p ON p.id = a.producer_id")


async def stand_leads(*, event: Event, limit: int = 10, strict: bool = True) -> StandLeads:
    """The event's leads, in total and for the exhibitors with the most of them.

    Counted per exhibitor by the database (index (event_id, application_id, last_at): one
    pass, and one index seek for each exhibitor's latest lead), then per business name here.
    Ties rank the most recently active first, as counting the leads in their own order
    (latest first) did.
    """
    rows = await connections.get("default").execute_query_dict(
        _STANDS_SQL.format(e=param(1), real=" AND rehearsal = FALSE" if strict else "",
                           real_l=" AND l.rehearsal = FALSE" if strict else ""), [event.id])
    stands: dict[str, list[Any]] = {}
    for row in rows:
        last = _aware(row["last"])
        item = stands.setdefault(str(row["name"]), [0, last])
        item[0] += int(row["n"])
        item[1] = max(item[1], last)
    ranked = sorted(stands.items(), key=lambda kv: kv[1][1], reverse=True)
    ranked.sort(key=lambda kv: kv[1][0], reverse=True)
    return StandLeads(sum(n for n, _last in stands.values()),
                      [(name, n) for name, (n, _last) in ranked[:limit]])


def _aware(value: Any) -> dt.datetime:
    return row_datetime(value) or dt.datetime.min.replace(tzinfo=dt.UTC)


async def inquiries_by_agency(*, event: Event) -> list[AgencyInquiries]:
    """Procurement inquiries (agency and business buyers) per agency: count, quantity, budget."""
    rows = await Inquiry.filter(event=event, buyer_type__in=["instansi", "buyer"],
                                lead__rehearsal=False).values_list(
        "agency", "quantity", "budget")
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for agency, quantity, budget in rows:
        item = acc[str(agency or "—")]
        item[0] += 1
        item[1] += quantity or 0
        item[2] += budget or 0
    return [AgencyInquiries(a, *v) for a, v in sorted(acc.items(), key=lambda kv: -kv[1][0])]


LEAD_HEADERS: Sequence[tuple[Any, str]] = (
    (_l("First contact"), "datetime"), (_l("Last contact"), "datetime"),
    (_l("Exhibitor"), "text"), (_l("Visitor no."), "int"), (_l("Visitor type"), "text"),
    (_l("Source"), "text"), (_l("Rating"), "text"), (_l("Status"), "text"),
    (_l("Value (IDR)"), "idr"), (_l("Scans"), "int"))


_LEADS_SQL = (
    "SELECT l.id, l.first_at, l.last_at, p.business_name, l.visitor_id, v.type, "
    "l.source, l.rating, l.status, l.value, l.scans FROM leads l "
    "JOIN applications a ON a.id = l.application_id "
    "JOIN producers p ON p.id = a.producer_id JOIN visitors v ON v.id = l.visitor_id ")


async def lead_chunk(*, event: Event, after_id: int, limit: int) -> list[Row]:
    """Rows of the Leads sheet with id > ``after_id`` (the id first), at most ``limit``."""
    tz = ZoneInfo(event.timezone)
    labels = {**{str(k): str(v) for k, v in LeadSource.labels().items()},
              **{f"r:{k}": str(v) for k, v in Rating.labels().items()},
              **{f"s:{k}": str(v) for k, v in LeadStatus.labels().items()},
              **{f"t:{k}": str(v) for k, v in VisitorType.labels().items()}}
    # Raw SQL: the ORM's per-row cost dominates 100,000 rows. Only ints are interpolated.
    where = (f"WHERE l.event_id = {int(event.id)} AND l.rehearsal = FALSE "
             f"AND l.id > {int(after_id)} "
             f"ORDER BY l.id LIMIT {int(limit)}")
    _n, rows = await connections.get("default").execute_query(_LEADS_SQL + where)
    return [(r[0], local(row_datetime(r[1]), tz), local(row_datetime(r[2]), tz), r[3], r[4],
             labels.get(f"t:{r[5]}", r[5]),
             labels.get(str(r[6]), r[6]), labels.get(f"r:{r[7]}", r[7] or ""),
             labels.get(f"s:{r[8]}", r[8]), r[9], r[10]) for r in rows]
