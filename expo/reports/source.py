"""The small pieces every sheet of the event workbook shares (a leaf: it imports no sheet).

A big sheet is a ``Source``: columns, a row count and a ``fetch(after_id, limit)`` that
returns the next chunk of rows, the row id first (keyset pagination). ``when`` and ``local``
turn the timestamps of raw SQL rows into the event's wall-clock time for Excel.

The modules of the workbook import downwards only::

    workbook  (assembles and writes the workbook)
      -> summary, sheets  (the sheets)
        -> leads_source  (what reports read from the leads domain)
          -> source  (this module)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from expo.xlsx import Column

Row = tuple[Any, ...]
Fetch = Callable[[int, int], Awaitable[list[Row]]]


@dataclass
class Source:
    title: str
    columns: Sequence[Column]
    count: Callable[[], Awaitable[int]]
    fetch: Fetch
    notes: Sequence[str] = ()


def local(at: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    """An aware datetime as the event's naive wall-clock time (Excel has no time zones)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(tz).replace(tzinfo=None)
