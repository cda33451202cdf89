"""The scan store's drivers: a test module that takes ``scan_db`` (or overrides ``db`` with it)
runs on the in-memory database (scans through Tortoise's connection), on a database file
(scans through their own connection, in groups) and, when EXPO_TEST_DATABASE_URL is set, on
PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from expo.settings import SQLITE_PRAGMAS
from expo.visitors import scanstore
from tests.conftest import BACKENDS, database

FILE = "sqlite-file"


def file_url(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'expo.sqlite3'}?{SQLITE_PRAGMAS}"


async def _database(url: str | None, backend: str) -> AsyncIterator[str]:
    async with database("postgres" if backend == "postgres" else "sqlite", sqlite_url=url):
        try:
            yield backend
        finally:
            await scanstore.close_all()


@pytest_asyncio.fixture(params=[BACKENDS[0], FILE, *BACKENDS[1:]])
async def scan_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind the scan store drives."""
    backend = str(request.param)
    url = file_url(tmp_path) if backend == FILE else None
    async for name in _database(url, backend):
        yield name


@pytest_asyncio.fixture(params=["sqlite", FILE])
async def any_sqlite_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """SQLite in memory and in a file: what PostgreSQL does in one statement."""
    backend = str(request.param)
    url = file_url(tmp_path) if backend == FILE else None
    async for name in _database(url, backend):
        yield name


@pytest_asyncio.fixture
async def file_db(tmp_path: Path) -> AsyncIterator[str]:
    """A SQLite database file only (the group commit, two connections on one file)."""
    async for name in _database(file_url(tmp_path), FILE):
        yield name
