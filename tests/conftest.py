"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when
EXPO_TEST_DATABASE_URL is set: every database test then runs on both), the ASGI app and
an HTTP client that knows about CSRF tokens."""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from tortoise.backends.base.config_generator import generate_config
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.contrib.test import tortoise_test_context

from expo import i18n, security, wiring
from expo.app import create_app
from expo.db import MODEL_MODULES, PG_ENGINE
from expo.messages import service as messages
from expo.settings import Settings

# Argon2 at its production cost takes about 0.2 s of CPU a hash on this machine and the suite
# hashes hundreds of passwords: tests use the same argon2id code path with the cheapest cost.
security.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

PG_URL = os.environ.get("EXPO_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def pg_database_url(name: str) -> str:
    """EXPO_TEST_DATABASE_URL with another database name."""
    parts = urlsplit(PG_URL.replace("postgresql://", "postgres://"))
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def backend_url(backend: str) -> str:
    if backend == "sqlite":
        return "sqlite://:memory:"
    return pg_database_url(f"expo_t_{uuid.uuid4().hex[:12]}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys run last: Playwright's sync API keeps an event loop on the main
    thread for the rest of the session, which async tests must not meet."""
    items.sort(key=lambda item: "/browser/" in str(item.fspath))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def database(backend: str, sqlite_url: str | None = None) -> AsyncIterator[str]:
    """An empty database with the schema of the current models, for one test; yields its URL.

    SQLite: a new in-memory database (or the file ``sqlite_url`` names). PostgreSQL: this
    worker's own database, its schema generated once, emptied before each test (every table
    in one transaction, sequences restarted: about 2 ms, where creating a database and its
    ~45 tables for each test took 0.4 s, most of the suite's time on PostgreSQL)."""
    # Tortoise caches INSERT statements per connection name, not per dialect: clear it so
    # that a PostgreSQL test never reuses SQLite's placeholders (and vice versa).
    EXECUTOR_CACHE.clear()
    if backend != "postgres":
        url = sqlite_url or backend_url("sqlite")
        async with tortoise_test_context(MODEL_MODULES, db_url=url):
            yield url
        return
    url, empty = await _pg_worker_database()
    ctx = TortoiseContext()
    async with ctx:
        await ctx.init(config=_pg_config(url), use_tz=True, timezone="UTC")
        await ctx.connections.get("default").execute_script(empty)
        yield url


_worker_db: list[tuple[str, str]] = []  # (URL, the script that empties it), made once


