"""Sign-in throttling in the database, so that it holds across workers and parallel requests.

Each key (``email:...`` or ``ip:...``) has a row: attempts in the current window, when the
window started, and until when the key is locked. Before a password is verified, an attempt
is *reserved* with one atomic upsert that also says whether it is allowed: the check and the
count are one statement, so parallel guesses cannot all pass a check that none of them has
counted yet. A reserved attempt counts as a failure unless it is released (the address's on
success) or cleared (the account's on success).

The ``limit``-th attempt within ``window`` locks the key for ``lock``; attempts while locked
are refused (and counted); once the window has passed or the lock has ended, counting starts
again at one.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from tortoise import connections

from expo.accounts.models import LoginThrottle
from expo.db import row_datetime


@dataclass(frozen=True)
class Rule:
    limit: int
    window: dt.timedelta
    lock: dt.timedelta


@dataclass(frozen=True)
class Reservation:
    allowed: bool
    locked_until: dt.datetime | None


# "t.locked_until > ?" is "locked now"; "(t.window_start <= ? OR t.locked_until IS NOT NULL)",
# tested after it, is "the window has passed or the lock has ended": start again at one.
_RESERVE = """
INSERT INTO login_throttle AS t (key, failures, window_start, locked_until)
VALUES (?, 1, ?, NULL)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE
    WHEN t.locked_until > ? THEN t.failures + 1
    WHEN (t.window_start <= ? OR t.locked_until IS NOT NULL) THEN 1
    ELSE t.failures + 1 END,
  window_start = CASE
    WHEN t.locked_until > ? THEN t.window_start
    WHEN (t.window_start <= ? OR t.locked_until IS NOT NULL) THEN ?
    ELSE t.window_start END,
  locked_until = CASE
    WHEN t.locked_until > ? THEN t.locked_until
    WHEN (t.window_start <= ? OR t.locked_until IS NOT NULL) THEN NULL
    WHEN t.failures + 1 >= ? THEN ?
    ELSE NULL END
RETURNING failures, locked_until
"""
_RELEASE = """
UPDATE login_throttle SET failures = failures - 1,
  locked_until = CASE WHEN failures - 1 < ? THEN NULL ELSE locked_until END
WHERE key = ? AND failures > 0
"""


def _conn() -> Any:
    """The connection now in use (a caller's transaction, if any): Tortoise's public API."""
    return connections.get("default")


@functools.cache
def _dialect_sql(dialect: str, text: str) -> str:
    if dialect != "postgres":
        return text
    parts = text.split("?")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))


def _sql(conn: Any, text: str) -> str:
    """``?`` placeholders as the connection's dialect wants them (``$1``... on PostgreSQL)."""
    return _dialect_sql(conn.capabilities.dialect, text)


async def reserve(key: str, rule: Rule, *, now: dt.datetime) -> Reservation:
    """Count one attempt for ``key`` and say whether it may go ahead (one statement)."""
    if rule.limit < 2:
        raise ValueError("a throttle needs a limit of at least 2")
    conn = _conn()
    stale = now - rule.window
    values = [key, now, now, stale, now, stale, now, now, stale, rule.limit, now + rule.lock]
    rows = await conn.execute_query_dict(_sql(conn, _RESERVE), values)
    row = rows[0]
    return Reservation(allowed=int(row["failures"]) <= rule.limit,
                       locked_until=row_datetime(row["locked_until"]))


async def release(key: str, rule: Rule) -> None:
    """Give back an attempt that turned out not to be a failure."""
    conn = _conn()
    await conn.execute_query(_sql(conn, _RELEASE), [rule.limit, key])


async def clear(key: str) -> None:
    await LoginThrottle.filter(key=key).delete()
