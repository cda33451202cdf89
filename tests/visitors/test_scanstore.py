"""The scan store (issue 12): the driver each database gets, the group commit on a database
file, a file shared by the scans' connection and Tortoise's, and forced entries audited in
the scan's own transaction."""

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.contrib.test import tortoise_test_context
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from expo.audit.models import AuditEntry
from expo.db import MODEL_MODULES, atomic
from expo.visitors import checkin, scanstore, service
from expo.visitors.checkin import Refusal, ScanInput
from expo.visitors.models import GateRules, Scan, Visitor
from expo.visitors.openapi import OPENAPI
from tests.factories import make_event
from tests.visitors.helpers import SIGNER, START, code_of, local, make_visitor

OPEN = local(START, "10:00")
SCANNER_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "scanner.js"


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()


async def setup(visitors: int):
    event = await make_event(starts_on=START, days=1, opens="09:00", closes="17:00")
    await GateRules.create(event=event, reentry=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    people = [await make_visitor(event, name=f"Pengunjung {i}") for i in range(visitors)]
    return event, gate, people, await checkin.gate_context(event=event)


def scan(ctx, visitor, gate, **kw):
    return checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(visitor), **kw),
                               signer=SIGNER, gate_id=gate.id, gate_name=gate.name, now=OPEN)


# ---- which driver ------------------------------------------------------------------------

DRIVERS = {"sqlite": scanstore.TortoiseStore, "sqlite-file": scanstore.SqliteFileStore,
           "postgres": scanstore.PostgresStore}


async def test_store_for_picks_the_driver_of_the_configured_database(scan_db):
    store = scanstore.store_for()
    assert type(store) is DRIVERS[scan_db]
    assert scanstore.store_for() is store  # one per database, kept
    async with atomic():  # inside a caller's transaction a scan is part of it
        inside = scanstore.store_for()
    assert type(inside) is (scanstore.PostgresStore if scan_db == "postgres"
                            else scanstore.TortoiseStore)


async def test_scan_inside_a_transaction_is_rolled_back_with_it(scan_db):
    event, gate, people, ctx = await setup(1)
    with pytest.raises(LookupError):
        async with atomic():
            assert (await scan(ctx, people[0], gate, nonce="a")).ok
            raise LookupError("the caller changes its mind")
    assert await Scan.filter(event=event).count() == 0
    assert not (await Visitor.get(id=people[0].id)).inside
    assert (await scan(ctx, people[0], gate, nonce="a")).ok


# ---- the file driver's group commit --------------------------------------------------------

async def _trace(store: scanstore.SqliteFileStore,
                 thread: list[str] | None = None) -> list[str]:
    """The statements the store's own connections run from now on (the thread's into
    ``thread`` when given, else into the same list)."""
    statements: list[str] = []
    loop = asyncio.get_running_loop()
    if store.here is None:
        store.here = await loop.run_in_executor(store.thread, store._open_here)
    store.here.set_trace_callback(statements.append)
    into = statements if thread is None else thread
    await loop.run_in_executor(
        store.thread, lambda: store._connection().set_trace_callback(into.append))
    return statements


async def test_file_store_records_waiting_scans_in_one_transaction(file_db):
    event, gate, people, ctx = await setup(40)
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    statements = await _trace(store)
    results = await asyncio.gather(*[scan(ctx, p, gate, nonce=f"n{i}")
                                     for i, p in enumerate(people)])
    assert [r.status for r in results] == ["ok"] * 40
    assert statements.count("BEGIN IMMEDIATE") == 1 and statements.count("COMMIT") == 1
    assert statements.count("SAVEPOINT scan") == 40
    assert await Scan.filter(event=event, ok=True).count() == 40  # seen by Tortoise's
    await scanstore.close_all()  # as the app does when it stops
    assert store.raw is None and store.closed
    assert scanstore.store_for() is not store


async def test_file_store_runs_a_group_on_the_loop_while_the_file_is_free(file_db):
    _event, gate, people, ctx = await setup(10)
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    on_thread: list[str] = []
    here = await _trace(store, thread=on_thread)
    results = await asyncio.gather(*[scan(ctx, p, gate, nonce=f"n{i}")
                                     for i, p in enumerate(people)])
    assert [r.status for r in results] == ["ok"] * 10
    assert here.count("BEGIN IMMEDIATE") == 1 and here.count("SAVEPOINT scan") == 10
    assert on_thread == []  # no hop to the thread
    pragmas = {name: store.here.execute(f"PRAGMA {name}").fetchone()[0]  # type: ignore[union-attr]
               for name in ("busy_timeout", "wal_autocheckpoint", "foreign_keys")}
    assert pragmas == {"busy_timeout": 0, "wal_autocheckpoint": 0, "foreign_keys": 1}


