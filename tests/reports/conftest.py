"""Report fixtures: a database that other processes can open too (the export worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from expo.reports import jobs
from expo.settings import SQLITE_PRAGMAS
from tests.conftest import BACKENDS, database


@pytest_asyncio.fixture(params=BACKENDS)
async def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Like ``db``, on a SQLite file or a fresh PostgreSQL database; yields its URL."""
    async with database(str(request.param),
                        sqlite_url=f"sqlite://{tmp_path / 'expo.sqlite3'}?{SQLITE_PRAGMAS}") as url:
        yield url


@pytest.fixture(autouse=True)
def _exports_in_this_process() -> Iterator[None]:
    """Each test starts with no database known to the export jobs (they run in-process unless
    a test starts them with a database a child can open)."""
    jobs.configure(database_url="")
    yield
    jobs.configure(database_url="")