def _pg_config(url: str) -> dict[str, object]:
    """The app's own PostgreSQL client (``expo.pgclient``), as ``expo.db.tortoise_config``."""
    config = generate_config(url, app_modules={"models": MODEL_MODULES},
                             connection_label="default", testing=True)
    config["connections"]["default"]["engine"] = PG_ENGINE
    return config


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_worker_database() -> tuple[str, str]:
    if not _worker_db:
        name = f"expo_w_{uuid.uuid4().hex[:12]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        url = pg_database_url(name)
        ctx = TortoiseContext()
        async with ctx:
            await ctx.init(config=_pg_config(url), use_tz=True, timezone="UTC")
            await ctx.generate_schemas(safe=False)
            conn = ctx.connections.get("default")
            tables = await conn.execute_query_dict(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            sequences = await conn.execute_query_dict(
                "SELECT relname FROM pg_class WHERE relkind = 'S'")
            await ctx.close_connections()
        known = ", ".join(f"'{t['tablename']}'" for t in tables)
        # What a test added to the schema (a trigger, a function, a table) goes first; then,
        # as the suite's superuser, no foreign key is checked while emptying (any order).
        empty = ("BEGIN; DO $$ DECLARE r record; BEGIN "
                 "FOR r IN SELECT tgname, tgrelid::regclass AS tbl FROM pg_trigger "
                 "WHERE NOT tgisinternal LOOP "
                 "EXECUTE format('DROP TRIGGER %I ON %s', r.tgname, r.tbl); END LOOP; "
                 "FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n "
                 "ON n.oid = p.pronamespace WHERE n.nspname = 'public' LOOP "
                 "EXECUTE 'DROP FUNCTION ' || r.f || ' CASCADE'; END LOOP; "
                 "FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                 f"AND tablename NOT IN ({known}) LOOP "
                 "EXECUTE format('DROP TABLE %I CASCADE', r.tablename); END LOOP; END $$; "
                 "SET LOCAL session_replication_role = replica; "
                 + "".join(f'DELETE FROM "{t["tablename"]}"; ' for t in tables)
                 + "".join(f"SELECT setval('\"{q['relname']}\"', 1, false); "
                           for q in sequences)
                 + "COMMIT;")
        _worker_db.append((url, empty))
    return _worker_db[0]


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_worker_database() -> Iterator[None]:
    yield
    if _worker_db:
        name = urlsplit(_worker_db[0][0]).path.lstrip("/")
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest_asyncio.fixture
async def db(backend: str) -> AsyncIterator[str]:
    """An empty database with the schema of the current models (see ``database``)."""
    async with database(backend):
        yield backend


@pytest_asyncio.fixture
async def sqlite_db() -> AsyncIterator[str]:
    """Like ``db`` but SQLite only, for what only the embedded default has (its group commit)."""
    async with database("sqlite"):
        yield "sqlite"


@pytest_asyncio.fixture
async def pg_db() -> AsyncIterator[str]:
    """Like ``db`` but PostgreSQL only, for what only PostgreSQL can do (several processes
    on one database). Skipped where EXPO_TEST_DATABASE_URL is unset; CI always sets it."""
    if not PG_URL:
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    async with database("postgres"):
        yield "postgres"


@pytest.fixture(autouse=True, scope="session")
def _signals() -> None:
    """Every domain's receivers are connected, as the app and the command line connect them."""
    wiring.connect()


@pytest.fixture(autouse=True)
def _messages() -> Iterator[None]:
    """No channel is configured unless a test sets one up (``messages.configure``): messages
    wait in the outbox, HELD. Each test starts with none."""
    messages.configure(Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                                base_url="http://testserver"))
    yield
    messages.configure(Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                                base_url="http://testserver"))


@pytest.fixture(autouse=True)
def _locale() -> object:
    """Service tests run in the default locale; each test starts clean."""
    token = i18n.set_locale(i18n.DEFAULT_LOCALE)
    yield
    i18n.reset_locale(token)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_url="sqlite://:memory:", secret_key=TEST_SECRET,
                    base_url="http://testserver", data_dir=tmp_path, max_body_size=2 * 2**20)


@pytest.fixture
def app(settings: Settings, db: str):  # type: ignore[no-untyped-def]
    return create_app(settings, manage_db=False)


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


class Client(httpx.AsyncClient):
    """An httpx client for the ASGI app that fetches and sends the CSRF token."""

    csrf: str = ""

    async def fetch_csrf(self, path: str = "/login") -> str:
        response = await self.get(path)
        match = CSRF_RE.search(response.text)
        assert match, f"no CSRF token on {path}"
        self.csrf = match.group(1)
        return self.csrf

    async def submit(self, url: str, data: dict[str, object] | None = None,
                     files: dict[str, object] | None = None, **kw: object) -> httpx.Response:
        """POST a form the way a browser would: with the page's CSRF token."""
        if not self.csrf:
            await self.fetch_csrf()
        payload = {"csrf_token": self.csrf, **(data or {})}
        return await self.post(url, data=payload, files=files, **kw)  # type: ignore[arg-type]

    async def login(self, email: str, password: str) -> httpx.Response:
        await self.fetch_csrf()
        response = await self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text[:500]
        await self.fetch_csrf("/")  # the session was renewed at sign-in: new token
        return response


@pytest_asyncio.fixture
async def client(app) -> AsyncIterator[Client]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with Client(transport=transport, base_url="http://testserver") as c:
        yield c
