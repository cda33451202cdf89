"""Sign-in throttling: per account (5 failures in 15 minutes) and, far higher, per address."""

import asyncio
import datetime as dt

import pytest

from expo.accounts import service
from expo.errors import DomainError
from tests.factories import PASSWORD, make_user

T0 = dt.datetime(2027, 4, 20, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    """The service's clock, frozen at ``clock.now`` (move it by assigning)."""

    class Clock:
        now = T0

    monkeypatch.setattr(service, "_now", lambda: Clock.now)
    return Clock


@pytest.fixture
def verified(monkeypatch):
    """Counts the password verifications (a quick check instead of argon2)."""
    calls: list[str] = []

    def verify(password_hash: str, password: str) -> bool:
        calls.append(password)
        return password == PASSWORD

    monkeypatch.setattr(service, "verify_password", verify)
    return calls


async def _attempt(email: str, password: str, ip: str) -> str:
    try:
        await service.authenticate(email=email, password=password, client_ip=ip)
    except DomainError as exc:
        return f"{exc.code}:{exc.status_code}"
    return "ok"


async def test_authenticate_checks_at_most_five_of_thirty_parallel_guesses(db, verified):
    user = await make_user()
    outcomes = await asyncio.gather(*[_attempt(user.email, f"guess-{i}", "10.0.0.1")
                                      for i in range(30)])
    assert len(verified) <= service.MAX_FAILURES
    assert outcomes.count("login_failed:400") == len(verified)
    assert outcomes.count("login_throttled:429") == 30 - len(verified)
    assert await _attempt(user.email, PASSWORD, "10.0.0.2") == "login_throttled:429"


async def test_authenticate_locks_the_guessed_account_not_the_address(db, verified, clock):
    target, colleague = await make_user(), await make_user()
    for _ in range(service.MAX_FAILURES):
        assert await _attempt(target.email, "nope", "10.0.0.1") == "login_failed:400"
    assert await _attempt(colleague.email, PASSWORD, "10.0.0.1") == "ok"  # same venue NAT
    assert await _attempt(target.email, PASSWORD, "10.9.9.9") == "login_throttled:429"
    clock.now = T0 + dt.timedelta(minutes=14, seconds=59)
    assert await _attempt(target.email, PASSWORD, "10.9.9.9") == "login_throttled:429"
    clock.now = T0 + dt.timedelta(minutes=15, seconds=1)
    assert await _attempt(target.email, PASSWORD, "10.0.0.1") == "ok"


async def test_authenticate_limits_an_address_separately_and_far_higher(db, verified, clock):
    user = await make_user()
    assert service.IP_MAX_FAILURES >= 100
    for i in range(service.IP_MAX_FAILURES - 1):  # one guess at each of many accounts
        assert await _attempt(f"nobody{i}@x.id", "nope", "10.0.0.1") == "login_failed:400"
    assert await _attempt(user.email, PASSWORD, "10.0.0.1") == "ok"  # a success is no failure
    assert await _attempt("nobody@x.id", "nope", "10.0.0.1") == "login_failed:400"
    assert await _attempt(user.email, PASSWORD, "10.0.0.1") == "login_throttled:429"
    assert await _attempt(user.email, PASSWORD, "10.0.0.2") == "ok"
    clock.now = T0 + dt.timedelta(minutes=15, seconds=1)
    assert await _attempt(user.email, PASSWORD, "10.0.0.1") == "ok"


def _guess_in_process(url: str, email: str, guesses: int) -> list[str]:
    """A separate worker process with its own connection pool (like a second uvicorn worker)."""
    from tortoise import Tortoise

    from expo.db import tortoise_config

    async def run() -> list[str]:
        await Tortoise.init(config=tortoise_config(url))
        try:
            return await asyncio.gather(*[_attempt(email, f"guess-{i}", "10.0.0.1")
                                          for i in range(guesses)])
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


async def test_authenticate_limit_holds_across_worker_processes(pg_db):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tortoise import connections

    from tests.conftest import pg_database_url

    user = await make_user()
    url = pg_database_url(connections.get("default").database)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = sum(await asyncio.gather(*(
            loop.run_in_executor(pool, _guess_in_process, url, user.email, 10)
            for _ in range(3))), [])
    assert len(outcomes) == 30
    assert outcomes.count("login_failed:400") <= service.MAX_FAILURES
    assert outcomes.count("login_throttled:429") == 30 - outcomes.count("login_failed:400")
