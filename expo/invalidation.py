"""Cross-process cache invalidation: what one worker changes, every worker forgets.

Some reads on hot paths are cached in each process for a few seconds (the gates' rules and
hours, device tokens, the events' ticket keys). With one process a service that changes the
data also forgets the cached copy; with several workers, or several hosts, the others must
hear of it too, or a revoked device keeps scanning elsewhere for the rest of the TTL.

- A cache ``register(topic, forget)``: ``forget(key)`` drops one key (a string), or
  everything for ``None``; it is quick and does no I/O.
- A service calls ``await changed(topic, key)`` where it changes what is cached, inside its
  transaction if it has one: this process forgets once the transaction commits (nothing if it
  rolls back: ``expo.db.on_commit``), and on PostgreSQL it also sends
  ``pg_notify('expo_invalidate', 'topic:key')`` on the same connection, which PostgreSQL
  delivers to every listener at commit and drops on rollback.
- Each process on PostgreSQL runs one listener (``listening()``, entered by the app's lifespan
  and by ``expo worker``): one connection of its own, outside the pool, since LISTEN does not
  work through PgBouncer in transaction mode. It connects to ``EXPO_DATABASE_DIRECT_URL``
  when set (PostgreSQL itself, past the pooler), else to ``EXPO_DATABASE_URL``.
- While the listener is down (not connected yet, connection lost, reconnecting with a bounded
  backoff) a notification may be missed: everything is forgotten when it goes down and again
  when it is back, and meanwhile ``fresh_for(ttl)`` answers at most ``DOWN_FRESHNESS`` (1 s)
  instead of the cache's TTL. A process that never started a listener (SQLite, which serves
  one worker; tests; one-off commands) keeps the TTL: it is alone, and forgets what it changes.
- A load that overlaps a forget could store what it read before the change: caches read
  ``version(topic)`` before loading and keep the result only if it did not move meanwhile.
- Every ``PING_SECONDS`` the listener notifies a channel of its own, through the pool as the
  services do, and waits to hear it; it counts as up only from the first one heard. A
  connection silently gone, or one through a pooler in transaction mode (LISTEN seems to work
  and hears nothing of the other clients: measured, 0 of 174), counts as down and is made again.

Topics (the key, always a string): ``gate`` (``expo.visitors.checkin``: gate rules, rehearsal,
test tickets; an event id), ``event`` (``expo.events.service``: an event's own fields and days;
its id: the gates' hours, how long retired keys verify), ``device`` (a device token's digest),
``keys`` (an event's ticket keys rotated or re-sealed; its id).

Caches of database data left out on purpose, each with its bound: ``expo.cache.SharedBuilds``
(the committee's dashboard, rebuilt every few seconds, read-only: the same staleness as on one
worker; the floor map, keyed by the plan's version read from the database: never stale), and
the payment status throttle in ``expo.payments.online`` (when to ask the gateway again, not
data).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
from tortoise import connections

from expo.db import on_commit
from expo.db import pg_connect_args as connect_args
from expo.settings import Settings

CHANNEL = "expo_invalidate"
DOWN_FRESHNESS = 1.0  # seconds a cache may serve an entry while notifications may be missed
PING_SECONDS = 1.0  # how often the listener checks that it hears (a silent loss, a pooler)
MAX_BACKOFF = 5.0
START_WAIT = 2.0  # at start-up, how long to wait for the first connection
ALL = "*"
APPLICATION_NAME = "expo invalidation"  # in pg_stat_activity
log = logging.getLogger("expo.invalidation")

Forget = Callable[[str | None], None]
_forgetters: dict[str, list[Forget]] = {}
_versions: dict[str, int] = {}


def register(topic: str, forget: Forget) -> None:
    """``forget(key)`` runs whenever ``topic`` changes, in any process (``None``: all keys)."""
    callbacks = _forgetters.setdefault(topic, [])
    if forget not in callbacks:
        callbacks.append(forget)


def version(topic: str) -> int:
    """Moves on each forget of ``topic``: a load that saw it move must not be cached."""
    return _versions.get(topic, 0)


def fresh_for(ttl: float) -> float:
    """How long a cache may serve what it loads now: its own TTL while every change is heard
    of, ``DOWN_FRESHNESS`` while the listener of this process is down."""
    if _listener is None or _listener.up:
        return ttl
    return min(ttl, DOWN_FRESHNESS)


def forget_here(topic: str, key: str | None) -> None:
    """Forget in this process only (what a notification does; tests)."""
    _versions[topic] = _versions.get(topic, 0) + 1
    for forget in list(_forgetters.get(topic, ())):
        try:
            forget(key)
        except Exception:  # one cache's bug must not keep the others stale
            log.exception("forgetting %s:%s failed", topic, key)


def forget_everything() -> None:
    for topic in list(_forgetters):
        forget_here(topic, None)


async def changed(topic: str, key: object = None) -> None:
    """``topic``'s ``key`` (``None``: all of them) changed: every process forgets it, once the
    current transaction (if any) commits."""
    text = None if key is None else str(key)
    on_commit(lambda: forget_here(topic, text))
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, payload(topic, text)])


def payload(topic: str, key: str | None) -> str:
    return f"{topic}:{ALL if key is None else key}"


def parse(text: str) -> tuple[str, str | None]:
    topic, _sep, key = text.partition(":")
    return topic, None if key == ALL else key


# ---- the listener -------------------------------------------------------------------------

class Deaf(Exception):
    """The listener's connection is up but notifications do not reach it."""


