"""The scan hot path under failure: one scan's trouble stays that scan's (issue 11)."""

import asyncio
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from expo.visitors import checkin, scanstore, service
from expo.visitors.checkin import ScanInput
from expo.visitors.models import GateRules, Scan, Visitor
from tests.factories import make_event
from tests.visitors.helpers import SIGNER, START, code_of, local, make_visitor

OPEN = local(START, "10:00")
GOOD = 40


@pytest.fixture
def db(scan_db):
    """Every test here runs on each database the scan store drives (a file too)."""
    return scan_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    checkin.forget_event()
    service._devices.clear()


async def setup(visitors: int = GOOD):
    event = await make_event(starts_on=START, days=1, opens="09:00", closes="17:00")
    await GateRules.create(event=event, reentry=False)
    gates = [await service.create_gate(event=event, name=f"Pintu {i}", by=None) for i in range(4)]
    people = [await make_visitor(event, name=f"Pengunjung {i}") for i in range(visitors + 1)]
    return event, gates, people, await checkin.gate_context(event=event)


def scan(ctx, visitor, gate, **kw):
    return checkin.record_scan(ctx=ctx, scan=ScanInput(code=code_of(visitor), **kw),
                               signer=SIGNER, gate_id=gate.id, now=OPEN)


def _poisons(ctx):
    """(context, scan fields) of scans that fail inside the database round trip."""
    west = dataclasses.replace(ctx, tz=ZoneInfo("America/Los_Angeles"))
    return {
        "lone_surrogate": (ctx, {"nonce": "\ud83c"}),  # the driver cannot encode it
        "driver_error": (ctx, {"nonce": object()}),  # the driver cannot bind it
        # Python code of the scan itself fails: year 1 has no local time 8 hours behind UTC.
        "python_error": (west, {"scanned_at": dt.datetime(1, 1, 1, tzinfo=dt.UTC)}),
    }


@pytest.mark.parametrize("kind", ["lone_surrogate", "driver_error", "python_error"])
async def test_record_scan_poison_fails_alone_among_concurrent_scans(db, kind):
    event, gates, people, ctx = await setup()
    poison_ctx, fields = _poisons(ctx)[kind]
    poison = people.pop()
    calls = [scan(ctx, person, gates[i % 4], nonce=f"n{i}") for i, person in enumerate(people)]
    calls.insert(GOOD // 2, checkin.record_scan(
        ctx=poison_ctx, scan=ScanInput(code=code_of(poison), **fields), signer=SIGNER,
        gate_id=gates[0].id, now=OPEN))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results.pop(GOOD // 2), Exception)
    assert [r.status for r in results] == ["ok"] * GOOD
    assert await Scan.filter(event=event, ok=True).count() == GOOD
    assert await Visitor.filter(event=event, inside=True).count() == GOOD
    assert not await Visitor.get(id=poison.id).values_list("inside", flat=True)


async def _fail_commit_for(nonce: str) -> None:
    """A scan with this nonce passes its statements but makes COMMIT fail: a deferred foreign
    key, checked only at COMMIT, is broken by a trigger."""
    conn = connections.get("default")
    await conn.execute_script(
        "CREATE TABLE poison_parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE poison_child (parent_id INTEGER REFERENCES poison_parent (id) "
        "DEFERRABLE INITIALLY DEFERRED);"
        "CREATE TRIGGER poison_commit AFTER INSERT ON visitor_scans "
        f"WHEN NEW.nonce = '{nonce}' BEGIN INSERT INTO poison_child VALUES (42); END;")


async def test_record_scan_failed_commit_retries_the_others_alone(any_sqlite_db):
    # The group commit is SQLite's; a PostgreSQL scan is one statement.
    event, gates, people, ctx = await setup()
    await _fail_commit_for("poison")
    poison = people.pop()
    calls = [scan(ctx, person, gates[i % 4], nonce=f"n{i}") for i, person in enumerate(people)]
    calls.insert(7, scan(ctx, poison, gates[1], nonce="poison"))
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results.pop(7), Exception)
    assert [r.status for r in results] == ["ok"] * GOOD
    assert await Scan.filter(event=event).count() == GOOD
    assert await Visitor.filter(event=event, inside=True).count() == GOOD


async def test_record_scan_batcher_holds_its_drain_task_until_it_ends(file_db):
    _event, gates, people, ctx = await setup(visitors=2)
    store = scanstore.store_for()
    assert isinstance(store, scanstore.SqliteFileStore)
    pending = asyncio.ensure_future(scan(ctx, people[0], gates[0], nonce="a"))
    await asyncio.sleep(0)  # the scan is submitted and the group commit task started
    task = store.task
    assert isinstance(task, asyncio.Task) and not task.done()
    assert (await pending).ok
    await task
    assert store.task is None
