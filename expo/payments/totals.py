"""The committee's sums of booth fees for an event, counted by the database.

Every figure is one ``GROUP BY`` (or one aggregate) over the event's rows: an event of 2,000
exhibitors is a handful of short queries, never a walk over its invoices in Python. What is
added up here are the few grouped rows (one per status or method).

- Per status: the invoices of each status (drafts included; a draft cancelled before it was
  issued, which has no number, is left out), their total, what was credited and the net paid
  (``Invoice.paid`` is what was paid less what was refunded).
- Per method and per day: confirmed payments (money in); refunds per method apart.
- Overall: ``invoiced`` (every issued invoice's total), ``credited``, ``paid`` (confirmed
  payments, gross) and ``refunded``; ``outstanding`` what invoices awaiting payment still
  ask; ``overdue`` those past their due date (the event's calendar) that still ask something;
  ``subsidy`` the subsidy lines of live issued invoices (awaiting payment, paid or free), as a
  positive amount: what the funding office bears.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from expo.events.models import Event

from . import invoices
from .models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    Method,
    Payment,
    PaymentKind,
    PaymentState,
)

SUBSIDISED = (InvoiceStatus.ISSUED, InvoiceStatus.PAID, InvoiceStatus.FREE)


@dataclass(frozen=True)
class StatusTotal:
    status: InvoiceStatus
    count: int
    invoiced: int  # the invoices' totals
    credited: int
    paid: int  # net of refunds


@dataclass(frozen=True)
class MethodTotal:
    method: Method
    count: int
    amount: int


@dataclass(frozen=True)
class DayTotal:
    day: dt.date
    count: int
    amount: int


@dataclass(frozen=True)
class Totals:
    by_status: list[StatusTotal] = field(default_factory=list)
    by_method: list[MethodTotal] = field(default_factory=list)  # confirmed payments
    refunds_by_method: list[MethodTotal] = field(default_factory=list)
    by_day: list[DayTotal] = field(default_factory=list)  # confirmed payments, by paid_on
    invoiced: int = 0
    credited: int = 0
    paid: int = 0
    refunded: int = 0
    outstanding: int = 0
    overdue_count: int = 0
    overdue_amount: int = 0
    subsidy: int = 0

    @property
    def received(self) -> int:
        """What the committee holds: payments less refunds."""
        return self.paid - self.refunded

    def status(self, status: InvoiceStatus) -> StatusTotal:
        """The line of one status (zeros when no invoice has it)."""
        return next((s for s in self.by_status if s.status == status),
                    StatusTotal(status, 0, 0, 0, 0))


def _int(value: Any) -> int:
    return int(value or 0)  # SUM of no rows is NULL


async def _by_status(event: Event) -> list[StatusTotal]:
    numbered_or_draft = Q(number__not_isnull=True) | Q(status=InvoiceStatus.DRAFT)
    rows = await Invoice.filter(numbered_or_draft, event_id=event.id) \
        .annotate(n=Count("id"), invoiced=Sum("total"), credited=Sum("credited"),
                  paid=Sum("paid")) \
        .group_by("status").values("status", "n", "invoiced", "credited", "paid")
    order = list(InvoiceStatus)
    totals = [StatusTotal(InvoiceStatus(r["status"]), _int(r["n"]), _int(r["invoiced"]),
                          _int(r["credited"]), _int(r["paid"])) for r in rows]
    return sorted(totals, key=lambda s: order.index(s.status))


async def _by_method(event: Event, kind: PaymentKind) -> list[MethodTotal]:
    rows = await Payment.filter(event_id=event.id, kind=kind, state=PaymentState.CONFIRMED) \
        .annotate(n=Count("id"), amount=Sum("amount")) \
        .group_by("method").values("method", "n", "amount")
    order = list(Method)
    totals = [MethodTotal(Method(r["method"]), _int(r["n"]), _int(r["amount"])) for r in rows]
    return sorted(totals, key=lambda m: order.index(m.method))


async def _by_day(event: Event) -> list[DayTotal]:
    rows = await Payment.filter(event_id=event.id, kind=PaymentKind.PAYMENT,
                                state=PaymentState.CONFIRMED) \
        .annotate(n=Count("id"), amount=Sum("amount")) \
        .group_by("paid_on").order_by("paid_on").values("paid_on", "n", "amount")
    return [DayTotal(_day(r["paid_on"]), _int(r["n"]), _int(r["amount"])) for r in rows]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


async def _one(query: QuerySet[Any], *names: str) -> dict[str, int]:
    """The single row of an aggregate query, zeros when it matched nothing."""
    rows = await query.values(*names)
    row = rows[0] if rows else {}
    return {name: _int(row.get(name)) for name in names}


async def _overdue(event: Event, on: dt.date) -> tuple[int, int]:
    row = await _one(Invoice.filter(event_id=event.id, status=InvoiceStatus.ISSUED,
                                    due_on__lt=on)
                     .annotate(balance=F("total") - F("credited") - F("paid"))
                     .filter(balance__gt=0)
                     .annotate(n=Count("id"), owed=Sum(F("total") - F("credited") - F("paid")))
                     .group_by("status"), "n", "owed")
    return row["n"], row["owed"]


async def _subsidy(event: Event) -> int:
    row = await _one(InvoiceLine.filter(invoice__event_id=event.id, kind=LineKind.SUBSIDY,
                                        invoice__status__in=list(SUBSIDISED))
                     .annotate(amount=Sum("amount")).group_by("kind"), "amount")
    return -row["amount"]


async def totals(event: Event, *, on: dt.date | None = None) -> Totals:
    """The event's sums; ``on`` is the day overdue is judged on (today in the event's time
    zone by default)."""
    by_status = await _by_status(event)
    by_method = await _by_method(event, PaymentKind.PAYMENT)
    refunds = await _by_method(event, PaymentKind.REFUND)
    overdue_count, overdue_amount = await _overdue(event, on or invoices.today(event))
    issued = [s for s in by_status if s.status != InvoiceStatus.DRAFT]
    awaiting = next((s for s in by_status if s.status == InvoiceStatus.ISSUED), None)
    return Totals(
        by_status=by_status, by_method=by_method, refunds_by_method=refunds,
        by_day=await _by_day(event),
        invoiced=sum(s.invoiced for s in issued), credited=sum(s.credited for s in issued),
        paid=sum(m.amount for m in by_method), refunded=sum(m.amount for m in refunds),
        outstanding=(awaiting.invoiced - awaiting.credited - awaiting.paid) if awaiting else 0,
        overdue_count=overdue_count, overdue_amount=overdue_amount,
        subsidy=await _subsidy(event))
