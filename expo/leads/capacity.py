"""Capacity maths, pure and dated: what a producer can make before a needed-by date, and how
an order too large for one producer is split across a cluster.

A producer with a weekly capacity ``c`` and a lead time of ``L`` days, asked on ``today`` for
a date ``d``, has ``(d - today).days - L`` working days: ``c × days / 7`` units (rounded
down), never negative; with a monthly capacity ``m`` instead, ``m × days / 30``. Quantities
already promised in active grouped-offer shares are spare capacity no more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass


def production_days(*, today: dt.date, needed_by: dt.date | None, lead_time_days: int,
                    horizon_days: int = 28) -> int:
    """Days of production before ``needed_by`` (``horizon_days`` when there is no date)."""
    if needed_by is None:
        return max(horizon_days - max(lead_time_days, 0), 0)
    return max((needed_by - today).days - max(lead_time_days, 0), 0)


def producible(*, capacity_per_week: int, lead_time_days: int, today: dt.date,
               needed_by: dt.date | None, capacity_per_month: int = 0) -> int:
    """Weekly capacity × weeks (or, when no weekly capacity is set, monthly capacity × days
    / 30), after the lead time."""
    days = production_days(today=today, needed_by=needed_by, lead_time_days=lead_time_days)
    if capacity_per_week > 0:
        return capacity_per_week * days // 7
    return max(capacity_per_month, 0) * days // 30


def spare(*, capacity_per_week: int, lead_time_days: int, today: dt.date,
          needed_by: dt.date | None, committed: int = 0) -> int:
    return max(producible(capacity_per_week=capacity_per_week, lead_time_days=lead_time_days,
                          today=today, needed_by=needed_by) - committed, 0)


@dataclass(frozen=True)
class Supplier:
    key: int  # the application id
    spare: int


@dataclass(frozen=True)
class Split:
    shares: dict[int, int]
    shortfall: int

    @property
    def covered(self) -> bool:
        return self.shortfall == 0


def split(*, quantity: int, first: Supplier | None, others: Sequence[Supplier]) -> Split:
    """The asked producer takes what it can, then the others by largest spare capacity."""
    order = ([first] if first is not None else []) + sorted(
        others, key=lambda s: (-s.spare, s.key))
    left, shares = max(quantity, 0), {}
    for supplier in order:
        if left <= 0:
            break
        take = min(supplier.spare, left)
        if take > 0:
            shares[supplier.key] = take
            left -= take
    return Split(shares=shares, shortfall=left)