class Listener:
    """One dedicated connection that LISTENs, forgets what is notified, and reconnects."""

    def __init__(self, url: str) -> None:
        self.args = connect_args(url)
        self.up = False
        self.probes = 0  # notifications to itself heard back (its health checks)
        self.deaf = 0  # times it connected and heard nothing (a pooler in the way?)
        self.pid: int | None = None  # its PostgreSQL backend, while connected
        self.connected = asyncio.Event()
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()  # ends a sleep: stopping, or the connection lost
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="expo-invalidation-listener")

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        delay = 0.1
        while not self._stop.is_set():
            try:
                conn = await asyncpg.connect(**self.args, timeout=5, statement_cache_size=0,
                                             server_settings={
                                                 "application_name": APPLICATION_NAME})
            except Exception as exc:  # refused, timed out, wrong password, bad URL...
                log.warning("invalidation listener cannot connect (%s); again in %.1f s",
                            exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            probes = self.probes
            try:
                await self._listen(conn)
            except Exception as exc:  # whatever it was, reconnect: never stop listening
                self._down()
                log.warning("invalidation listener lost its connection (%s)", exc)
            finally:
                self._down()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(conn.close(), 2)
            if self.probes > probes:
                delay = 0.1  # it worked for a while: reconnect at once
            else:  # it fails as soon as it connects: back off
                await self._sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    async def _listen(self, conn: asyncpg.Connection) -> None:
        lost, heard = asyncio.Event(), asyncio.Event()
        self._wake.clear()

        def closed(_conn: object) -> None:
            lost.set()
            self._wake.set()

        conn.add_termination_listener(closed)
        probe = f"expo_probe_{secrets.token_hex(8)}"  # this listener's own channel
        await conn.add_listener(probe, lambda *_args: heard.set())
        await conn.add_listener(CHANNEL, self._notified)
        self.pid = conn.get_server_pid()
        while not self._stop.is_set() and not lost.is_set():
            # A notification to itself, sent the way the services send theirs (the pool), not a
            # bare SELECT 1: proves the whole path, and finds a pooler in transaction mode in
            # the way, where LISTEN seems to work and hears nothing. Up after the first one.
            heard.clear()
            await asyncio.wait_for(_notify(conn, probe), PING_SECONDS * 2)
            try:
                await asyncio.wait_for(heard.wait(), PING_SECONDS * 2)
            except TimeoutError:
                self.deaf += 1
                raise Deaf("it does not hear its own notifications: through a connection "
                           "pooler? Set EXPO_DATABASE_DIRECT_URL to PostgreSQL itself") from None
            self.probes += 1
            if not self.up:
                forget_everything()  # what was loaded while nobody listened may be stale
                self.up = True
                self.connected.set()
            await self._sleep(PING_SECONDS)

    def _down(self) -> None:
        if self.up:
            self.up = False
            self.connected.clear()
            forget_everything()  # notifications from now on may be missed

    def _notified(self, _conn: object, _pid: int, _channel: str, text: str) -> None:
        forget_here(*parse(text))

    async def _sleep(self, seconds: float) -> None:
        if self._stop.is_set():
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)


async def _notify(own: asyncpg.Connection, channel: str) -> None:
    try:
        pool = connections.get("default")
    except Exception:  # no database set up in this task: the listener's own connection
        await own.execute("SELECT pg_notify($1, '')", channel)
    else:
        await pool.execute_query("SELECT pg_notify($1, '')", [channel])


_listener: Listener | None = None


@asynccontextmanager
async def listening(settings: Settings) -> AsyncIterator[Listener | None]:
    """This process hears of every change while inside (PostgreSQL; nothing to do on SQLite).

    Start-up waits up to ``START_WAIT`` for the connection, then goes on without it (caches
    serve at most 1 s old entries until it connects)."""
    global _listener
    if settings.is_sqlite:
        yield None
        return
    listener = Listener(settings.database_direct_url or settings.database_url)
    previous, _listener = _listener, listener
    listener.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(listener.connected.wait(), START_WAIT)
    try:
        yield listener
    finally:
        await listener.stop()
        _listener = previous
