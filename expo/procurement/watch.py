"""Late, short and unpaid orders, computed in SQL, for the lists, the order page, the trade
office's watch page and a daily job.

- **late**: an issued or partly delivered order with a line past its delivery date and still
  owed, or a scheduled delivery past its planned date;
- **short**: a live order with a received delivery that brought less (in good condition) than
  was planned;
- **unpaid**: invoiced more than paid; **overdue**: the invoices already past their due date
  add up to more than was paid (small producers cannot wait months).

For a late or short order, the alternatives are other listed producers with spare capacity
for its lines, the same cluster first (``supply.supply_for``). The job ``procurement.watch``
(daily) emails the buyer's staff and the trade office about each order that became late, once
per order and deadline (keyed: a second run sends nothing twice).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from tortoise import connections

from expo import i18n
from expo.accounts.models import User
from expo.exhibitors.models import Producer
from expo.i18n import format_date
from expo.i18n import gettext as _
from expo.jobs import queue, worker
from expo.messages import service as messages
from expo.messages.service import Recipient
from expo.outbox import Channel

from . import supply
from .models import (
    BuyerMember,
    DeliveryStatus,
    OfficeStaff,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
)

log = logging.getLogger("expo.procurement")

KIND = "procurement.watch"
PER_PAGE = 25
ALTERNATIVES = 5
FLAGS = ("late", "short", "unpaid", "overdue")
WATCHED = (OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED)
PAID_STATES = (OrderStatus.ISSUED, OrderStatus.PARTLY_DELIVERED, OrderStatus.DELIVERED)

worker.every(KIND, 86400)


@dataclass(frozen=True)
class Scope:
    """Which orders: none given is all of them (the trade office)."""

    organisation_ids: tuple[int, ...] = ()
    producer_ids: tuple[int, ...] = ()
    issued_only: bool = False  # a producer's list: orders given a number


@dataclass
class Flags:
    late: bool = False
    short: bool = False
    invoiced: int = 0
    paid: int = 0
    overdue: bool = False
    late_since: dt.date | None = None

    @property
    def unpaid(self) -> bool:
        return self.invoiced > self.paid


@dataclass
class Row:
    order: PurchaseOrder
    flags: Flags


@dataclass
class Page:
    rows: list[Row]
    page: int
    has_next: bool
    total: int = 0
    status: str = ""
    flag: str = ""

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _flags_select(p: supply.Params, today: dt.date) -> str:
    """Columns ``id, late_since, short, invoiced, paid, due_invoiced`` per order ``o``."""
    day = p.add(today)
    watched = _in(tuple(s.value for s in WATCHED))
    return (
        "SELECT o.id, "  # noqa: S608 - placeholders and constants only
        f"(CASE WHEN o.status IN ({watched}) THEN (SELECT MAX(x.d) FROM ("
        " SELECT l.delivery_on AS d FROM proc_order_lines l WHERE l.order_id = o.id"
        f" AND l.delivery_on < {day} AND l.quantity - (l.received - l.damaged) > 0"
        " UNION ALL SELECT d.planned_on AS d FROM proc_deliveries d WHERE d.order_id = o.id"
        f" AND d.status = '{DeliveryStatus.SCHEDULED.value}' AND d.planned_on < {day}) x)"
        " END) AS late_since, "
        f"(CASE WHEN o.status IN ({watched}) AND EXISTS (SELECT 1 FROM proc_deliveries d"
        " JOIN proc_delivery_lines dl ON dl.delivery_id = d.id WHERE d.order_id = o.id"
        f" AND d.status = '{DeliveryStatus.RECEIVED.value}'"
        " AND dl.received - dl.damaged < dl.planned) THEN 1 ELSE 0 END) AS short, "
        "COALESCE((SELECT SUM(i.amount) FROM proc_invoices i WHERE i.order_id = o.id), 0)"
        " AS invoiced, "
        "COALESCE((SELECT SUM(y.amount) FROM proc_payments y WHERE y.order_id = o.id), 0)"
        " AS paid, "
        "COALESCE((SELECT SUM(i.amount) FROM proc_invoices i WHERE i.order_id = o.id"
        f" AND i.due_on < {day}), 0) AS due_invoiced "
        "FROM proc_orders o")


def _where(p: supply.Params, scope: Scope, status: str) -> list[str]:
    where = []
    if scope.organisation_ids:
        where.append("o.organisation_id IN (" + ", ".join(
            p.add(i) for i in scope.organisation_ids) + ")")
    if scope.producer_ids:
        where.append("o.producer_id IN (" + ", ".join(
            p.add(i) for i in scope.producer_ids) + ")")
    if scope.issued_only:
        where.append("o.number IS NOT NULL")
    if status in {s.value for s in OrderStatus}:
        where.append(f"o.status = {p.add(status)}")
    return where


FLAG_SQL = {
    "late": "f.late_since IS NOT NULL",
    "short": "f.short = 1",
    "unpaid": "f.invoiced > f.paid",
    "overdue": "f.due_invoiced > f.paid",
}


def _as_date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _flags(row: dict[str, object]) -> Flags:
    paid, due = int(row["paid"] or 0), int(row["due_invoiced"] or 0)  # type: ignore[call-overload]
    since = _as_date(row["late_since"])
    return Flags(late=since is not None, late_since=since, short=bool(row["short"]),
                 invoiced=int(row["invoiced"] or 0), paid=paid,  # type: ignore[call-overload]
                 overdue=due > paid)


async def _query(*, scope: Scope, today: dt.date, status: str = "", flag: str = "",
                 order_ids: tuple[int, ...] = (), limit: int | None = None,
                 offset: int = 0) -> list[dict[str, object]]:
    p = supply.Params()
    inner = _flags_select(p, today)
    where = _where(p, scope, status)
    if order_ids:
        where.append("o.id IN (" + ", ".join(p.add(i) for i in order_ids) + ")")
    if where:
        inner += " WHERE " + " AND ".join(where)
    sql = f"SELECT * FROM ({inner}) f"  # noqa: S608 - placeholders and constants only
    if flag in FLAG_SQL:
        sql += " WHERE " + FLAG_SQL[flag]
    sql += " ORDER BY f.id DESC"
    if limit is not None:
        sql += f" LIMIT {p.add(limit)} OFFSET {p.add(offset)}"
    return list(await connections.get("default").execute_query_dict(sql, p.values))


async def flags_of(order: PurchaseOrder, *, today: dt.date) -> Flags:
    rows = await _query(scope=Scope(), today=today, order_ids=(order.id,))
    return _flags(rows[0]) if rows else Flags()


async def _rows(raw: list[dict[str, object]]) -> list[Row]:
    ids = [int(r["id"]) for r in raw]  # type: ignore[call-overload]
    orders = {o.id: o for o in await PurchaseOrder.filter(id__in=ids or [0]).select_related(
        "producer", "organisation", "request")}
    return [Row(orders[int(r["id"])], _flags(r))  # type: ignore[call-overload]
            for r in raw if int(r["id"]) in orders]  # type: ignore[call-overload]


async def page(*, scope: Scope, today: dt.date, status: str = "", flag: str = "",
               page: int = 1) -> Page:
    """One page of orders, newest first, with their flags; ``flag`` one of ``FLAGS``."""
    page = max(page, 1)
    raw = await _query(scope=scope, today=today, status=status, flag=flag,
                       limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    return Page(rows=await _rows(raw[:PER_PAGE]), page=page, has_next=len(raw) > PER_PAGE,
                status=status, flag=flag if flag in FLAGS else "")


# ---- alternatives -------------------------------------------------------------------------

@dataclass
class Alternatives:
    """For each outstanding line of a late or short order: who else could supply it."""

    line: OrderLine
    supplies: list[supply.Supply] = field(default_factory=list)


async def alternatives(order: PurchaseOrder, *, today: dt.date) -> list[Alternatives]:
    lines = await OrderLine.filter(order_id=order.id).select_related("item")
    producer = await Producer.get(id=order.producer_id)
    out = []
    for line in lines:
        if line.outstanding <= 0:
            continue
        needed_by = line.item.needed_by if line.item.needed_by > today \
            else today + dt.timedelta(days=7)
        ask = {"kind": line.item.kind, "name": line.name, "unit": line.unit,
               "needed_by": needed_by, "today": today,
               "exclude_producers": [order.producer_id], "limit": ALTERNATIVES}
        cluster = line.item.cluster or producer.cluster
        found = await supply.supply_for(cluster=cluster, **ask) if cluster else []  # type: ignore[arg-type]
        if len(found) < ALTERNATIVES:
            seen = {s.producer_id for s in found}
            found += [s for s in await supply.supply_for(**ask)  # type: ignore[arg-type]
                      if s.producer_id not in seen]
        able = [s for s in found if s.spare > 0]  # none to spare by then: no help
        out.append(Alternatives(line, able[:ALTERNATIVES]))
    return out


@dataclass
class Watch:
    late: list[Row]
    short: list[Row]
    overdue: list[Row]
    alternatives: dict[int, list[Alternatives]]


async def overview(*, today: dt.date, limit: int = 50) -> Watch:
    """The trade office's watch: late, short, overdue orders, alternatives for the first."""
    lists = {flag: await _rows(await _query(scope=Scope(), today=today, flag=flag, limit=limit))
             for flag in ("late", "short", "overdue")}
    options: dict[int, list[Alternatives]] = {}
    for row in lists["late"] + lists["short"]:
        if row.order.id not in options and len(options) < 20:
            options[row.order.id] = await alternatives(row.order, today=today)
    return Watch(lists["late"], lists["short"], lists["overdue"], options)


