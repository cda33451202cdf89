"""A small in-process rate limiter (sliding window of hits per key).

For lookups that reveal personal data to a device, such as the gate's search by name or phone:
a stolen gate token must not become a way to list the visitors. Counts live in the worker's
memory, so with W workers a key gets at most W × ``limit`` hits per window; sign-in throttling,
which must hold across workers, is kept in the database instead (``expo.accounts``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


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
