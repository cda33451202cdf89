"""The backup scripts of deploy/backup/, run for real: a PostgreSQL dump restored into a
fresh database, a SQLite copy taken while a connection holds committed rows in the WAL only,
each restored and compared row for row; retention removes only what it should."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from expo.settings import SQLITE_PRAGMAS
from tests.conftest import PG_URL, _pg_admin, pg_database_url
from tests.deploy_support import ROOT, expo_command, expo_env, require_tool, seed

BACKUP = ROOT / "deploy" / "backup"
DAY = 86400


def run(script: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([require_tool("bash", "bash"), str(BACKUP / script), *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{script}: {done.stdout}{done.stderr}"
    return done.stdout


def aged(path: Path, days: float) -> Path:
    path.write_bytes(b"old")
    then = time.time() - days * DAY
    os.utime(path, (then, then))
    return path


async def _pg_rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in a stable order (as text, to compare across databases)."""
    conn = await asyncpg.connect(url)
    try:
        tables = [r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {table: [tuple(r) for r in await conn.fetch(
            f'SELECT t::text FROM "{table}" t ORDER BY 1')] for table in tables}  # noqa: S608
    finally:
        await conn.close()




def test_backup_postgres_dump_restores(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    for tool in ("pg_dump", "pg_restore"):
        require_tool(tool, "postgresql-client")
    source, target = (f"expo_bk_{uuid.uuid4().hex[:10]}" for _ in range(2))
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [aged(backups / f"expo-2020010{n}-000000.dump", 30 + n) for n in range(3)]
    recent = aged(backups / "expo-20991231-000000.dump", 1)
    (tmp_path / "data" / "uploads" / "photos").mkdir(parents=True)
    (tmp_path / "data" / "uploads" / "photos" / "p.webp").write_bytes(b"photo")
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{source}"'))
        asyncio.run(_pg_admin(f'CREATE DATABASE "{target}"'))
        env = expo_env(pg_database_url(source), tmp_path / "data")
        expo_command(env, "migrate")
        seed(env, visitors=25)
        env |= {"EXPO_DATABASE_DIRECT_URL": pg_database_url(source),
                "EXPO_BACKUP_DIR": str(backups), "EXPO_BACKUP_KEEP_DAYS": "14",
                "EXPO_BACKUP_KEEP_MIN": "2"}
        out = run("expo-backup-postgres.sh", env=env)
        (dump,) = [p for p in backups.glob("expo-*.dump") if p not in (*old, recent)]
        assert f"removed {old[0]}" in out
        assert sorted(backups.glob("expo-*.dump")) == sorted([dump, recent])  # newest 2
        assert list(backups.glob("expo-files-*.tar.gz"))  # the uploads beside it
        run("expo-restore-postgres.sh", str(dump), pg_database_url(target), env=env)
        before = asyncio.run(_pg_rows(pg_database_url(source)))
        after = asyncio.run(_pg_rows(pg_database_url(target)))
        assert len(before["visitors"]) == 25
        assert after == before
    finally:
        for name in (source, target):
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _sqlite_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"'), key=repr)  # noqa: S608
                for t in tables}


def test_backup_sqlite_copies_what_is_in_the_wal(tmp_path: Path) -> None:
    data, backups, restored = tmp_path / "data", tmp_path / "backups", tmp_path / "restored"
    database = data / "expo.sqlite3"
    env = expo_env(f"sqlite://{database}?{SQLITE_PRAGMAS}", data)
    expo_command(env, "migrate")
    seed(env, visitors=10)
    (data / "uploads").mkdir()
    (data / "uploads" / "p.webp").write_bytes(b"photo")
    (data / "secret_key").write_text("k" * 48 + "\n")
    # A live writer: its last commits are in expo.sqlite3-wal only (no checkpoint yet).
    live = sqlite3.connect(database)
    try:
        live.execute("PRAGMA wal_autocheckpoint = 0")
        live.execute("UPDATE visitors SET name = 'Setelah salinan terakhir' WHERE id <= 3")
        live.commit()
        assert (data / "expo.sqlite3-wal").stat().st_size > 0
        expected = _sqlite_rows(database)
        run("expo-backup-sqlite.sh", str(database),
            env=env | {"EXPO_BACKUP_DIR": str(backups)})
    finally:
        live.close()
    (archive,) = backups.glob("expo-sqlite-*.tar.gz")
    run("expo-restore-sqlite.sh", str(archive), str(restored), env=env)
    assert _sqlite_rows(restored / "expo.sqlite3") == expected
    with sqlite3.connect(restored / "expo.sqlite3") as db:
        (changed,) = db.execute(
            "SELECT COUNT(*) FROM visitors WHERE name = 'Setelah salinan terakhir'").fetchone()
    assert changed == 3
    assert (restored / "secret_key").read_text() == "k" * 48 + "\n"
    assert (restored / "uploads" / "p.webp").read_bytes() == b"photo"
