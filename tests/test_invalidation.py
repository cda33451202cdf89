"""The cache invalidation bus (``expo.invalidation``): local forgets at commit, PostgreSQL's
notifications to every listener, and a short freshness while the listener is down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import pytest
import pytest_asyncio
from tortoise import connections
from tortoise.context import TortoiseContext

from expo import invalidation
from expo.db import atomic
from expo.settings import Settings, SettingsError
from tests import conftest
from tests.conftest import TEST_SECRET
from tests.test_pgbouncer import Bouncer, bouncer  # noqa: F401 - PgBouncer, transaction mode

pytestmark = pytest.mark.asyncio
TOPIC = "test_topic"


class Boom(Exception):
    pass


@pytest_asyncio.fixture
async def forgotten() -> AsyncIterator[list[str | None]]:
    """The keys forgotten under ``TOPIC`` (a cache registered for the test)."""
    seen: list[str | None] = []
    invalidation.register(TOPIC, seen.append)
    yield seen
    invalidation._forgetters.pop(TOPIC, None)


async def until(check, seconds: float = 5.0) -> float:  # type: ignore[no-untyped-def]
    """Poll ``check()`` until true, for at most ``seconds``; how long it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the deadline"
        await asyncio.sleep(0.01)
    return time.monotonic() - start


def pg_settings() -> Settings:
    return Settings(database_url=conftest._worker_db[0][0], secret_key=TEST_SECRET)


async def test_changed_forgets_at_commit_not_before(db, forgotten) -> None:
    async with atomic():
        await invalidation.changed(TOPIC, 7)
        assert forgotten == []  # still inside: another request could reload the old value
    assert forgotten == ["7"]


async def test_changed_forgets_nothing_when_rolled_back(db, forgotten) -> None:
    version = invalidation.version(TOPIC)
    with pytest.raises(Boom):
        async with atomic():
            await invalidation.changed(TOPIC, 7)
            raise Boom
    assert forgotten == []
    assert invalidation.version(TOPIC) == version


async def test_changed_outside_a_transaction_forgets_at_once(db, forgotten) -> None:
    version = invalidation.version(TOPIC)
    await invalidation.changed(TOPIC)
    assert forgotten == [None]  # None: everything
    assert invalidation.version(TOPIC) == version + 1


async def test_nothing_listens_on_sqlite_and_caches_keep_their_ttl(sqlite_db) -> None:
    settings = Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET)
    async with invalidation.listening(settings) as listener:
        assert listener is None
        assert invalidation.fresh_for(10.0) == 10.0


async def test_notification_is_sent_at_commit_and_dropped_on_rollback(pg_db) -> None:
    other = await asyncpg.connect(**invalidation.connect_args(conftest._worker_db[0][0]))
    heard: list[str] = []
    try:
        await other.add_listener(invalidation.CHANNEL, lambda *args: heard.append(args[3]))
        with pytest.raises(Boom):
            async with atomic():
                await invalidation.changed(TOPIC, "lost")
                raise Boom
        async with atomic():
            await invalidation.changed(TOPIC, 42)
            await asyncio.sleep(0.05)
            assert heard == []  # not before the commit
        await until(lambda: heard)
        await invalidation.changed(TOPIC)
        await until(lambda: len(heard) == 2)
        assert heard == [f"{TOPIC}:42", f"{TOPIC}:*"]
    finally:
        await other.close()


async def test_listener_forgets_what_another_host_changed(pg_db, forgotten) -> None:
    async with invalidation.listening(pg_settings()) as listener:
        assert listener is not None and listener.up
        forgotten.clear()  # connecting forgets everything
        assert invalidation.fresh_for(10.0) == 10.0
        other = await asyncpg.connect(**invalidation.connect_args(conftest._worker_db[0][0]))
        try:  # another host's transaction, through its own connection
            async with other.transaction():
                await other.execute("SELECT pg_notify($1, $2)", invalidation.CHANNEL,
                                    invalidation.payload(TOPIC, "9"))
        finally:
            await other.close()
        took = await until(lambda: forgotten == ["9"])
        print(f"notification heard after {took * 1000:.1f} ms")


async def test_listener_down_means_one_second_freshness_then_reconnects(pg_db,
                                                                        forgotten) -> None:
    async with invalidation.listening(pg_settings()) as listener:
        assert listener is not None and listener.up
        forgotten.clear()
        await connections.get("default").execute_query("SELECT pg_terminate_backend($1)",
                                                       [listener.pid])
        await until(lambda: not listener.up or None in forgotten)
        assert None in forgotten  # lost: everything forgotten, notifications may be missed
        await until(lambda: listener.up)  # reconnected (bounded backoff)
        assert invalidation.fresh_for(10.0) == 10.0


async def test_listener_that_cannot_connect_keeps_entries_one_second(monkeypatch) -> None:
    monkeypatch.setattr(invalidation, "START_WAIT", 0.2)
    nowhere = Settings(database_url="postgres://postgres@127.0.0.1:1/none",
                       secret_key=TEST_SECRET)
    async with invalidation.listening(nowhere) as listener:
        assert listener is not None and not listener.up
        assert invalidation.fresh_for(10.0) == invalidation.DOWN_FRESHNESS == 1.0
        assert invalidation.fresh_for(0.5) == 0.5
    assert invalidation.fresh_for(10.0) == 10.0  # no listener in this process any more


async def test_direct_url_setting() -> None:
    settings = Settings.from_env({
        "EXPO_DATABASE_URL": "postgres://app:pw@pgbouncer:6432/expo?maxsize=20",
        "EXPO_DATABASE_DIRECT_URL": "postgres://app:pw@db1:5432/expo",
        "EXPO_SECRET_KEY": TEST_SECRET})
    assert settings.database_direct_url == "postgres://app:pw@db1:5432/expo"
    assert invalidation.connect_args(settings.database_url) == {
        "host": "pgbouncer", "port": 6432, "user": "app", "password": "pw",
        "database": "expo"}  # Tortoise's pool size is not a PostgreSQL setting
    with pytest.raises(SettingsError):
        Settings.from_env({"EXPO_DATABASE_DIRECT_URL": "sqlite://x.db",
                           "EXPO_SECRET_KEY": TEST_SECRET})


async def test_listener_checks_that_it_hears_itself(pg_db, monkeypatch) -> None:
    monkeypatch.setattr(invalidation, "PING_SECONDS", 0.02)
    async with invalidation.listening(pg_settings()) as listener:
        assert listener is not None
        await until(lambda: listener.probes >= 3)
        assert listener.up


async def test_listener_through_pgbouncer_counts_as_down(bouncer: Bouncer,  # noqa: F811
                                                        monkeypatch) -> None:
    """Through PgBouncer in transaction mode LISTEN seems to work, and hears nothing of the
    other clients' notifications: without EXPO_DATABASE_DIRECT_URL it never counts as up."""
    monkeypatch.setattr(invalidation, "PING_SECONDS", 0.05)
    context = TortoiseContext()
    async with context:
        await context.init(config={"connections": {"default": bouncer.url()}, "apps": {
            "models": {"models": ["expo.ratelimit_models"], "default_connection": "default"}}})
        listener = invalidation.Listener(bouncer.url())
        listener.start()
        try:
            await until(lambda: listener.deaf >= 2)
            assert not listener.up and listener.probes == 0
            assert invalidation.fresh_for(10.0) == 10.0  # not the process's listener: no effect
        finally:
            await listener.stop()
