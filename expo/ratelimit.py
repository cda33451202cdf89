"""Rate limiters: hits per key in a sliding window.

For lookups that reveal personal data to a device, such as the gate's search by name or phone
(a stolen gate token must not become a way to list the visitors), and for pages anyone can
hammer (a quote's link, "find my ticket").

- ``SharedRateLimiter`` holds across every worker and host: its counts are rows of
  ``rate_hits`` (``expo.ratelimit_models``), one per key and fixed window, raised by one
  conditional upsert. It is an estimate of a sliding window: the current window's hits plus
  the previous window's, weighted by how much of it still lies within ``window`` seconds of
  now (what Cloudflare and nginx-style limiters do); a burst straddling two windows can reach
  the limit once in each, never more. Two statements per hit: these are not hot paths. Rows of
  windows long past are deleted now and then by the hits themselves (one in ``SWEEP_EVERY``).
- ``RateLimiter`` counts in the worker's memory (exact, no I/O; with W workers a key gets W ×
  ``limit``): for what one process alone must limit.

Sign-in throttling is kept in the database too (``expo.accounts``).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from collections import deque
from collections.abc import Callable, Hashable

from tortoise import connections

SWEEP_EVERY = 200  # one hit in so many deletes this limiter's rows older than two windows


class RateLimiter:
    def __init__(self, limit: int, window: float, *,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._hits: dict[Hashable, deque[float]] = {}

    def hit(self, key: Hashable) -> float:
        """Count one hit; 0 when allowed, else the seconds to wait before the next one."""
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._forget_idle(now)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(0.001, hits[0] + self.window - now)
        hits.append(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
        if len(self._hits) >= self.max_keys:
            self._hits.clear()


class SharedRateLimiter:
    """``limit`` hits per ``window`` seconds (whole seconds) for each key, counted in the
    database: every worker and host sees the same counts. ``name`` sets its keys apart from
    other limiters' in the shared table."""

    def __init__(self, name: str, limit: int, window: int, *,
                 clock: Callable[[], float] = time.time, sweep_every: int = SWEEP_EVERY):
        if ":" in name or not 0 < len(name) <= 40:
            raise ValueError("a limiter's name: 1 to 40 characters, no colon")
        self.name, self.limit, self.window = name, limit, max(1, int(window))
        self.clock, self.sweep_every = clock, sweep_every

    def _key(self, key: Hashable) -> str:
        text = f"{self.name}:{key}"
        if len(text) > 200:  # the column's size: a long key by its digest
            text = f"{self.name}:#{hashlib.sha256(text.encode()).hexdigest()}"
        return text

    async def hit(self, key: Hashable) -> float:
        """Count one hit; 0 when allowed, else the seconds to wait before the next one (a
        refused hit is not counted, as with ``RateLimiter``)."""
        now = self.clock()
        started = int(now // self.window) * self.window
        into = (now - started) / self.window  # how far into the current window, 0..1
        name = self._key(key)
        conn = connections.get("default")
        postgres = conn.capabilities.dialect == "postgres"
        rows = await conn.execute_query_dict(_sql(_COUNTS, postgres),
                                             [name, started - self.window, started])
        counts = {int(row["started"]): int(row["hits"]) for row in rows}
        previous, current = counts.get(started - self.window, 0), counts.get(started, 0)
        # Allowed while previous × (1 - into) + current + 1 <= limit; the room for current is
        # checked again by the upsert, atomically, against the hits other workers counted.
        room = math.ceil(self.limit - previous * (1 - into))
        allowed = room > 0 and bool(await conn.execute_query_dict(
            _sql(_HIT, postgres), [name, started, room]))
        if allowed and self.sweep_every and random.randrange(self.sweep_every) == 0:
            await conn.execute_query(_sql(_SWEEP, postgres),
                                     [len(self.name) + 1, self.name + ":",
                                      started - 2 * self.window])
        if allowed:
            return 0.0
        return self._wait(previous, max(current, room), into)

    def _wait(self, previous: int, current: int, into: float) -> float:
        """Seconds until the estimate leaves room for one hit, if nobody else hits: at most
        one window (what a sliding window promises; the estimate could say a little more)."""
        return min(float(self.window), self._estimated_wait(previous, current, into))

    def _estimated_wait(self, previous: int, current: int, into: float) -> float:
        fits = self.limit - 1
        if current <= fits and previous:
            needed = 1 - (fits - current) / previous  # within this window
            return max(0.001, (needed - into) * self.window)
        rest = (1 - into) * self.window  # to the next window, where "current" is "previous"
        needed = max(0.0, 1 - fits / current) if current else 0.0
        return max(0.001, rest + needed * self.window)


_COUNTS = "SELECT started, hits FROM rate_hits WHERE key = ? AND started IN (?, ?)"
# Counts the hit unless the window holds ``room`` hits already (then no row comes back).
_HIT = ("INSERT INTO rate_hits (key, started, hits) VALUES (?, ?, 1) "
        "ON CONFLICT (key, started) DO UPDATE SET hits = rate_hits.hits + 1 "
        "WHERE rate_hits.hits < ? RETURNING hits")
_SWEEP = "DELETE FROM rate_hits WHERE substr(key, 1, ?) = ? AND started < ?"


def _sql(text: str, postgres: bool) -> str:
    if not postgres:
        return text
    parts = text.split("?")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))
