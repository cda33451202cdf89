"""The migrations in expo/migrations build exactly the schema the models declare, on each
backend, and depend on nothing of the live code (their enums are frozen copies)."""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
import textwrap
import tomllib
import uuid
from pathlib import Path

import asyncpg
import pytest
from tortoise.contrib.test import tortoise_test_context
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.migrations import operations as ops
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.writer import MigrationWriter

import expo.migrations
from expo import db, migration_tools
from expo.db import MODEL_MODULES, tortoise_config
from expo.events.models import EventStatus
from tests.conftest import pg_database_url

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = sorted(Path(expo.migrations.__file__).parent.glob("[0-9]*.py"))
Schema = set[tuple[str, ...]]


def _sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        rows: Schema = set()
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'tortoise_%'")]
        for table in tables:
            for _cid, name, type_, notnull, _default, pk in conn.execute(
                    f'PRAGMA table_info("{table}")'):
                rows.add(("column", table, name, type_.upper(), str(notnull), str(pk)))
            for _seq, index, unique, _origin, _partial in conn.execute(
                    f'PRAGMA index_list("{table}")'):
                cols = ",".join(str(r[2]) for r in conn.execute(
                    f'PRAGMA index_info("{index}")'))  # None for an expression column
                rows.add(("index", table, cols, str(unique)))
            for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                rows.add(("fk", table, row[3], row[2], row[4], row[6]))
        return rows
    finally:
        conn.close()


async def _pg_schema(url: str) -> Schema:
    conn = await asyncpg.connect(url)
    try:
        rows: Schema = set()
        for r in await conn.fetch(
                "SELECT table_name, column_name, data_type, is_nullable, "
                "coalesce(character_maximum_length, 0) AS len FROM information_schema.columns "
                "WHERE table_schema='public' AND table_name NOT LIKE 'tortoise_%'"):
            rows.add(("column", r["table_name"], r["column_name"], r["data_type"],
                      r["is_nullable"], str(r["len"])))
        for r in await conn.fetch(
                "SELECT tablename, regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') AS d "
                "FROM pg_indexes WHERE schemaname='public' AND tablename NOT LIKE 'tortoise_%'"):
            rows.add(("index", r["tablename"], r["d"]))
        for r in await conn.fetch(
                "SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS d "
                "FROM pg_constraint WHERE contype IN ('f', 'u', 'c') "
                "AND connamespace = 'public'::regnamespace "
                "AND conrelid::regclass::text NOT LIKE 'tortoise_%'"):
            rows.add(("constraint", r["t"], r["d"]))
        return rows
    finally:
        await conn.close()


def _migrate(database_url: str, data_dir: Path) -> None:
    env = {**os.environ, "EXPO_DATABASE_URL": database_url, "EXPO_DATA_DIR": str(data_dir),
           "EXPO_SECRET_KEY": "migration-test-secret-key-0123456789abcdef"}
    subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)


def _migrate_to(database_url: str, target: str) -> None:
    code = textwrap.dedent("""
        import asyncio, sys
        from tortoise import Tortoise
        from tortoise.migrations.api import migrate
        from expo.db import tortoise_config

        async def main():
            try:
                await migrate(config=tortoise_config(sys.argv[1]), app_labels=["models"],
                              target=sys.argv[2])
            finally:
                await Tortoise.close_connections()

        asyncio.run(main())
    """)
    subprocess.run([sys.executable, "-c", code, database_url, target], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)


async def test_migrations_match_models_in_state():
    """No model change is missing a migration file."""
    async with tortoise_test_context(MODEL_MODULES) as ctx:
        apps_config = tortoise_config("sqlite://:memory:")["apps"]
        writers = await MigrationAutodetector(ctx.apps, apps_config).changes()
    assert writers == [], ("models changed without a migration: run `make migration NAME=...`",
                           [op.describe() for w in writers for op in w.operations])


# Rows written before 0006 (outbox messages with the old ``sent`` flag) and the state each must
# have after it: sent stays sent, the rest held or failed, nothing queued again.
OLD_OUTBOX = [("a@x.id", True, ""), ("b@x.id", False, ""), ("c@x.id", False, "refused")]
OUTBOX_AFTER = {"a@x.id": "sent", "b@x.id": "held", "c@x.id": "failed"}


async def test_migrations_build_the_models_schema(backend, tmp_path):
    """From nothing to 0005, a few rows of that time, then the rest: the schema is the models'
    and the rows came through (one migration run serves both checks: each costs seconds)."""
    if backend == "sqlite":
        migrated = tmp_path / "migrated.sqlite3"
        _migrate_to(f"sqlite://{migrated}", "models.0005_ticket_keys")
        with sqlite3.connect(migrated) as conn:
            conn.executemany('INSERT INTO outbox ("to", subject, body, sent, error, created_at) '
                             "VALUES (?, 's', 'b', ?, ?, '2026-11-30 10:00:00+00:00')",
                             OLD_OUTBOX)
        _migrate(f"sqlite://{migrated}", tmp_path)
        with sqlite3.connect(migrated) as conn:
            outbox = dict(conn.execute('SELECT "to", state FROM outbox').fetchall())
        declared = tmp_path / "declared.sqlite3"
        async with tortoise_test_context(MODEL_MODULES, db_url=f"sqlite://{declared}"):
            expected = _sqlite_schema(declared)
        actual = _sqlite_schema(migrated)
    else:
        name = f"expo_mig_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(pg_database_url("postgres"))
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            _migrate_to(pg_database_url(name), "models.0005_ticket_keys")
            conn = await asyncpg.connect(pg_database_url(name))
            await conn.executemany('INSERT INTO outbox ("to", subject, body, sent, error, '
                                   "created_at) VALUES ($1, 's', 'b', $2, $3, now())",
                                   OLD_OUTBOX)
            await conn.close()
            _migrate(pg_database_url(name), tmp_path)
            conn = await asyncpg.connect(pg_database_url(name))
            outbox = {r["to"]: r["state"] for r in await conn.fetch(
                'SELECT "to", state FROM outbox')}
            await conn.close()
            actual = await _pg_schema(pg_database_url(name))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        declared = f"expo_decl_{uuid.uuid4().hex[:10]}"
        try:
            async with tortoise_test_context(MODEL_MODULES, db_url=pg_database_url(declared)):
                expected = await _pg_schema(pg_database_url(declared))
        finally:
            admin = await asyncpg.connect(pg_database_url("postgres"))
            await admin.execute(f'DROP DATABASE IF EXISTS "{declared}" WITH (FORCE)')
            await admin.close()
    assert actual, "the migrations created no tables"
    assert actual == expected, {"only_in_migrations": sorted(actual - expected),
                                "only_in_models": sorted(expected - actual)}
    assert outbox == OUTBOX_AFTER


