"""expo's PostgreSQL client (issue 17): its pool gives connections back without asyncpg's reset
query (one round trip less per query), which is right only while no pooled connection keeps
a session's state; a connection given back inside a transaction is still rolled back."""

import re
from pathlib import Path

import pytest
from tortoise import connections

from expo import db, pgclient

ROOT = Path(__file__).resolve().parent.parent
# What would leave state on a pooled connection for the next query to meet.
# (SQL keywords: expo writes them in capitals, its prose does not.)
# (SQL keywords: expo writes them in capitals, its prose does not; a SET that opens a
# statement, not an UPDATE's.)
SESSION_STATE = re.compile(
    r"\b(LISTEN|UNLISTEN)\b|pg_advisory_lock\(|pg_try_advisory_lock\(|"
    r"(^|[\"';]\s*)SET\s+(SESSION\s+)?(?!LOCAL\b)[a-z_]+\s*(=|TO)\s|\bWITH HOLD\b|"
    r"\bCREATE\s+TEMP(ORARY)?\b|\bDECLARE\s+\w+\s+CURSOR")
# Where a session of its own is used on purpose (a connection outside the pool), or named.
OWN_SESSIONS = {"expo/invalidation.py", "expo/db.py", "expo/pgclient.py"}


def test_a_postgresql_url_gets_expos_client_and_sqlite_stays():
    config = db.tortoise_config("postgres://u:p@db.local:5433/expo?statement_cache_size=0")
    entry = config["connections"]["default"]
    assert entry["engine"] == "expo.pgclient" == db.PG_ENGINE
    assert entry["credentials"]["statement_cache_size"] == 0  # PgBouncer's option kept
    assert entry["credentials"]["host"] == "db.local"
    assert db.tortoise_config("sqlite://:memory:")["connections"]["default"] == (
        "sqlite://:memory:")
    assert pgclient.client_class is pgclient.ExpoAsyncpgClient


def test_no_pooled_connection_keeps_a_sessions_state():
    offenders = []
    for path in sorted((ROOT / "expo").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in OWN_SESSIONS or "/migrations/" in name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SESSION_STATE.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert offenders == []


def test_the_session_state_pattern_catches_what_it_should():
    for bad in ('"SET search_path TO x"', "LISTEN expo", "'SET statement_timeout = 5'", "SELECT pg_advisory_lock(1)",
                "CREATE TEMP TABLE t (x int)", "DECLARE c CURSOR WITH HOLD FOR SELECT 1"):
        assert SESSION_STATE.search(bad), bad
    for fine in ("SET LOCAL statement_timeout = 5", "SELECT pg_advisory_xact_lock(1)",
                 '"UPDATE t SET x = 1"', "status = 'set'"):
        assert not SESSION_STATE.search(fine), fine


async def test_the_pool_skips_the_reset_and_still_rolls_back(pg_db):
    client = connections.get("default")
    assert isinstance(client, pgclient.ExpoAsyncpgClient)
    statements: list[str] = []
    async with client.acquire_connection() as conn:
        conn.add_query_logger(lambda record: statements.append(record.query))
        await conn.execute("BEGIN")
        await conn.execute("CREATE TABLE left_open (x int)")
    # Given back inside a transaction: rolled back, nothing else sent.
    assert statements[-1] == "ROLLBACK"
    assert not any("RESET ALL" in s or "UNLISTEN" in s for s in statements)
    rows = await client.execute_query_dict("SELECT to_regclass('left_open') AS t")
    assert rows == [{"t": None}]


@pytest.mark.parametrize("query", ["SELECT 1"])
async def test_a_query_is_one_round_trip(pg_db, query):
    client = connections.get("default")
    seen: list[str] = []
    async with client.acquire_connection() as conn:
        conn.add_query_logger(lambda record: seen.append(record.query))
        await conn.fetch(query)
    assert seen == [query]  # and no reset after it