# ---- the daily job ------------------------------------------------------------------------

def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo(i18n.DEFAULT_TIMEZONE)).date()


async def _watchers(organisation_id: int) -> list[User]:
    staff = [m.user for m in await BuyerMember.filter(organisation_id=organisation_id)
             .order_by("id").select_related("user")]
    office = [s.user for s in await OfficeStaff.all().order_by("id").select_related("user")]
    seen: dict[int, User] = {}
    for user in staff + office:
        seen.setdefault(user.id, user)
    return [u for u in seen.values() if u.is_active and u.email]


async def tell_late(row: Row) -> int:
    """Email the buyer's staff and the trade office that an order is late (keyed by the
    deadline it missed: once)."""
    order, since = row.order, row.flags.late_since
    sent = 0
    for user in await _watchers(order.organisation_id):
        with i18n.using(user.locale):
            subject = _("Late delivery: order %(number)s from %(producer)s",
                        number=order.number, producer=order.producer.business_name)
            text = _("Order %(number)s of %(buyer)s from %(producer)s was due on %(due)s and "
                     "is not fully delivered. The order page shows who else can supply it.",
                     number=order.number, buyer=order.organisation.name,
                     producer=order.producer.business_name, due=format_date(since, "long"))
            rows = await messages.send(
                to=Recipient(name=user.name, email=user.email, locale=user.locale),
                kind="procurement.late", key=f"procurement.late:{order.id}:{since}:u{user.id}",
                event_id=None, subject=subject,
                text=text + "\n\n" + messages.base_url() + f"/procurement/orders/{order.id}",
                channels=(Channel.EMAIL,))
            sent += len(rows)
    return sent


async def run(*, today: dt.date) -> int:
    """Tell about every late order; returns how many orders were looked at."""
    raw = await _query(scope=Scope(), today=today, flag="late")
    rows = await _rows(raw)
    for row in rows:
        try:
            await tell_late(row)
        except Exception:  # one order's trouble must not stop the others
            log.exception("late notice for order %s failed", row.order.id)
    return len(rows)


@queue.handler(KIND, max_attempts=3, backoff=300.0, timeout=900.0)
async def daily(job: queue.RunningJob) -> None:
    raw = job.payload.get("today")
    on = dt.date.fromisoformat(str(raw)) if raw else _today()
    count = await run(today=on)
    if count:
        log.info("procurement watch: %s late orders", count)