def test_migrations_import_nothing_of_expo():
    """Renaming or removing an enum member must not break an old migration."""
    assert len(MIGRATIONS) >= 4
    for path in MIGRATIONS:
        assert migration_tools.live_imports(path.read_text()) == [], (
            f"{path.name} imports the live code: run `python -m expo.migration_tools freeze`")


def test_frozen_enums_agree_with_what_each_migration_recorded():
    """Each CharEnumField's description ("NAME: value" lines) was written with the migration:
    its frozen enum has exactly those members."""
    checked = 0
    for path in MIGRATIONS:
        module = importlib.import_module(f"expo.migrations.{path.stem}")
        for op in module.Migration.operations:
            if isinstance(op, ops.CreateModel):
                fields = op.fields
            elif isinstance(op, ops.AddField | ops.AlterField):
                fields = [(op.name, op.field)]
            else:
                continue
            for name, field in fields:
                if isinstance(field, CharEnumFieldInstance):
                    members = "\n".join(f"{m.name}: {m.value}" for m in field.enum_type)
                    assert members == field.description, (path.name, name)
                    assert field.enum_type.__module__ == module.__name__, (path.name, name)
                    checked += 1
    assert checked >= 20


def test_freeze_copies_enums_into_a_new_migration():
    source = textwrap.dedent("""\
        from tortoise import migrations
        from tortoise.migrations import operations as ops
        from expo.events.models import EventStatus
        from tortoise import fields

        class Migration(migrations.Migration):
            operations = [
                ops.AddField(model_name='Event', name='s', field=fields.CharEnumField(
                    default=EventStatus.DRAFT, enum_type=EventStatus, max_length=12)),
            ]
        """)
    frozen = migration_tools.freeze_source(source)
    assert migration_tools.live_imports(frozen) == []
    namespace: dict[str, object] = {}
    exec(compile(frozen, "frozen_migration", "exec"), namespace)  # noqa: S102
    enum_type = namespace["EventStatus"]
    assert [(m.name, m.value) for m in enum_type] == [(m.name, m.value) for m in EventStatus]
    assert enum_type is not EventStatus
    assert migration_tools.freeze_source(frozen) == frozen  # nothing left to freeze
    with pytest.raises(migration_tools.FreezeError, match="not an enum"):
        migration_tools.freeze_source("from expo.settings import Settings\n")


def test_makemigrations_writes_into_the_package():
    """`tortoise makemigrations` (config from [tool.tortoise]) writes next to the migrations
    the wheel ships, not into a folder of the working directory."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["tortoise"]["tortoise_orm"] == "expo.db.TORTOISE_ORM"
    module = db.TORTOISE_ORM["apps"]["models"]["migrations"]
    assert module == "expo.migrations"
    writer = MigrationWriter("0099_x", "models", [], migrations_module=module)
    assert writer.path() == ROOT / "expo" / "migrations" / "0099_x.py"


def test_a_new_database_gets_the_schema_at_once_with_every_migration_recorded(tmp_path):
    """``expo migrate`` on an empty database builds the models' schema directly and records
    each migration as applied, so that the next migration applies on top as usual."""
    path = tmp_path / "fresh.sqlite3"
    _migrate(f"sqlite://{path}", tmp_path)
    with sqlite3.connect(path) as conn:
        recorded = {row[0] for row in conn.execute("SELECT name FROM tortoise_migrations")}
    assert recorded == {m.stem for m in MIGRATIONS}
    _migrate(f"sqlite://{path}", tmp_path)  # again: nothing to do, nothing fails


async def test_migrating_processes_take_turns_on_postgresql(tmp_path):
    """Hosts starting together on a new version: each ``migrate`` waits for the lock, the
    first applies, the others find nothing left (issue 17)."""
    if not os.environ.get("EXPO_TEST_DATABASE_URL"):
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    import asyncio

    from expo.settings import Settings

    name = f"expo_lock_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_database_url("postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    holder = await asyncpg.connect(pg_database_url(name))
    try:
        settings = Settings(database_url=pg_database_url(name), secret_key="x" * 40,
                            data_dir=tmp_path)
        await holder.execute("SELECT pg_advisory_lock($1)", db.MIGRATION_LOCK)
        both = asyncio.ensure_future(asyncio.gather(db.migrate(settings), db.migrate(settings)))
        done, _pending = await asyncio.wait({both}, timeout=0.5)
        assert not done  # waiting for the lock another process holds
        assert not await holder.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        await holder.execute("SELECT pg_advisory_unlock($1)", db.MIGRATION_LOCK)
        await both
        applied = await holder.fetch("SELECT name FROM tortoise_migrations")
        assert len(applied) == len(MIGRATIONS)  # each recorded once
    finally:
        await holder.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
