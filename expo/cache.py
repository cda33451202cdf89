"""Builds shared between requests for a few seconds.

A page that many people reload (the committee's dashboard, the public floor map on every
visitor's phone) is built once per key every ``ttl`` seconds; requests that arrive while it is
being built wait for that build instead of starting their own. A failed build is not kept.

A key that holds a version read from the database (the public map's ``Event.plan_version``,
``expo.booths.routes``) is never stale: a change makes a new key, on every worker and host.
There the ttl is only a backstop, and ``size`` what bounds the memory (oldest key out first).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SharedBuilds(Generic[K, V]):
    def __init__(self, ttl: float = 5.0, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[K, tuple[float, asyncio.Future[V]]] = {}

    async def get(self, key: K, build: Callable[[], Awaitable[V]]) -> V:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is None or (entry[1].done() and now - entry[0] >= self.ttl):
            self._forget_old(now)
            entry = (now, asyncio.ensure_future(build()))
            self._entries[key] = entry
        try:
            # A request that goes away (a closed tab) must not cancel the others' build.
            return await asyncio.shield(entry[1])
        except Exception:
            if self._entries.get(key) is entry:
                del self._entries[key]  # the next request tries again
            raise

    def _forget_old(self, now: float) -> None:
        for key, (started, future) in list(self._entries.items()):
            if future.done() and now - started >= self.ttl:
                del self._entries[key]
        while len(self._entries) >= self.size:  # many distinct keys (searches): oldest out
            del self._entries[next(iter(self._entries))]
