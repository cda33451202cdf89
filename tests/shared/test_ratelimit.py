from expo.ratelimit import RateLimiter


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
