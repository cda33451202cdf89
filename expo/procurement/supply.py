"""Who can supply what by when: the capacity maths of ``expo.leads.capacity`` in SQL, over the
catalogue's listed producers, less what they have promised already.

A product's **producible** quantity by a date is its weekly capacity × production days / 7 (or
its monthly capacity × days / 30), production days being the days until the date less its lead
time. **Committed** is what its producer still owes on live orders (ordered, not yet accepted
in good condition) and on accepted quotes not yet ordered. **Spare** is the difference.

``supply_for`` lists the products that fit a request item, with their spare capacity: the
candidates of a split (``split``), the alternatives to a late order, and the catalogue's
"can deliver N by D" filter (``spare_sql`` builds the same expression into its query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from expo.leads import capacity

from .models import LIVE_ORDERS, QuoteStatus


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


class Params:
    """Bound parameters in the connection's dialect: ``p.add(value)`` gives ``?3`` or ``$3``."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.pg = is_postgres()

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.pg else f"?{len(self.values)}"


def producible_sql(days: str, *, pg: bool, alias: str = "p") -> str:
    """The SQL of a product's producible quantity in ``days`` (an SQL integer expression)."""
    greatest = "GREATEST" if pg else "MAX"
    working = f"{greatest}({days} - {alias}.lead_time_days, 0)"
    return (f"(CASE WHEN {alias}.capacity_per_week > 0 "
            f"THEN {alias}.capacity_per_week * {working} / 7 "
            f"ELSE {greatest}({alias}.capacity_per_month, 0) * {working} / 30 END)")


def committed_sql() -> str:
    """A subquery ``(product_id, committed)``: units still owed per product."""
    live = ", ".join(f"'{s.value}'" for s in LIVE_ORDERS)
    return (
        "SELECT product_id, SUM(owed) AS committed FROM ("  # noqa: S608 - constants only
        " SELECT l.product_id, l.quantity - (l.received - l.damaged) AS owed"
        " FROM proc_order_lines l JOIN proc_orders o ON o.id = l.order_id"
        f" WHERE o.status IN ({live}) AND l.product_id IS NOT NULL"
        " UNION ALL"
        " SELECT q.product_id, COALESCE(q.accepted_quantity, 0) AS owed FROM proc_quotes q"
        f" WHERE q.status = '{QuoteStatus.ACCEPTED.value}' AND q.product_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM proc_order_lines x WHERE x.quote_id = q.id)"
        ") owed GROUP BY product_id")


def spare_sql(days: str, *, pg: bool, alias: str = "p", committed: str = "c") -> str:
    greatest = "GREATEST" if pg else "MAX"
    return (f"{greatest}({producible_sql(days, pg=pg, alias=alias)} "
            f"- COALESCE({committed}.committed, 0), 0)")


@dataclass(frozen=True)
class Supply:
    product_id: int
    producer_id: int
    business_name: str
    product_name: str
    kind: str
    unit: str
    category: str
    cluster: str
    kabupaten: str
    price_min: int
    price_max: int
    min_order: int
    lead_time_days: int
    producible: int
    committed: int
    has_smk: bool

    @property
    def spare(self) -> int:
        return max(self.producible - self.committed, 0)


def production_days(*, today: dt.date, needed_by: dt.date) -> int:
    """Days from ``today`` to ``needed_by`` before any lead time (never negative)."""
    return capacity.production_days(today=today, needed_by=needed_by, lead_time_days=0)


def words_of(text: str) -> list[str]:
    return [w for w in text.lower().split() if len(w) > 2][:4]


async def supply_for(*, needed_by: dt.date, today: dt.date, name: str = "", kind: str = "",
                     category: str = "", cluster: str = "", unit: str = "",
                     exclude_producers: Sequence[int] = (), limit: int = 300) -> list[Supply]:
    """Products of listed producers that fit: the same ``kind`` when given (else a word of
    ``name`` in the product's name or kind), the same unit where both say one, in
    ``category`` / ``cluster`` when given; one row per producer (its product with the most
    spare capacity), most spare first."""
    p = Params()
    days = p.add(production_days(today=today, needed_by=needed_by))
    where = ["l.listed = " + ("TRUE" if p.pg else "1")]
    if kind:
        where.append(f"LOWER(p.kind) = {p.add(kind.strip().lower())}")
    elif name:
        words = words_of(name) or [name.strip().lower()]
        where.append("(" + " OR ".join(
            f"LOWER(p.name) LIKE {p.add('%' + w + '%')} OR LOWER(p.kind) = {p.add(w)}"
            for w in words) + ")")
    if unit:
        where.append(f"(p.capacity_unit = '' OR LOWER(p.capacity_unit) = "
                     f"{p.add(unit.strip().lower())})")
    if category:
        where.append(f"pr.category = {p.add(category)}")
    if cluster:
        where.append(f"pr.cluster = {p.add(cluster)}")
    if exclude_producers:
        where.append("pr.id NOT IN (" + ", ".join(p.add(i) for i in exclude_producers) + ")")
    made = producible_sql(days, pg=p.pg)
    sql = (
        f"SELECT p.id AS product_id, pr.id AS producer_id, pr.business_name, p.name, p.kind, "  # noqa: S608
        f"p.capacity_unit, pr.category, pr.cluster, pr.kabupaten, p.price_min, p.price_max, "
        f"p.min_order, p.lead_time_days, {made} AS producible, "
        f"COALESCE(c.committed, 0) AS committed, "
        f"(pr.smk_workers > 0 OR pr.smk_interns > 0) AS has_smk "
        f"FROM products p JOIN producers pr ON pr.id = p.producer_id "
        f"JOIN proc_listings l ON l.producer_id = pr.id "
        f"LEFT JOIN ({committed_sql()}) c ON c.product_id = p.id "
        f"WHERE {' AND '.join(where)} "
        f"ORDER BY {made} - COALESCE(c.committed, 0) DESC, p.id LIMIT {p.add(limit * 4)}")
    rows = await connections.get("default").execute_query_dict(sql, p.values)
    best: dict[int, Supply] = {}
    for row in rows:
        supply = Supply(
            product_id=row["product_id"], producer_id=row["producer_id"],
            business_name=row["business_name"], product_name=row["name"], kind=row["kind"],
            unit=row["capacity_unit"], category=row["category"], cluster=row["cluster"],
            kabupaten=row["kabupaten"], price_min=row["price_min"], price_max=row["price_max"],
            min_order=max(row["min_order"], 1), lead_time_days=row["lead_time_days"],
            producible=max(int(row["producible"]), 0), committed=int(row["committed"]),
            has_smk=bool(row["has_smk"]))
        if supply.producer_id not in best:  # rows come most spare first
            best[supply.producer_id] = supply
    return list(best.values())[:limit]
