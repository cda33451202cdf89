"""Tortoise ORM configuration and migrations.

All domain models live in one Tortoise app (``models``) so that foreign keys cross domains
freely; its migrations are the ``expo.migrations`` package (shipped in the wheel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, cast

import asyncpg  # type: ignore[import-untyped]
from tortoise import Tortoise, connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as tortoise_migrate
from tortoise.transactions import in_transaction

from expo.settings import Settings, SettingsError

MODEL_MODULES = [
    "expo.jobs.models",
    "expo.outbox",
    "expo.ratelimit_models",
    "expo.accounts.models",
    "expo.events.models",
    "expo.audit.models",
    "expo.exhibitors.models",
    "expo.exhibitors.import_models",
    "expo.exhibitors.broadcast_models",
    "expo.visitors.models",
    "expo.booths.models",
    "expo.leads.models",
    "expo.payments.models",
    "expo.procurement.models",
    "expo.reports.models",
]


PG_ENGINE = "expo.pgclient"  # Tortoise's asyncpg client, its pool without the reset query


def connection_config(database_url: str) -> str | dict[str, Any]:
    """Tortoise's connection entry for a database URL: PostgreSQL through ``expo.pgclient``."""
    info = expand_db_url(database_url)
    if info["engine"] != "tortoise.backends.asyncpg":
        return database_url
    return {**info, "engine": PG_ENGINE}


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "expo.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _env_config() -> dict[str, Any]:
    try:
        return tortoise_config(Settings.from_env().database_url)
    except SettingsError:  # the tortoise CLI imports this module; fall back to a safe default
        return tortoise_config("sqlite://data/expo.sqlite3")


# Used by the ``tortoise`` command line (see [tool.tortoise] in pyproject.toml).
TORTOISE_ORM = _env_config()


MIGRATION_LOCK = 0x657870_6D6967  # "expo" "mig": pg_advisory_lock's key for migrations


def pg_connect_args(url: str) -> dict[str, Any]:
    """asyncpg's arguments for a PostgreSQL URL (Tortoise's pool options, such as ``maxsize``
    or ``statement_cache_size``, are not PostgreSQL's and are left out)."""
    credentials = expand_db_url(url)["credentials"]
    args = {name: credentials.get(name) for name in ("host", "port", "user", "password",
                                                       "database")}
    if credentials.get("ssl"):
        args["ssl"] = credentials["ssl"]
    return args


@asynccontextmanager
async def _migration_lock(settings: Settings) -> AsyncIterator[None]:
    """One migrating process at a time on PostgreSQL: several hosts' ``expo serve`` and
    ``expo worker`` starting together on a new version would otherwise replay the same
    migration at once. A session lock, so on a connection of its own, to PostgreSQL itself
    (``EXPO_DATABASE_DIRECT_URL``: through PgBouncer in transaction mode a session lock would
    not be held). The others wait, then find nothing left to apply."""
    if settings.is_sqlite:  # one process writes the schema: the file's own lock
        yield
        return
    conn = await asyncpg.connect(**pg_connect_args(settings.database_direct_url
                                                   or settings.database_url),
                                 statement_cache_size=0)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await conn.close()  # the session's lock goes with it


async def migrate(settings: Settings) -> None:
    """Apply pending migrations, then close the connections it opened.

    A database with no table at all gets the schema in one go, from the models, and every
    migration is recorded as applied: what replaying them would build (``tests/
    test_migrations.py`` proves the two schemas equal on both backends), in about a second
    instead of ten (Tortoise rebuilds its model state for each operation it replays).
    """
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = tortoise_config(settings.database_url)
    async with _migration_lock(settings):
        try:
            if await _has_no_tables(config):
                await Tortoise.init(config=config)
                await Tortoise.generate_schemas(safe=False)
                await Tortoise.close_connections()
                await tortoise_migrate(config=config, fake=True)
            else:
                await tortoise_migrate(config=config)
        finally:
            await Tortoise.close_connections()


async def _has_no_tables(config: dict[str, Any]) -> bool:
    await Tortoise.init(config=config)
    try:
        conn = connections.get("default")
        if conn.capabilities.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 1"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LIMIT 1"
        return not await conn.execute_query_dict(sql)
    finally:
        await Tortoise.close_connections()


# What to run once the outermost transaction has committed (``on_commit``): one list per open
# ``atomic()``, handed to the enclosing one when a nested block succeeds.
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("expo_after_commit",
                                                                         default=None)


@asynccontextmanager
async def atomic(connection_name: str = "default") -> AsyncIterator[TransactionalDBClient]:
    """A transaction: the one way services open one. Tortoise's ``in_transaction()``; on
    SQLite it also takes the write lock at its start, as ``BEGIN IMMEDIATE`` would.

    Tortoise begins with a deferred ``BEGIN``. Another connection writes to the same file (the
    gate's scans have their own; other processes): a transaction that has read, then writes
    after that connection committed, fails at once with "database is locked", busy timeout or
    not (in WAL mode a stale snapshot cannot become a write). Taken at the start, the lock is
    waited for (the busy timeout) instead. Nested, it is a savepoint of the outer transaction,
    which holds the lock already.
    """
    outer = not isinstance(connections.get(connection_name), TransactionalDBClient)
    parent = _after_commit.get()
    mine: list[Callable[[], None]] = []
    token = _after_commit.set(mine)
    try:
        async with in_transaction(connection_name) as conn:
            if outer and conn.capabilities.dialect == "sqlite":
                # Nothing has run in the deferred transaction: end it and begin an immediate one.
                await conn.execute_query("ROLLBACK")
                await conn.execute_query("BEGIN IMMEDIATE")
            yield conn
    finally:
        _after_commit.reset(token)
    # Committed (or, nested, released into the enclosing transaction).
    if parent is not None and not outer:
        parent.extend(mine)
    else:
        for callback in mine:
            callback()


def on_commit(callback: Callable[[], None]) -> None:
    """Call ``callback`` (quick, no I/O: e.g. waking a worker) once the transaction this runs
    in has committed; at once outside ``atomic()``. Dropped if the transaction rolls back."""
    pending = _after_commit.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


def row_datetime(value: Any) -> dt.datetime | None:
    """A datetime from a raw SQL row (SQLite returns the stored text, PostgreSQL a datetime),
    aware: a value stored without an offset is UTC, as expo stores every time."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def flat(query: Any) -> list[Any]:
    """The values of a ``values_list(name, flat=True)`` query: Tortoise types its rows as
    tuples; flat, they are the values."""
    return cast(list[Any], await query)
