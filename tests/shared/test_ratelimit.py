import asyncio

import pytest

from expo.ratelimit import RateLimiter, SharedRateLimiter
from expo.ratelimit_models import RateHit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ratelimit_allows_the_limit_then_says_how_long_to_wait():
    clock = Clock()
    limiter = RateLimiter(limit=3, window=60, clock=clock)
    assert [limiter.hit("gate") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 10
    assert limiter.hit("gate") == 50.0
    assert limiter.hit("other") == 0.0


def test_ratelimit_window_slides():
    clock = Clock()
    limiter = RateLimiter(limit=2, window=60, clock=clock)
    limiter.hit("k")
    clock.now += 30
    limiter.hit("k")
    clock.now += 31  # the first hit has left the window, the second has not
    assert limiter.hit("k") == 0.0
    assert limiter.hit("k") > 0


def test_ratelimit_forgets_idle_keys_when_full():
    clock = Clock()
    limiter = RateLimiter(limit=1, window=60, clock=clock, max_keys=3)
    for key in "abc":
        limiter.hit(key)
    clock.now += 61
    limiter.hit("d")
    assert set(limiter._hits) == {"d"}


# ---- SharedRateLimiter: counts in the database, shared by every worker --------------------

async def test_shared_limit_holds_across_limiters_of_one_name(db):
    clock = Clock()  # 1000.0: 40 s into the window that started at 960
    worker_a = SharedRateLimiter("t", limit=3, window=60, clock=clock)
    worker_b = SharedRateLimiter("t", limit=3, window=60, clock=clock)  # another process
    assert [await worker_a.hit("gate"), await worker_b.hit("gate"),
            await worker_a.hit("gate")] == [0.0, 0.0, 0.0]
    wait = await worker_b.hit("gate")
    assert wait == pytest.approx(20.0 + 60.0 * (1 - 2 / 3))  # next window, then 1/3 of it
    assert await worker_b.hit("other") == 0.0
    assert await SharedRateLimiter("u", limit=3, window=60, clock=clock).hit("gate") == 0.0
    rows = {r.key: r.hits for r in await RateHit.all()}
    assert rows == {"t:gate": 3, "t:other": 1, "u:gate": 1}  # refused hits are not counted


async def test_shared_limit_slides_with_the_previous_window(db):
    clock = Clock()
    limiter = SharedRateLimiter("t", limit=4, window=60, clock=clock)
    for _ in range(4):
        assert await limiter.hit("k") == 0.0
    clock.now = 1020.0 + 15  # a quarter into the next window: 4 × 3/4 = 3 still count
    assert await limiter.hit("k") == 0.0
    wait = await limiter.hit("k")
    assert wait == pytest.approx(15.0)  # when 4 × (1 - f) + 1 <= 3: at half the window
    clock.now += wait
    assert await limiter.hit("k") == 0.0
    clock.now = 1140.0  # two windows later: nothing counts any more
    assert [await limiter.hit("k") for _ in range(4)] == [0.0] * 4


async def test_shared_limit_never_asks_to_wait_more_than_a_window(db):
    """The gate search's case: the limit reached a second into a window (the estimate alone
    would say 59 s to the next window and 3 s into it: 62 s)."""
    clock = Clock()
    clock.now = 1020.0 + 1
    limiter = SharedRateLimiter("t", limit=20, window=60, clock=clock)
    for _ in range(20):
        assert await limiter.hit("k") == 0.0
    wait = await limiter.hit("k")
    assert 0 < wait <= 60


async def test_shared_limit_deletes_old_windows_now_and_then(db):
    clock = Clock()
    limiter = SharedRateLimiter("t", limit=10, window=60, clock=clock, sweep_every=1)
    other = SharedRateLimiter("tt", limit=10, window=6000, clock=clock)
    await limiter.hit("k")
    await other.hit("k")
    clock.now += 180
    await limiter.hit("k")  # sweeps this limiter's rows older than two windows
    assert sorted((r.key, r.started) for r in await RateHit.all()) == [
        ("t:k", 1140), ("tt:k", 0)]


async def test_shared_limit_hashes_keys_longer_than_the_column(db):
    limiter = SharedRateLimiter("t", limit=1, window=60, clock=Clock())
    assert await limiter.hit("x" * 300) == 0.0
    assert await limiter.hit("x" * 300) > 0
    (row,) = await RateHit.all()
    assert row.key.startswith("t:#") and len(row.key) == 67


async def test_shared_limit_is_exact_under_concurrent_hits(db):
    limiter = SharedRateLimiter("t", limit=5, window=60, clock=Clock())
    waits = await asyncio.gather(*(limiter.hit("k") for _ in range(20)))
    assert sum(1 for w in waits if w == 0.0) == 5
