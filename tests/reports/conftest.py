"""Report fixtures: a database that other processes can open too (the export worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.contrib.test import tortoise_test_context

from expo.db import MODEL_MODULES
from expo.settings import SQLITE_PRAGMAS
from tests.conftest import BACKENDS, backend_url


@pytest_asyncio.fixture(params=BACKENDS)
async def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Like ``db``, on a SQLite file or a fresh PostgreSQL database; yields its URL."""
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'expo.sqlite3'}?{SQLITE_PRAGMAS}"
    else:
        url = backend_url("postgres")
    EXECUTOR_CACHE.clear()
    async with tortoise_test_context(MODEL_MODULES, db_url=url):
        yield url
