"""Tortoise's asyncpg client for PostgreSQL, with a pool that does not reset its connections.

asyncpg's pool resets a connection each time it is given back (``SELECT
pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``): one more round trip for every
query Tortoise runs outside a transaction, and for every gate scan, which is one statement.
None of it has anything to undo in expo: no pooled connection holds a session's state (no
``SET`` without ``LOCAL``, no session advisory lock, no ``LISTEN``, no cursor kept across
transactions: what needs a session has its own connection, as the invalidation listener and
the migrations' lock do), and a connection given back inside a transaction is still rolled
back (asyncpg's own clean-up, before the reset). ``tests/test_pgclient.py`` keeps it so.

``expo.db.tortoise_config`` names this module as the engine of a PostgreSQL URL.
"""

from __future__ import annotations

from typing import Any

import asyncpg  # type: ignore[import-untyped]
from tortoise.backends.asyncpg.client import AsyncpgDBClient


async def keep_session(connection: Any) -> None:
    """The pool's reset: nothing to reset (see the module's docstring)."""


class ExpoAsyncpgClient(AsyncpgDBClient):  # type: ignore[misc]
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=keep_session, **kwargs)


client_class = ExpoAsyncpgClient
