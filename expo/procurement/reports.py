"""The trade office's procurement reports: what agencies and businesses spent with local
producers, grouped per buyer, per kabupaten/kota (of the buyer and of the producer), per
category, per cluster and per month; on-time delivery per producer; the share going to
workshops that employ or host SMK students; unpaid and overdue amounts.

Every figure is an SQL aggregate (both dialects, bound parameters through ``supply.Params``):
nothing here loops over the orders in Python.

- **Spend** counts the orders issued in the period (``issued_on``) that are issued, partly
  delivered or delivered: the sum of their lines' ``quantity × unit_price``. **Received** is
  what was accepted in good condition (``(received - damaged) × unit_price``), **paid** the
  sum of the buyer's payments on those orders.
- **Unpaid** is what the producers invoiced less what was paid, per order (never below 0);
  **overdue** is the part of it on invoices past their due date (payments settle the earliest
  invoices first).
- **On time**: an order line is on time when the delivery that brought its last good unit
  was received on or before the line's ``delivery_on``; late when that delivery came after
  it, or when the date has passed and the line is still short. Lines not yet due and not yet
  complete are not counted. Days late: of a completed late line, the days between its date
  and that delivery; of a short one, the days since its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from expo.errors import DomainError
from expo.exhibitors.models import Category
from expo.i18n import format_date
from expo.i18n import gettext as _

from .models import BuyerKind, DeliveryStatus, OrderStatus
from .supply import Params

SPEND_ORDERS = (OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED, OrderStatus.DELIVERED)
MAX_DAYS = 3 * 366  # the longest period a report covers


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """``2027`` for a calendar year, else ``2027-01-01_2027-03-31`` (file names)."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
                and self.start.year == self.end.year:
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def months(self) -> list[str]:
        """``YYYY-MM`` of every month the period touches."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def period_of(*, year: int | None = None, start: dt.date | None = None,
              end: dt.date | None = None, today: dt.date) -> Period:
    """The period asked for: from/to dates (both), else a year, else this year."""
    if start is not None or end is not None:
        if start is None:
            raise DomainError(_("Give the from date too."), "period_incomplete", field="from")
        if end is None:
            raise DomainError(_("Give the to date too."), "period_incomplete", field="to")
        if end < start:
            raise DomainError(_("The to date is before the from date."), "period_reversed",
                              field="to")
        if (end - start).days > MAX_DAYS:
            raise DomainError(_("At most three years at a time."), "period_too_long",
                              field="to")
        return Period(start, end)
    year = year or today.year
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    orders: int
    producers: int
    spend: int
    received: int
    paid: int
    share: float  # of the period's spend, 0..1


@dataclass(frozen=True)
class OnTime:
    producer_id: int
    name: str
    kabupaten: str
    lines: int
    on_time: int
    late: int
    days_late: float | None  # average over the late lines

    @property
    def share(self) -> float | None:
        return self.on_time / self.lines if self.lines else None


@dataclass(frozen=True)
class Totals:
    orders: int = 0
    producers: int = 0
    organisations: int = 0
    spend: int = 0
    received: int = 0
    paid: int = 0
    invoiced: int = 0
    unpaid: int = 0
    overdue: int = 0


@dataclass(frozen=True)
class Smk:
    spend: int
    orders: int
    producers: int
    share_spend: float | None
    share_orders: float | None


@dataclass(frozen=True)
class Report:
    period: Period
    kind: str
    today: dt.date
    totals: Totals
    per_organisation: list[Group]
    per_buyer_kabupaten: list[Group]
    per_producer_kabupaten: list[Group]
    per_category: list[Group]
    per_cluster: list[Group]
    per_month: list[Group]
    on_time: list[OnTime]
    smk: Smk


def _date(p: Params, value: dt.date) -> str:
    return p.add(value if p.pg else value.isoformat())


def _days(p: Params, later: str, earlier: str) -> str:
    """Whole days from ``earlier`` to ``later`` (SQL date expressions)."""
    if p.pg:
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _base(p: Params, period: Period, kind: str, today: dt.date) -> str:
    """A CTE ``base``: one row per counted order with its figures (values bound into ``p``).

    Lines, payments and invoices are summed per order in grouped subqueries over their own
    tables (each limited to the period's orders), joined on the order's id: the planner
    estimates those joins from the tables' statistics (a CTE joined to itself several times
    is estimated blind on PostgreSQL, and wildly)."""
    start, end = _date(p, period.start), _date(p, period.end)
    statuses = ", ".join(p.add(s.value) for s in SPEND_ORDERS)
    where = [f"o.status IN ({statuses})", f"o.issued_on >= {start}", f"o.issued_on <= {end}"]
    if kind:
        where.append(f"g.kind = {p.add(kind)}")
    due = _date(p, today)

    def per_order(alias: str, table: str, sums: str) -> str:
        return (f"(SELECT {alias}.order_id, {sums} FROM {table} {alias} "  # noqa: S608
                f"JOIN proc_orders x ON x.id = {alias}.order_id "
                f"WHERE x.issued_on >= {start} AND x.issued_on <= {end} "
                f"GROUP BY {alias}.order_id)")

    return (
        "WITH base AS (SELECT o.id, o.organisation_id, o.producer_id, o.issued_on, "  # noqa: S608
        "g.name AS org_name, g.kabupaten AS buyer_kab, pr.business_name, "
        "pr.kabupaten AS producer_kab, pr.category, pr.cluster, "
        "CASE WHEN pr.smk_workers > 0 OR pr.smk_interns > 0 THEN 1 ELSE 0 END AS smk, "
        "COALESCE(ls.spend, 0) AS spend, COALESCE(ls.received, 0) AS received, "
        "COALESCE(ps.paid, 0) AS paid, COALESCE(bs.invoiced, 0) AS invoiced, "
        "COALESCE(bs.due_invoiced, 0) AS due_invoiced "
        "FROM proc_orders o JOIN proc_organisations g ON g.id = o.organisation_id "
        "JOIN producers pr ON pr.id = o.producer_id "
        "LEFT JOIN " + per_order("l", "proc_order_lines",
                                 "SUM(l.quantity * l.unit_price) AS spend, "
                                 "SUM((l.received - l.damaged) * l.unit_price) AS received")
        + " ls ON ls.order_id = o.id "
        "LEFT JOIN " + per_order("y", "proc_payments", "SUM(y.amount) AS paid")
        + " ps ON ps.order_id = o.id "
        "LEFT JOIN " + per_order("i", "proc_invoices",
                                 "SUM(i.amount) AS invoiced, SUM(CASE WHEN i.due_on < "
                                 f"{due} THEN i.amount ELSE 0 END) AS due_invoiced")
        + " bs ON bs.order_id = o.id "
        f"WHERE {' AND '.join(where)}) ")


async def _rows(sql: str, values: Sequence[Any]) -> list[dict[str, Any]]:
    return list(await connections.get("default").execute_query_dict(sql, list(values)))


def _month(pg: bool) -> str:
    return "to_char(issued_on, 'YYYY-MM')" if pg else "substr(issued_on, 1, 7)"


def _dimensions(pg: bool) -> dict[str, tuple[str, str]]:
    """Each grouping: (its key, its label), SQL expressions over ``base``."""
    return {"organisation": ("organisation_id", "org_name"),
            "buyer_kabupaten": ("buyer_kab", "buyer_kab"),
            "producer_kabupaten": ("producer_kab", "producer_kab"),
            "category": ("category", "category"), "cluster": ("cluster", "cluster"),
            "month": (_month(pg), _month(pg)), "smk": ("smk", "smk")}


async def groups(*, period: Period, kind: str = "", today: dt.date
                 ) -> dict[str, list[dict[str, Any]]]:
    """Orders, producers, spend, received and paid per key of every grouping, most spend
    first: one statement (a ``UNION ALL`` over ``base``, which is computed once)."""
    p = Params()
    parts = [
        f"SELECT '{name}' AS dim, CAST({key} AS TEXT) AS key, "  # noqa: S608 - constants
        f"CAST(MAX({label}) AS TEXT) AS label, COUNT(*) AS orders, "
        "COUNT(DISTINCT producer_id) AS producers, SUM(spend) AS spend, "
        f"SUM(received) AS received, SUM(paid) AS paid FROM base GROUP BY {key}"
        for name, (key, label) in _dimensions(p.pg).items()]
    sql = _base(p, period, kind, today) + " UNION ALL ".join(parts)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in _dimensions(p.pg)}
    for row in await _rows(sql, p.values):
        out[str(row["dim"])].append(row)
    for rows in out.values():
        rows.sort(key=lambda r: (-int(r["spend"] or 0), str(r["key"] or "")))
    return out


def _group(row: dict[str, Any], label: str, total: int) -> Group:
    spend = int(row["spend"] or 0)
    return Group(key=str(row["key"] if row["key"] is not None else ""), label=label,
                 orders=int(row["orders"]), producers=int(row["producers"]), spend=spend,
                 received=int(row["received"] or 0), paid=int(row["paid"] or 0),
                 share=spend / total if total else 0.0)


async def totals(*, period: Period, kind: str = "", today: dt.date) -> Totals:
    p = Params()
    greatest = "GREATEST" if p.pg else "MAX"
    sql = _base(p, period, kind, today) + (  # noqa: S608 - constants and bound values only
        "SELECT COUNT(*) AS orders, COUNT(DISTINCT producer_id) AS producers, "  # noqa: S608
        "COUNT(DISTINCT organisation_id) AS organisations, COALESCE(SUM(spend), 0) AS spend, "
        "COALESCE(SUM(received), 0) AS received, COALESCE(SUM(paid), 0) AS paid, "
        "COALESCE(SUM(invoiced), 0) AS invoiced, "
        f"COALESCE(SUM({greatest}(invoiced - paid, 0)), 0) AS unpaid, "
        f"COALESCE(SUM({greatest}(due_invoiced - paid, 0)), 0) AS overdue FROM base")
    row = (await _rows(sql, p.values))[0]
    return Totals(**{k: int(v or 0) for k, v in row.items()})


def _smk(rows: list[dict[str, Any]], total: Totals) -> Smk:
    row = next((r for r in rows if str(r["key"]) == "1"), None) or {}
    spend, orders = int(row.get("spend") or 0), int(row.get("orders") or 0)
    return Smk(spend=spend, orders=orders, producers=int(row.get("producers") or 0),
               share_spend=spend / total.spend if total.spend else None,
               share_orders=orders / total.orders if total.orders else None)


def _completed_sql(p: Params) -> str:
    """``(line_id, done_on)``: the day the delivery that completed each line was received."""
    return (
        "SELECT c.line_id, MIN(c.received_on) AS done_on FROM ("  # noqa: S608
        " SELECT dl.line_id, d.received_on, SUM(dl.received - dl.damaged) OVER ("
        "  PARTITION BY dl.line_id ORDER BY d.received_on, d.seq"
        "  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS good"
        " FROM proc_delivery_lines dl JOIN proc_deliveries d ON d.id = dl.delivery_id"
        " JOIN proc_order_lines pl ON pl.id = dl.line_id JOIN base k ON k.id = pl.order_id"
        f" WHERE d.status = {p.add(DeliveryStatus.RECEIVED.value)}"
        "  AND d.received_on IS NOT NULL"
        ") c JOIN proc_order_lines ol ON ol.id = c.line_id"
        " WHERE c.good >= ol.quantity GROUP BY c.line_id")


async def on_time(*, period: Period, kind: str = "", today: dt.date) -> list[OnTime]:
    """Per producer: lines counted, on time, late, and the average days late."""
    p = Params()
    base = _base(p, period, kind, today)
    now = _date(p, today)
    done = _completed_sql(p)
    late = (f"(c.done_on IS NOT NULL AND c.done_on > l.delivery_on) OR "
            f"(c.done_on IS NULL AND l.delivery_on < {now})")
    days = _days(p, f"COALESCE(c.done_on, {now})", "l.delivery_on")
    sql = base + (
        "SELECT b.producer_id, MAX(b.business_name) AS name, MAX(b.producer_kab) AS kab, "  # noqa: S608
        "COUNT(*) AS lines, "
        "SUM(CASE WHEN c.done_on IS NOT NULL AND c.done_on <= l.delivery_on "
        "THEN 1 ELSE 0 END) AS on_time, "
        f"SUM(CASE WHEN {late} THEN 1 ELSE 0 END) AS late, "
        f"AVG(CASE WHEN {late} THEN {days} END) AS days_late "
        f"FROM base b JOIN proc_order_lines l ON l.order_id = b.id "
        f"LEFT JOIN ({done}) c ON c.line_id = l.id "
        f"WHERE c.done_on IS NOT NULL OR l.delivery_on < {now} "
        "GROUP BY b.producer_id ORDER BY MAX(b.business_name), b.producer_id")
    return [OnTime(producer_id=int(r["producer_id"]), name=str(r["name"]),
                   kabupaten=str(r["kab"] or ""), lines=int(r["lines"]),
                   on_time=int(r["on_time"] or 0), late=int(r["late"] or 0),
                   days_late=round(float(r["days_late"]), 1)
                   if r["days_late"] is not None else None)
            for r in await _rows(sql, p.values)]


def month_label(key: str) -> str:
    """``2027-03`` as the reader says it: "Mar 2027"."""
    year, month = key.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MMM y")


def _blank(value: Any) -> str:
    return str(value) if value else _("(not given)")


async def report(*, period: Period, kind: str = "", today: dt.date) -> Report:
    """Every figure of the reports page and workbook for ``period`` (and buyer ``kind``):
    three statements (totals, the groupings, on-time delivery)."""
    if kind and kind not in {k.value for k in BuyerKind}:
        kind = ""
    total = await totals(period=period, kind=kind, today=today)
    rows = await groups(period=period, kind=kind, today=today)

    def grouped(dim: str, name: Any) -> list[Group]:
        return [_group(r, name(r), total.spend) for r in rows[dim]]

    months = {g.key: g for g in grouped("month", lambda r: month_label(str(r["key"])))}
    return Report(
        period=period, kind=kind, today=today, totals=total,
        per_organisation=grouped("organisation", lambda r: str(r["label"])),
        per_buyer_kabupaten=grouped("buyer_kabupaten", lambda r: _blank(r["key"])),
        per_producer_kabupaten=grouped("producer_kabupaten", lambda r: _blank(r["key"])),
        per_category=grouped("category", lambda r: Category.label_of(r["key"])),
        per_cluster=grouped("cluster", lambda r: _blank(r["key"])),
        per_month=[months.get(m) or Group(m, month_label(m), 0, 0, 0, 0, 0, 0.0)
                   for m in period.months],
        on_time=await on_time(period=period, kind=kind, today=today),
        smk=_smk(rows["smk"], total))