async def test_file_store_waits_on_its_thread_while_another_writer_holds_the_file(
        file_db, tmp_path):
    event, gate, people, ctx = await setup(3)
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    on_thread: list[str] = []
    here = await _trace(store, thread=on_thread)
    other = sqlite3.connect(tmp_path / "expo.sqlite3", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # a committee import, say
        waiting = asyncio.ensure_future(asyncio.gather(
            *[scan(ctx, p, gate, nonce=f"n{i}") for i, p in enumerate(people)]))
        # The loop goes on meanwhile (this coroutine runs); the scans wait for the lock.
        done, _pending = await asyncio.wait({waiting}, timeout=0.2)
        assert not done
        assert here.count("BEGIN IMMEDIATE") == 1 and "SAVEPOINT scan" not in here
        other.execute("ROLLBACK")
        results = await waiting
    finally:
        other.close()
    assert [r.status for r in results] == ["ok"] * 3
    assert on_thread.count("BEGIN IMMEDIATE") == 1 and on_thread.count("COMMIT") == 1
    assert await Scan.filter(event=event, ok=True).count() == 3


async def test_file_store_checkpoints_the_wal_on_its_thread(file_db, monkeypatch):
    _event, gate, people, ctx = await setup(3)
    monkeypatch.setattr(scanstore, "CHECKPOINT_EVERY", 2)
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    on_thread: list[str] = []
    here = await _trace(store, thread=on_thread)
    for i, person in enumerate(people):  # one group each
        assert (await scan(ctx, person, gate, nonce=f"n{i}")).ok
    assert store.checkpoint is not None
    await asyncio.wrap_future(store.checkpoint)
    assert on_thread == ["PRAGMA wal_checkpoint(PASSIVE)"]
    assert not any("checkpoint" in statement for statement in here)


async def test_file_store_opens_its_connection_with_the_urls_pragmas(file_db):
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    pragmas = await asyncio.get_running_loop().run_in_executor(store.thread, lambda: {
        name: store._connection().execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")})
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 10000, "foreign_keys": 1,
                       "synchronous": 1}  # NORMAL


# ---- one file, two connections: Tortoise's and the scans' ---------------------------------

async def test_a_deferred_transaction_that_read_cannot_write_after_a_scan(file_db):
    """What ``atomic()`` is for: Tortoise's own ``in_transaction()`` reads, a scan commits on
    the other connection, and the write fails at once (WAL: a stale snapshot)."""
    _event, gate, people, ctx = await setup(2)
    go = asyncio.Event()

    async def scan_when_told():
        await go.wait()
        return await scan(ctx, people[1], gate, nonce="b")

    other = asyncio.create_task(scan_when_told())  # made outside the transaction: its own
    with pytest.raises(OperationalError, match="database is locked"):
        async with in_transaction():
            await Visitor.get(id=people[0].id)
            go.set()
            assert (await other).ok
            await Visitor.filter(id=people[0].id).update(organisation="Toko Siti")


async def test_atomic_transactions_and_a_burst_of_scans_share_a_file(file_db):
    event, gate, people, ctx = await setup(60)

    async def committee_edit(visitor):  # reads, then writes: a service's transaction
        async with atomic():
            seen = await Visitor.get(id=visitor.id)
            await Visitor.filter(id=seen.id).update(organisation=f"Toko {seen.entries}")
            await GateRules.filter(event_id=event.id).update(early_minutes=seen.id % 60)

    for _round in range(3):
        scans = [scan(ctx, p, gate, nonce=f"{_round}-{i}") for i, p in enumerate(people)]
        edits = [committee_edit(p) for p in people[::4]]
        outcomes = await asyncio.gather(*scans, *edits, return_exceptions=True)
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert await Scan.filter(event=event, ok=True).count() == 60  # single entry: round 1
    assert await Scan.filter(event=event, reason="already_inside").count() == 120
    assert await Visitor.filter(event=event, organisation__startswith="Toko").count() == 15


async def test_atomic_takes_the_write_lock_at_its_start(file_db, tmp_path):
    other = sqlite3.connect(tmp_path / "expo.sqlite3", timeout=0, isolation_level=None)
    try:
        async with in_transaction():  # Tortoise's deferred BEGIN: no lock yet
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        event = await make_event()
        with pytest.raises(LookupError):
            async with atomic():
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    other.execute("BEGIN IMMEDIATE")
                async with atomic():  # nested: a savepoint; the lock is the outer one's
                    await GateRules.create(event=event)
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    other.execute("BEGIN IMMEDIATE")
                raise LookupError("rolled back, nested savepoint and all")
        other.execute("BEGIN IMMEDIATE")  # released at the end
        other.execute("ROLLBACK")
        assert not await GateRules.filter(event=event).exists()
    finally:
        other.close()


async def test_tortoise_connection_has_a_busy_timeout(file_db, tmp_path):
    rows = await connections.get("default").execute_query_dict("PRAGMA busy_timeout")
    assert rows == [{"timeout": 10000}]  # expo.settings.SQLITE_PRAGMAS
    # A URL without it: sqlite3's own default (Tortoise passes no timeout to aiosqlite).
    EXECUTOR_CACHE.clear()
    async with tortoise_test_context(MODEL_MODULES, db_url=f"sqlite://{tmp_path / 'b.sqlite3'}"):
        rows = await connections.get("default").execute_query_dict("PRAGMA busy_timeout")
        assert rows == [{"timeout": 5000}]


# ---- forced entries: audited in the scan's transaction -------------------------------------

async def test_forced_entry_is_audited_with_the_scan(scan_db):
    event, gate, people, ctx = await setup(1)
    assert (await scan(ctx, people[0], gate, nonce="a")).ok
    forced = await scan(ctx, people[0], gate, nonce="b", offline=True)
    assert forced.forced and forced.reason == Refusal.ALREADY_INSIDE
    entry = await AuditEntry.get(action="expo.visitor.forced_entry")
    assert (entry.event_id, entry.actor_id) == (event.id, None)
    assert entry.summary == "Pengunjung 0 @ Pintu Utama: already_inside"
    assert entry.data == {"device": None, "reason": "already_inside", "visitor": people[0].id}
    assert entry.created_at == OPEN
    again = await scan(ctx, people[0], gate, nonce="b", offline=True)  # a retry: first answer
    assert again.forced and again.at == forced.at
    assert await AuditEntry.filter(action="expo.visitor.forced_entry").count() == 1


def _refuse_audit_entries(backend: str) -> str:
    if backend == "postgres":
        return ("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'audit refused'; END $$; CREATE TRIGGER refuse_audit BEFORE "
                "INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();")
    return ("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit refused'); END;")


async def test_forced_entry_whose_audit_fails_is_not_recorded(scan_db):
    event, gate, people, ctx = await setup(1)
    assert (await scan(ctx, people[0], gate, nonce="a")).ok
    await connections.get("default").execute_script(_refuse_audit_entries(scan_db))
    with pytest.raises(Exception, match="audit refused"):
        await scan(ctx, people[0], gate, nonce="b", offline=True)
    assert await Scan.filter(event=event).values_list("nonce", flat=True) == ["a"]
    assert (await scan(ctx, people[0], gate, nonce="c")).reason == "already_inside"


# ---- refusals: one list, with the scanner's words ------------------------------------------

def test_refusals_are_one_enum_the_api_and_the_scanner_read():
    messages = checkin.scanner_messages()
    # Every reason the server can give has a text for the scanner, and it is the enum's label.
    assert set(messages) >= {"invalid", "revoked", "wrong_event", "already_inside",
                             "not_inside", "closed"}
    assert messages["already_inside"] == Refusal.ALREADY_INSIDE.label == "sudah masuk"
    assert all(messages[r.value] and messages[r.value] != r.value for r in Refusal)
    reason = OPENAPI["components"]["schemas"]["ScanOut"]["properties"]["reason"]
    assert reason["enum"] == [None, *(r.value for r in Refusal)]


def test_scanner_js_takes_every_text_from_the_server():
    source = SCANNER_JS.read_text(encoding="utf-8")
    used = set(re.findall(r"\bM\.(\w+)", source))
    assert {"invalid", "refused", "not_saved", "check_unavailable"} <= used
    assert used <= set(checkin.scanner_messages())
    assert "FALLBACK" not in source and "refused by the server" not in source
