"""What reports read from the leads domain, behind one small adapter.

The leads domain is built in parallel: until ``expo.leads.models`` exists, every function here
answers "no leads" and the workbook's Leads sheet says so. When it lands, only this module
changes.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from expo.events.models import Event


@dataclass
class AgencyInquiries:
    agency: str
    count: int
    quantity: int
    value: int


def _models() -> Any | None:
    try:
        return importlib.import_module("expo.leads.models")
    except ImportError:
        return None


def available() -> bool:
    return _models() is not None


async def lead_times(*, event: Event, since: dt.datetime | None = None) -> list[dt.datetime]:
    """When each lead of the event was captured (UTC)."""
    return []


async def top_stands(*, event: Event, limit: int = 10) -> list[tuple[str, int]]:
    """(business name, leads) for the stands with the most leads."""
    return []


async def inquiries_by_agency(*, event: Event) -> list[AgencyInquiries]:
    return []


async def count(*, event: Event) -> int:
    return 0


LEAD_HEADERS: Sequence[tuple[str, str]] = ()
Fetch = Callable[[int, int], Awaitable[list[tuple[Any, ...]]]]


async def lead_chunk(*, event: Event, after_id: int, limit: int) -> list[tuple[Any, ...]]:
    """Rows of the Leads sheet with id > ``after_id`` (the id first), at most ``limit``."""
    return []
