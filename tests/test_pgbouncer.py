"""expo through PgBouncer in transaction mode, with deploy/pgbouncer/pgbouncer.ini.

PgBouncer (1.18, Debian 12) lends a PostgreSQL backend for one transaction at a time.
asyncpg's prepared-statement cache breaks there: a statement prepared in one transaction is
looked for on another backend in the next. ``?statement_cache_size=0`` in EXPO_DATABASE_URL
(Tortoise hands it to asyncpg) is the fix; the first test shows the failure it avoids, the
second runs expo through PgBouncer: migrations into a fresh database, then a server doing a
page, a sign-in, scans, a rescan, a concurrent burst and a batch, with the invalidation
listener on EXPO_DATABASE_DIRECT_URL (PostgreSQL itself, as LISTEN needs) and no other client
bypassing PgBouncer. PostgreSQL only (CI has it).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from tests.conftest import PG_URL, _pg_admin, pg_database_url
from tests.deploy_support import (
    ROOT,
    SLUG,
    expo_command,
    expo_env,
    expo_servers,
    free_port,
    login,
    require_tool,
    scan,
    seed,
    stop,
    wait_for_port,
)

INI = ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"
USERLIST = ROOT / "deploy" / "pgbouncer" / "userlist.txt.example"
NO_CACHE = "statement_cache_size=0"


def render(ini: str, *, database: str, port: int, userlist: Path, user: str) -> str:
    """The shipped file for this machine: local addresses, a free port, trust, stderr log.
    A second entry (``<database>_two``) has two backends, for the failure it shows."""
    pg = urlsplit(PG_URL)
    upstream = f"host={pg.hostname or '127.0.0.1'} port={pg.port or 5432}"
    replacements = {
        r"^expo = host=\S+ port=5432 dbname=expo$":
            f"{database} = {upstream} dbname={database}\n"
            f"{database}_two = {upstream} dbname={database} pool_size=2",
        r"^listen_addr = .*$": "listen_addr = 127.0.0.1",
        r"^listen_port = .*$": f"listen_port = {port}",
        r"^unix_socket_dir = .*$": "unix_socket_dir =",
        r"^(logfile|pidfile) = .*\n": "",
        r"^auth_type = .*$": "auth_type = trust",
        r"^auth_file = .*$": f"auth_file = {userlist}",
        r"^default_pool_size = .*$": "default_pool_size = 4",  # fewer backends than clients
        r"^admin_users = .*$": f"admin_users = {user}",  # SHOW CLIENTS, below
        r"^stats_users = .*\n": "",
    }
    for pattern, new in replacements.items():
        ini, count = re.subn(pattern, new, ini, flags=re.MULTILINE)
        assert count >= 1, pattern
    assert "pool_mode = transaction" in ini
    return ini


@dataclass
class Bouncer:
    port: int
    database: str

    def url(self, database: str | None = None, query: str = NO_CACHE) -> str:
        user = urlsplit(PG_URL).username or "postgres"
        name = database or self.database
        return f"postgres://{user}@127.0.0.1:{self.port}/{name}" + (f"?{query}" if query else "")




@pytest.fixture
def bouncer(tmp_path: Path) -> Iterator[Bouncer]:
    if not PG_URL:
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    binary = require_tool("pgbouncer", "pgbouncer")
    database = f"expo_pgb_{uuid.uuid4().hex[:10]}"
    user = urlsplit(PG_URL).username or "postgres"
    userlist = tmp_path / "userlist.txt"
    comments = [line for line in USERLIST.read_text().splitlines() if line.startswith(";")]
    userlist.write_text("\n".join([*comments, f'"{user}" ""']) + "\n")
    port = free_port()
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(render(INI.read_text(), database=database, port=port, userlist=userlist,
                          user=user))
    # PgBouncer refuses to run as root: it reads its files, then becomes the postgres user.
    as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
    asyncio.run(_pg_admin(f'CREATE DATABASE "{database}"'))
    log = tmp_path / "pgbouncer.log"
    try:
        with open(log, "wb") as out:
            process = subprocess.Popen([binary, *as_user, str(ini)], stdout=out,
                                       stderr=subprocess.STDOUT)
        try:
            wait_for_port(port, process, "pgbouncer", log)
            yield Bouncer(port=port, database=database)
        finally:
            stop(process)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


async def _next_transaction_elsewhere(url: str, cache: int) -> list[int]:
    """A query, then the same query while its backend is lent to another client's open
    transaction: PgBouncer hands the first client its second backend. ``cache``: asyncpg's
    statement_cache_size (what Tortoise passes from the URL)."""
    first = await asyncpg.connect(url, statement_cache_size=cache)
    second = await asyncpg.connect(url, statement_cache_size=cache)
    try:
        results = [await first.fetchval("SELECT $1::int + 1", 1)]  # the first backend
        async with second.transaction():  # now holds that backend, idle in the pool
            await second.execute("SELECT 1")
            results.append(await first.fetchval("SELECT $1::int + 1", 2))  # the other one
        return results
    finally:
        await first.close()
        await second.close()


def test_pgbouncer_needs_no_statement_cache(bouncer: Bouncer) -> None:
    two = bouncer.database + "_two"
    with pytest.raises(asyncpg.PostgresError, match="prepared statement .* does not exist"):
        asyncio.run(_next_transaction_elsewhere(bouncer.url(two, query=""), cache=100))
    assert asyncio.run(_next_transaction_elsewhere(bouncer.url(two, query=""), cache=0)) == [2, 3]


def test_pgbouncer_serves_expo(bouncer: Bouncer, tmp_path: Path) -> None:
    # As deployed: queries through PgBouncer, the invalidation listener to PostgreSQL itself.
    env = expo_env(bouncer.url(), tmp_path / "data",
                   EXPO_DATABASE_DIRECT_URL=pg_database_url(bouncer.database))
    assert "up to date" in expo_command(env, "migrate")  # a fresh database, via PgBouncer
    assert "up to date" in expo_command(env, "migrate")  # and again: nothing to apply
    seeded = seed(env, visitors=40)
    with expo_servers(env, [free_port()], tmp_path / "logs") as (base,), \
            httpx.Client(base_url=base, timeout=30) as http:
        assert http.get("/login").status_code == 200
        signed_in = login(http, seeded.email, seeded.password)
        assert signed_in.status_code in (302, 303), signed_in.text[:300]
        assert http.get(f"/manage/e/{SLUG}").status_code == 200
        first = scan(http, seeded.token, seeded.codes[0], uuid.uuid4().hex)
        rescan = scan(http, seeded.token, seeded.codes[0], uuid.uuid4().hex)
        with ThreadPoolExecutor(max_workers=12) as pool:  # more clients than backends (4)
            burst = list(pool.map(lambda code: scan(http, seeded.token, code,
                                                    uuid.uuid4().hex)["status"],
                                  seeded.codes[1:30]))
        batch = http.post(f"/api/v1/events/{SLUG}/scans/batch",
                          headers={"Authorization": f"Bearer {seeded.token}"},
                          json={"scans": [{"code": code, "nonce": uuid.uuid4().hex,
                                           "direction": "in"} for code in seeded.codes[30:]]})
        listeners = asyncio.run(_listeners(pg_database_url(bouncer.database)))
        clients = _pgbouncer_clients(bouncer)
    # The invalidation listener went to PostgreSQL itself (EXPO_DATABASE_DIRECT_URL), the
    # queries through PgBouncer.
    assert listeners >= 1
    assert "expo invalidation" not in clients and bouncer.database in clients
    assert first["status"] == "ok"
    assert rescan["status"] != "ok"
    assert burst == ["ok"] * 29
    assert batch.status_code == 200, batch.text
    assert [r["status"] for r in batch.json()["results"]] == ["ok"] * 10
    entries = asyncio.run(_count_entries(pg_database_url(bouncer.database)))
    assert entries == 40  # each ticket in once, read directly from PostgreSQL


async def _count_entries(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM visitor_scans WHERE ok"))
    finally:
        await conn.close()


async def _listeners(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'expo invalidation'"))
    finally:
        await conn.close()


def _pgbouncer_clients(bouncer: Bouncer) -> str:
    """PgBouncer's admin console: its clients, with their databases and application names."""
    psql = require_tool("psql", "postgresql-client")
    user = urlsplit(PG_URL).username or "postgres"
    done = subprocess.run([psql, "-h", "127.0.0.1", "-p", str(bouncer.port), "-U", user, "-Atc",
                           "SHOW CLIENTS", "pgbouncer"], capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout
