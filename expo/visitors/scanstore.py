"""Where the gate's scans are stored: one small interface, a driver per database.

A scan is a generator of statements (``checkin._steps``): it yields ``(kind, sql, values)``
(kind "one": the first row, or None, is sent back; "exec": None is) and returns its result.
A ``ScanStore`` runs such a generator in a transaction of its own, in the ``dialect`` it
names, and raises what a statement (or the generator) raised: nothing of that scan is kept.

- ``SqliteFileStore``, a database file: expo's own ``sqlite3`` connections to the file, one
  used on the event loop while the file is free, one on a dedicated thread when it is busy.
  Scans that arrive while a group is running go together in the next one: one ``BEGIN
  IMMEDIATE`` transaction, a savepoint each (group commit). Tortoise writes to the same
  file through its own connection: services open their transactions with
  ``expo.db.atomic()``, which takes the write lock first.
- ``TortoiseStore`` for SQLite, for ``sqlite://:memory:`` (a second connection would see
  another, empty database) and for a scan inside a caller's transaction (it belongs to it):
  Tortoise's connection through its public API, one statement at a time.
- ``PostgresStore``: a connection of Tortoise's pool, through asyncpg, no explicit
  transaction: a scan is one statement there (``checkin`` writes it as one), so it stands or
  falls together, in one round trip.

``store_for()`` picks the driver from the configured database URL; stores are held here, one
per database, created at first use and closed with the app (``close_all()``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import weakref
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Literal, Protocol, TypeVar

import asyncpg  # type: ignore[import-untyped]
from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import IntegrityError

R = TypeVar("R")
Dialect = Literal["sqlite", "postgres"]
Row = dict[str, Any]
Statement = tuple[Literal["one", "exec"], str, Sequence[Any]]
Steps = Generator[Statement, Row | None, R]
Outcome = Any  # a scan's result, or the exception that undid it
MAX_GROUP = 200
CHECKPOINT_EVERY = 200  # groups between two passive WAL checkpoints (on the thread)
DEFAULT_BUSY_MS = 5000  # sqlite3's own default, which Tortoise's connection gets too


class ScanStore(Protocol):
    @property
    def dialect(self) -> Dialect:
        """Which statements the scan generator must yield."""
        ...

    async def run(self, steps: Callable[[], Steps[R]]) -> R:
        """Run ``steps()`` in a transaction; it may be called again if a group is retried."""
        ...

    async def close(self) -> None: ...


def numbered(sql: str) -> str:
    """A statement with ``?`` placeholders in PostgreSQL's ``$1, $2`` form (at import only:
    the statements have no ``?`` but their placeholders)."""
    parts = sql.split("?")
    return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))


# ---- SQLite, a database file: our own connection, group commit ---------------------------

class SqliteFileStore:
    """Group commit on connections of its own: on the event loop while the file is free,
    on one thread when it is not.

    The scans waiting when a group starts go together in one transaction, each under its own
    savepoint: whatever one scan does (a repeated nonce, text the driver refuses, any
    exception), only that scan is rolled back and fails. If the transaction itself fails
    (COMMIT, or a savepoint that cannot be rolled back), nothing of it was kept: each scan is
    run again in a transaction of its own, so that the one at fault fails alone.

    Where a group runs: a scan is a few index lookups and two small writes (tens of
    microseconds), and the hop to a thread and back cost more than the work (and GIL handoffs
    between the loop and the thread under a rush). So a group first tries the loop's own
    connection, which never waits: ``BEGIN IMMEDIATE`` with no busy timeout either takes the
    write lock at once or fails at once. When another writer holds the lock (a committee
    import through Tortoise, another process), the group goes to the thread's connection,
    which waits for it (the busy timeout) without stopping the loop; so does a group whose
    transaction failed, to be run again there scan by scan. The loop's connection never
    checkpoints the WAL on commit (a checkpoint writes the database file and may sync it):
    the thread runs a passive checkpoint every ``CHECKPOINT_EVERY`` groups instead.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: str, pragmas: Mapping[str, Any]) -> None:
        self.path = path
        self.pragmas = {"journal_mode": "WAL", "foreign_keys": "ON",
                        "busy_timeout": DEFAULT_BUSY_MS, **pragmas}
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="expo-scans")
        self.raw: sqlite3.Connection | None = None  # opened, used and closed on that thread
        self.here: sqlite3.Connection | None = None  # opened there, used on the loop
        self.pending: list[tuple[Callable[[], Steps[Any]], asyncio.Future[Any]]] = []
        # The loop keeps only a weak reference to a task: hold the running group's until it
        # ends, so that it cannot be collected with scans waiting on it.
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.groups = 0
        self.checkpoint: Any = None  # the passive checkpoint under way, if any (a Future)

    async def run(self, steps: Callable[[], Steps[R]]) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self.pending.append((steps, future))
        if self.task is None:
            self.task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        batch: list[tuple[Callable[[], Steps[Any]], asyncio.Future[Any]]] = []
        try:
            if self.here is None:
                self.here = await loop.run_in_executor(self.thread, self._open_here)
            while self.pending:
                batch, self.pending = self.pending[:MAX_GROUP], self.pending[MAX_GROUP:]
                group = [steps for steps, _ in batch]
                outcomes = self._group_here(group)
                if outcomes is None:  # the file is busy, or the group failed: the thread
                    try:
                        outcomes = await loop.run_in_executor(self.thread, self._group, group)
                    except Exception as exc:  # nothing of the group kept (no connection)
                        outcomes = [exc] * len(batch)
                for (_steps, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                self._maybe_checkpoint()
        finally:
            self.task = None
            for _steps, future in [*batch, *self.pending]:  # cancelled: nobody waits for ever
                if not future.done():
                    future.cancel()
            self.pending = []

    def _group_here(self, group: list[Callable[[], Steps[Any]]]) -> list[Outcome] | None:
        """The group on the loop's connection, or None if it must go to the thread."""
        raw = self.here
        assert raw is not None
        try:
            raw.execute("BEGIN IMMEDIATE")  # no busy timeout: the lock now, or an error now
        except sqlite3.OperationalError:
            return None
        try:
            outcomes = [_run_savepoint(raw, steps) for steps in group]
            raw.execute("COMMIT")
            return outcomes
        except Exception:
            _rollback(raw)  # nothing kept: the thread runs the group again
            return None
        except BaseException:
            _rollback(raw)
            raise

    def _maybe_checkpoint(self) -> None:
        self.groups += 1
        if self.groups % CHECKPOINT_EVERY == 0 and (self.checkpoint is None
                                                     or self.checkpoint.done()):
            self.checkpoint = self.thread.submit(self._passive_checkpoint)

    def _passive_checkpoint(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # the next one, or another connection's
            self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _group(self, group: list[Callable[[], Steps[Any]]]) -> list[Outcome]:
        return run_group(self._connection(), group)

    def _open(self, *, busy_ms: int, check_same_thread: bool = True) -> sqlite3.Connection:
        raw = sqlite3.connect(self.path, isolation_level=None, timeout=busy_ms / 1000,
                              check_same_thread=check_same_thread)
        raw.row_factory = sqlite3.Row
        for name, value in self.pragmas.items():  # from the configured URL, as Tortoise
            raw.execute(f"PRAGMA {name}={value}")
        return raw

    def _connection(self) -> sqlite3.Connection:
        if self.raw is None:
            self.raw = self._open(busy_ms=int(self.pragmas["busy_timeout"]))
        return self.raw

    def _open_here(self) -> sqlite3.Connection:
        """The loop's connection, opened on the thread (opening may wait for a lock); from
        then on only the loop uses it."""
        raw = self._open(busy_ms=int(self.pragmas["busy_timeout"]), check_same_thread=False)
        raw.execute("PRAGMA busy_timeout=0")
        raw.execute("PRAGMA wal_autocheckpoint=0")
        return raw

    def _disconnect(self) -> None:
        for raw in (self.raw, self.here):
            if raw is not None:
                raw.close()
        self.raw = self.here = None

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.task is not None:  # the group under way ends first
            with contextlib.suppress(Exception):
                await self.task
        await asyncio.get_running_loop().run_in_executor(self.thread, self._disconnect)
        self.thread.shutdown(wait=True)


def run_group(raw: sqlite3.Connection, group: list[Callable[[], Steps[Any]]]) -> list[Outcome]:
    """One transaction, a savepoint per scan; a failed transaction reruns each alone."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        outcomes = [_run_savepoint(raw, steps) for steps in group]
        raw.execute("COMMIT")
        return outcomes
    except Exception:
        _rollback(raw)
    except BaseException:
        _rollback(raw)
        raise
    return [_run_alone(raw, steps) for steps in group]


def _run_savepoint(raw: sqlite3.Connection, steps: Callable[[], Steps[Any]]) -> Outcome:
    raw.execute("SAVEPOINT scan")
    try:
        outcome: Outcome = _run_steps(raw, steps())
    except Exception as exc:
        raw.execute("ROLLBACK TO scan")  # if this fails, the group is given up and retried
        outcome = exc
    raw.execute("RELEASE scan")
    return outcome


def _run_alone(raw: sqlite3.Connection, steps: Callable[[], Steps[Any]]) -> Outcome:
    try:
        raw.execute("BEGIN IMMEDIATE")
        result = _run_steps(raw, steps())
        raw.execute("COMMIT")
        return result
    except Exception as exc:
        with contextlib.suppress(Exception):  # the scan's own error is the one to report
            _rollback(raw)
        return exc


def _rollback(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def _advance(steps: Steps[R], answer: Row | None) -> tuple[Any, R | None]:
    """The next statement ``(kind, sql, values)`` of ``steps``, told the last one's answer;
    or ``(None, result)`` when there is none left. Every driver runs a generator with it."""
    try:
        return steps.send(answer), None
    except StopIteration as done:
        return None, done.value


def _run_steps(raw: sqlite3.Connection, steps: Steps[R]) -> R:
    statement, result = _advance(steps, None)
    while statement is not None:
        kind, sql, values = statement
        cursor = raw.execute(sql, values)
        row = cursor.fetchone() if kind == "one" else None
        statement, result = _advance(steps, dict(row) if row is not None else None)
    return result  # type: ignore[return-value]


# ---- Through Tortoise's connection ---------------------------------------------------------

class TortoiseStore:
    """SQLite through Tortoise's own connection (``:memory:``, or inside a caller's
    transaction): its lock held for the scan, a transaction of the scan's own, or a
    savepoint in the caller's."""

    dialect: Dialect = "sqlite"

    def __init__(self, connection_name: str) -> None:
        self.connection_name = connection_name

    async def run(self, steps: Callable[[], Steps[R]]) -> R:
        client = connections.get(self.connection_name)
        async with client.acquire_connection() as conn:  # the aiosqlite connection
            nested = conn.in_transaction
            await conn.execute_fetchall("SAVEPOINT scan" if nested else "BEGIN IMMEDIATE")
            try:
                result = await _run_aiosqlite(conn, steps())
                await conn.execute_fetchall("RELEASE scan" if nested else "COMMIT")
                return result
            except BaseException:
                if nested:
                    await conn.execute_fetchall("ROLLBACK TO scan")
                    await conn.execute_fetchall("RELEASE scan")
                elif conn.in_transaction:
                    await conn.execute_fetchall("ROLLBACK")
                raise

    async def close(self) -> None:
        pass


async def _run_aiosqlite(conn: Any, steps: Steps[R]) -> R:
    statement, result = _advance(steps, None)
    while statement is not None:
        kind, sql, values = statement
        rows = list(await conn.execute_fetchall(sql, values))
        statement, result = _advance(steps, dict(rows[0]) if kind == "one" and rows else None)
    return result  # type: ignore[return-value]


# ---- PostgreSQL ----------------------------------------------------------------------------

class PostgresStore:
    """Each statement on a connection of Tortoise's pool (the caller's, in its transaction),
    straight through asyncpg: its prepared statements are cached per connection (unless the
    URL turns the cache off, as behind PgBouncer in transaction mode), and a scan is one
    statement (``checkin._pg_steps``): one round trip."""

    dialect: Dialect = "postgres"

    def __init__(self, connection_name: str) -> None:
        self.connection_name = connection_name

    async def run(self, steps: Callable[[], Steps[R]]) -> R:
        client = connections.get(self.connection_name)
        generator = steps()
        statement, result = _advance(generator, None)
        async with client.acquire_connection() as conn:  # an asyncpg connection
            while statement is not None:
                kind, sql, values = statement
                try:
                    if kind == "one":
                        record = await conn.fetchrow(sql, *values)
                        answer = dict(record.items()) if record is not None else None
                    else:
                        await conn.execute(sql, *values)
                        answer = None
                except asyncpg.IntegrityConstraintViolationError as exc:
                    raise IntegrityError(exc) from exc  # as Tortoise reports it
                statement, result = _advance(generator, answer)
        return result  # type: ignore[return-value]

    async def close(self) -> None:
        pass


# ---- Which store ---------------------------------------------------------------------------

Kind = Literal["file", "tortoise", "postgres"]
_stores: dict[tuple[Kind, str], ScanStore] = {}
# The store each connection object (a client, or a caller's transaction) scans through.
_by_client: weakref.WeakKeyDictionary[Any, ScanStore] = weakref.WeakKeyDictionary()
_MEMORY = re.compile(r"^(:memory:|file::memory:)|[?&]mode=memory\b")
_NOT_PRAGMAS = ("file_path", "connection_name", "fetch_inserted")
Pragmas = tuple[tuple[str, Any], ...]


def store_for(connection_name: str = "default") -> ScanStore:
    """The store of the configured database. Inside a caller's transaction a scan is part of
    it: through Tortoise's connection, whatever the database. Looked up once per connection
    object (this runs for every scan)."""
    client = connections.get(connection_name)
    store = _by_client.get(client)
    if store is None:
        kind, database, pragmas = _database(connections.db_config[connection_name],
                                            connection_name)
        if kind == "file" and isinstance(client, TransactionalDBClient):
            kind, database = "tortoise", connection_name
        store = _stores.get((kind, database))
        if store is None:
            store = _stores[kind, database] = _open(kind, database, pragmas, connection_name)
        _by_client[client] = store
    return store


def _open(kind: Kind, database: str, pragmas: Pragmas, connection_name: str) -> ScanStore:
    if kind == "file":
        return SqliteFileStore(database, dict(pragmas))
    if kind == "tortoise":
        return TortoiseStore(connection_name)
    return PostgresStore(connection_name)


def _database(config: str | dict[str, Any], connection_name: str) -> tuple[Kind, str, Pragmas]:
    """(kind, which database, SQLite pragmas) from a connection's URL or expanded config."""
    if isinstance(config, str):
        return _from_url(config, connection_name)
    return _from_info(config["engine"], tuple(config["credentials"].items()), connection_name)


@lru_cache(maxsize=32)
def _from_url(url: str, connection_name: str) -> tuple[Kind, str, Pragmas]:
    info = expand_db_url(url)
    return _from_info(info["engine"], tuple(info["credentials"].items()), connection_name)


def _from_info(engine: str, credentials: Pragmas,
               connection_name: str) -> tuple[Kind, str, Pragmas]:
    if engine.endswith(".sqlite"):
        path = str(dict(credentials)["file_path"])
        if _MEMORY.search(path):
            return "tortoise", connection_name, ()
        pragmas = tuple((k, v) for k, v in credentials if k not in _NOT_PRAGMAS)
        return "file", os.path.abspath(path), pragmas
    if engine.endswith((".asyncpg", ".psycopg")):
        return "postgres", connection_name, ()
    raise RuntimeError(f"no scan store for the database engine {engine!r}")


async def close_all() -> None:
    """Close every store (at app shutdown, before Tortoise closes its connections)."""
    stores = list(_stores.values())
    _stores.clear()
    _by_client.clear()
    for store in stores:
        await store.close()
