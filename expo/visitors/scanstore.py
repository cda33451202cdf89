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
from dataclasses import dataclass
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
IN_FLIGHT = 1  # PostgreSQL: groups under way at once, per process (2: smaller groups, slower)
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
                _settle([future for _steps, future in batch], outcomes)
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


def _settle(futures: Sequence[asyncio.Future[Any]], outcomes: Sequence[Outcome]) -> None:
    """Give each waiting scan its outcome: a result, or the exception that undid it (a scan
    whose caller went away is left)."""
    for future, outcome in zip(futures, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, Exception):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


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

@dataclass(frozen=True)
class PgScanStatements:
    """A scan on PostgreSQL as the caller writes it (``checkin``): ``single`` one scan, one
    statement (by direction); ``batch`` the same for a group, over arrays of each parameter,
    its rows carrying ``i``, the scan's place in the group (from 1)."""

    single: Mapping[str, str]
    batch: str
    event_at: int = 0  # where the values hold the event, the nonce, the ticket, the direction
    nonce_at: int = 1
    key_at: int = 2
    direction_at: int = 10


Waiting = tuple[PgScanStatements, list[Any], "asyncio.Future[Row]"]


class PostgresStore:
    """Connections of Tortoise's pool (``expo.pgclient``: no reset query when one is given
    back), straight through asyncpg and its statement cache (off behind PgBouncer in
    transaction mode, by the URL).

    A scan (``scan``) is one statement, one round trip. Scans that arrive while the gate's
    statements are under way wait and go together (group commit, as on a SQLite file): one
    statement over arrays, one transaction, one round trip for the group; at most
    ``IN_FLIGHT`` groups at once per process. A group holds each ticket and each nonce once
    (a scan that would meet another waits for the next group). If the group's statement fails
    (two retries of one nonce at two workers at once, a value PostgreSQL refuses), nothing of
    it was kept: each of its scans is run again alone, and only the one at fault fails.
    Inside a caller's transaction a scan is part of it, alone.
    """

    dialect: Dialect = "postgres"

    def __init__(self, connection_name: str) -> None:
        self.connection_name = connection_name
        self.pending: list[Waiting] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def scan(self, statements: PgScanStatements, values: list[Any]) -> Row:
        client = connections.get(self.connection_name)
        if isinstance(client, TransactionalDBClient):
            return await _pg_single(client, statements, values)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Row] = loop.create_future()
        self.pending.append((statements, values, future))
        # Groups under way on this loop (a task, or a scan, of a loop that has stopped: gone).
        self.tasks = {t for t in self.tasks if not t.done() and t.get_loop() is loop}
        if not self.tasks:
            self.pending = [item for item in self.pending if item[2].get_loop() is loop]
        if len(self.tasks) < IN_FLIGHT:
            task = loop.create_task(self._drain())
            self.tasks.add(task)
            task.add_done_callback(lambda done: self.tasks.discard(done))
        return await future

    async def _drain(self) -> None:
        group: list[Waiting] = []
        try:
            while self.pending:
                group, self.pending = _pg_group(self.pending)
                await self._run_group(group)
        finally:
            if not self.tasks - {asyncio.current_task()}:  # the last one: nobody waits for ever
                for _statements, _values, future in [*group, *self.pending]:
                    if not future.done():
                        future.cancel()
                self.pending = []

    async def _run_group(self, group: list[Waiting]) -> None:
        client = connections.get(self.connection_name)
        statements = group[0][0]
        if len(group) > 1:
            columns = [list(column) for column in zip(*(values for _s, values, _f in group),
                                                      strict=True)]
            try:
                async with client.acquire_connection() as conn:
                    records = await conn.fetch(statements.batch, *columns)
                rows = {int(record["i"]): dict(record.items()) for record in records}
                outcomes: list[Row | Exception] = [rows[n] for n in range(1, len(group) + 1)]
            except Exception:  # nothing of the group kept: each alone
                outcomes = [await _pg_outcome(client, s, values) for s, values, _f in group]
        else:
            outcomes = [await _pg_outcome(client, statements, group[0][1])]
        _settle([future for _s, _v, future in group], outcomes)

    async def run(self, steps: Callable[[], Steps[R]]) -> R:
        """Statements one after another on one connection (a stored answer, in a caller's
        transaction)."""
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
        for task in list(self.tasks):  # the groups under way end first
            with contextlib.suppress(Exception):
                await task


def _pg_group(pending: list[Waiting]) -> tuple[list[Waiting], list[Waiting]]:
    """The next group, in order of arrival: at most ``MAX_GROUP`` scans of one kind of
    statement, each ticket and each nonce once; and what waits for a later one."""
    group: list[Waiting] = []
    rest: list[Waiting] = []
    seen: set[tuple[str, Any, Any]] = set()
    statements = pending[0][0]
    for item in pending:
        s, values, _future = item
        ticket = ("key", values[s.event_at], values[s.key_at])
        nonce = ("nonce", values[s.event_at], values[s.nonce_at])
        if (len(group) >= MAX_GROUP or s is not statements or ticket in seen
                or (values[s.nonce_at] is not None and nonce in seen)):
            rest.append(item)
            continue
        seen.update((ticket, nonce))
        group.append(item)
    return group, rest


async def _pg_single(client: Any, statements: PgScanStatements, values: list[Any]) -> Row:
    sql = statements.single[values[statements.direction_at]]
    async with client.acquire_connection() as conn:
        try:
            record = await conn.fetchrow(sql, *values)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(exc) from exc  # a nonce seen before: the caller's to answer
    return dict(record.items())


async def _pg_outcome(client: Any, statements: PgScanStatements,
                      values: list[Any]) -> Row | Exception:
    try:
        return await _pg_single(client, statements, values)
    except Exception as exc:
        return exc


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
    if engine.endswith((".asyncpg", ".psycopg", ".pgclient")):
        return "postgres", connection_name, ()
    raise RuntimeError(f"no scan store for the database engine {engine!r}")


async def close_all() -> None:
    """Close every store (at app shutdown, before Tortoise closes its connections)."""
    stores = list(_stores.values())
    _stores.clear()
    _by_client.clear()
    for store in stores:
        await store.close()
