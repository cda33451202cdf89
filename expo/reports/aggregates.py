"""Counting in SQL for the live dashboard: rows per time range, in both dialects.

The dashboard shows hours of the event's local time. Local hours are ranges of instants:
``hour_ranges`` turns one local day into UTC ranges (23 to 25 of them, with daylight saving
time), and ``range_counts`` counts the rows of each range with one correlated ``COUNT(*)``
per range. With an index that ends in the time column, every count is a range of that index:
no row is read twice, nothing is sorted, and no timestamp is converted row by row (SQLite
stores datetimes as ISO text in UTC, where text order is time order; PostgreSQL compares
``timestamptz``). ``quarter_hours`` is the general fallback: rows grouped by UTC quarter-hour
in SQL (every time zone in use is a whole number of quarter-hours from UTC), for the few rows
that fall outside the ranges.

Only integers and this module's constants reach the SQL text; values are bound parameters.

The dashboard's counts walk these indexes (issue 11); without them every range count reads
the day's rows again:

- ``visitor_scans (event_id, day, ok, direction, gate_id, scanned_at)``: check-ins per gate and
  local hour (it also serves what ``(event_id, day, ok)`` served);
- ``visitor_scans (event_id, day, ok, direction, visitor_id)``: COUNT(DISTINCT visitor_id);
- ``leads (event_id, first_at)``: leads per local hour;
- ``leads (event_id, application_id, last_at)``: leads per stand, each stand's latest lead;
- ``visitors (event_id, created_at)`` and ``visitors (event_id, last_in_day, inside)``:
  registrations (all, today) and who is inside.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

QUARTER = dt.timedelta(minutes=15)
# Open ends for rows outside the day's ranges (text order holds for SQLite's ISO strings).
BEFORE = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
AFTER = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)

Range = tuple[dt.datetime, dt.datetime]


def hour_ranges(day: dt.date, tz: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """(UTC start, UTC end, local hour) of each local hour of ``day``, in order."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    ranges: list[tuple[dt.datetime, dt.datetime, int]] = []
    lo, at = start, start
    while at < end:
        at = min(at + QUARTER, end)
        before, now = lo.astimezone(tz), at.astimezone(tz)
        if at == end or (now.hour, now.utcoffset()) != (before.hour, before.utcoffset()):
            ranges.append((lo, at, before.hour))
            lo = at
    return ranges


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def param(n: int, cast: str = "", *, pg: bool | None = None) -> str:
    """The ``n``-th (1-based) bound parameter in the connection's dialect (``cast`` is a
    PostgreSQL type, for parameters whose type the statement does not tell)."""
    if is_postgres() if pg is None else pg:
        return f"${n}::{cast}" if cast else f"${n}"
    return f"?{n}"


def _db_time(value: Any) -> Any:
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else value


async def range_counts(*, table: str, column: str, where: str, params: Sequence[Any],
                       ranges: Sequence[Range]) -> list[int]:
    """Rows of ``table`` matching ``where`` (written with ``param(1..len(params))``) whose
    ``column`` lies in each ``[start, end)`` of ``ranges``; one count per range."""
    if not ranges:
        return []
    first, pg = len(params) + 1, is_postgres()
    rows = ", ".join(f"({i}, {param(first + 2 * i, 'timestamptz', pg=pg)}, "
                     f"{param(first + 2 * i + 1, 'timestamptz', pg=pg)})"
                     for i in range(len(ranges)))
    sql = (f"WITH b(i, lo, hi) AS (VALUES {rows}) SELECT b.i AS i, "  # noqa: S608
           f"(SELECT COUNT(*) FROM {table} t WHERE {where} AND t.{column} >= b.lo "
           f"AND t.{column} < b.hi) AS n FROM b ORDER BY b.i")
    values = [*params, *(_db_time(v) for r in ranges for v in r)]
    result = await connections.get("default").execute_query_dict(sql, values)
    counts = [0] * len(ranges)
    for row in result:
        counts[int(row["i"])] = int(row["n"])
    return counts


def _quarter_sql(column: str) -> str:
    if is_postgres():
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM t.{column}) / 900) AS BIGINT)"
    return f"CAST(strftime('%s', t.{column}) AS INTEGER) / 900"


async def quarter_hours(*, table: str, column: str, where: str, params: Sequence[Any],
                        tz: ZoneInfo) -> Counter[int]:
    """Rows of ``table`` matching ``where`` per local hour of ``column`` (grouped by UTC
    quarter-hour in SQL, shifted into local hours here)."""
    bucket = _quarter_sql(column)
    sql = (f"SELECT {bucket} AS q, COUNT(*) AS n FROM {table} t "  # noqa: S608
           f"WHERE {where} GROUP BY {bucket}")
    hours: Counter[int] = Counter()
    values = [_db_time(v) for v in params]
    for row in await connections.get("default").execute_query_dict(sql, values):
        at = dt.datetime.fromtimestamp(int(row["q"]) * 900, dt.UTC)
        hours[at.astimezone(tz).hour] += int(row["n"])
    return hours
