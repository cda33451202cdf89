"""The hot path: one scan at a gate, checked and recorded in a few statements.

``record_scan`` verifies the signed code in memory (a forged, altered or foreign code is
refused with no query), then, in one transaction, changes the visitor's presence with one
conditional UPDATE (two gates scanning the same ticket at once: exactly one UPDATE matches)
and inserts the scan row, whose unique (event, nonce) index refuses a nonce seen before: the
transaction is rolled back and the first answer returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import sqlite3
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.backends.sqlite.client import SqliteClient
from tortoise.exceptions import IntegrityError

from expo.events.models import Event, EventDay
from expo.visitors import codes
from expo.visitors.models import Direction, GateRules

CACHE_SECONDS = 10.0
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)
REASONS = ("invalid", "revoked", "wrong_event", "already_inside", "not_inside", "closed")


@dataclass(frozen=True)
class GateContext:
    """What the scan path needs to know about an event (cached for a few seconds)."""

    event_id: int
    slug: str
    name: str
    tz: ZoneInfo
    reentry: bool
    track_exit: bool
    enforce_hours: bool
    early_minutes: int
    hours: dict[dt.date, tuple[dt.time, dt.time]] = field(default_factory=dict)

    def is_open(self, local: dt.datetime) -> bool:
        if not self.enforce_hours:
            return True
        span = self.hours.get(local.date())
        if span is None:
            return False
        opens = dt.datetime.combine(local.date(), span[0]) - dt.timedelta(
            minutes=self.early_minutes)
        closes = dt.datetime.combine(local.date(), span[1])
        return opens <= local.replace(tzinfo=None) <= closes


@dataclass(frozen=True)
class ScanInput:
    code: str
    direction: Direction = Direction.IN
    nonce: str | None = None
    scanned_at: dt.datetime | None = None
    offline: bool = False


@dataclass(frozen=True)
class ScanResult:
    ok: bool
    reason: str | None
    name: str | None = None
    type: str | None = None
    at: dt.datetime | None = None
    forced: bool = False
    direction: str = "in"
    entered_at: dt.datetime | None = None  # first entry that day, for "already inside since"
    visitor_id: int | None = None

    @property
    def status(self) -> str:
        return "ok" if self.ok else "rejected"


_contexts: dict[int | str, tuple[float, GateContext]] = {}


def forget_event(event_id: int | None = None) -> None:
    """Drop cached gate contexts (after rules or opening hours change)."""
    if event_id is None:
        _contexts.clear()
        return
    for key, (_, ctx) in list(_contexts.items()):
        if ctx.event_id == event_id:
            _contexts.pop(key, None)


async def gate_context(*, slug: str | None = None,
                       event: Event | None = None) -> GateContext | None:
    key: int | str = event.id if event is not None else str(slug)
    hit = _contexts.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    if event is None:
        event = await Event.get_or_none(slug=slug)
        if event is None:
            return None
    rules = await GateRules.get_or_none(event_id=event.id) or GateRules(event_id=event.id)
    days = await EventDay.filter(event_id=event.id)
    ctx = GateContext(event_id=event.id, slug=event.slug, name=event.name,
                      tz=ZoneInfo(event.timezone), reentry=rules.reentry,
                      track_exit=rules.track_exit, enforce_hours=rules.enforce_hours,
                      early_minutes=rules.early_minutes,
                      hours={d.date: (d.opens, d.closes) for d in days})
    expires = time.monotonic() + CACHE_SECONDS
    _contexts[event.id] = _contexts[event.slug] = (expires, ctx)
    return ctx


# ---- SQL helpers --------------------------------------------------------------------------

def _is_pg(conn: Any) -> bool:
    return "postgres" in type(conn).__module__ or "asyncpg" in type(conn).__module__


def _sql(conn: Any, text: str) -> str:
    if not _is_pg(conn):
        return text
    parts = text.split("?")
    return "".join(p + (f"${i + 1}" if i < len(parts) - 1 else "") for i, p in enumerate(parts))


def as_datetime(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def _one(conn: Any, sql: str, values: list[Any]) -> dict[str, Any] | None:
    rows = await conn.execute_query_dict(_sql(conn, sql), values)
    return rows[0] if rows else None


_STORED = ("SELECT s.ok, s.reason, s.forced, s.direction, s.scanned_at, v.name, v.type, "
           "v.last_in_at FROM visitor_scans s LEFT JOIN visitors v ON v.id = s.visitor_id "
           "WHERE s.event_id = ? AND s.nonce = ?")
_ENTER = ("UPDATE visitors SET inside = ?, last_in_day = ?, last_in_at = ?, entries = entries + 1 "
          "WHERE ticket_key = ? AND event_id = ? AND revoked_at IS NULL AND "
          "(last_in_day IS NULL OR last_in_day <> ? OR (inside = ? AND ?)) "
          "RETURNING id, name, type")
_LEAVE = ("UPDATE visitors SET inside = ?, last_out_at = ? WHERE ticket_key = ? AND event_id = ? "
          "AND revoked_at IS NULL AND inside = ? AND last_in_day = ? RETURNING id, name, type")
_LOOKUP = ("SELECT id, name, type, revoked_at, inside, last_in_day, last_in_at FROM visitors "
           "WHERE ticket_key = ? AND event_id = ?")
_INSERT = ("INSERT INTO visitor_scans (event_id, visitor_id, gate_id, device_id, nonce, direction, "
           "ok, reason, forced, day, scanned_at, recorded_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _stored(row: dict[str, Any]) -> ScanResult:
    return ScanResult(ok=bool(row["ok"]), reason=row["reason"], name=row["name"], type=row["type"],
                      at=as_datetime(row["scanned_at"]), forced=bool(row["forced"]),
                      direction=row["direction"],
                      entered_at=as_datetime(row["last_in_at"])
                      if row["reason"] == "already_inside" else None)


def scan_time(scanned_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The device's clock for offline scans, unless it claims the future."""
    if scanned_at is None:
        return now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=dt.UTC)
    return now if scanned_at > now + MAX_CLOCK_SKEW else scanned_at.astimezone(dt.UTC)


async def record_scan(*, ctx: GateContext, scan: ScanInput, signer: codes.Signer,
                      gate_id: int | None = None, device_id: int | None = None,
                      now: dt.datetime | None = None) -> ScanResult:
    now = now or dt.datetime.now(dt.UTC)
    at = scan_time(scan.scanned_at, now)
    direction = str(scan.direction)
    try:
        ticket = codes.read_code(signer=signer, code=scan.code)
    except codes.CodeInvalid:
        return ScanResult(ok=False, reason="invalid", at=at, direction=direction)
    if ticket.event_id != ctx.event_id:
        return ScanResult(ok=False, reason="wrong_event", at=at, direction=direction)
    client = connections.get("default")
    try:
        if type(client) is SqliteClient:
            return await _batcher(client).submit(
                functools.partial(_steps, ctx, ticket.key, scan, at, now, gate_id, device_id))
        steps = _steps(ctx, ticket.key, scan, at, now, gate_id, device_id,
                       combined=not isinstance(client, SqliteClient))
        if isinstance(client, SqliteClient):  # inside a caller's transaction
            async with client.acquire_connection() as conn:
                return await conn._execute(_run_sqlite, conn._conn, steps)  # noqa: SLF001
        # PostgreSQL: an admission is one statement (UPDATE and INSERT in a CTE, atomic by
        # itself), so no explicit transaction and one round trip.
        return await _run_async(client, steps)
    except (IntegrityError, sqlite3.IntegrityError):
        if not scan.nonce:
            raise
        # A nonce seen before (a retry, or the same scan twice at once): the first answer
        # stands. No stored answer: the constraint broken was another one.
        row = await _one(client, _STORED, [ctx.event_id, scan.nonce])
        if row is None:
            raise
        return _stored(row)


Steps = Generator[tuple[str, str, list[Any]], Any, ScanResult]
Outcome = ScanResult | Exception
MAX_GROUP = 200


class _SqliteBatcher:
    """Group commit for SQLite: scans waiting for the connection go together in one trip.

    The async driver runs SQLite on its own thread; a scan that held the connection lock for
    its whole round trip (thread hop there, statements, hop back through a busy event loop)
    capped throughput far below what SQLite does. Scans that arrive meanwhile are run in one
    transaction, each under its own savepoint: whatever one scan does (a repeated nonce, text
    the driver refuses, any exception), only that scan is rolled back and fails.
    """

    def __init__(self, client: SqliteClient) -> None:
        self.client = client
        self.pending: list[tuple[Callable[[], Steps], asyncio.Future[ScanResult]]] = []
        # The loop keeps only a weak reference to a task: hold the running group's until it
        # ends, so that it cannot be collected with scans waiting on it.
        self.task: asyncio.Task[None] | None = None

    async def submit(self, steps: Callable[[], Steps]) -> ScanResult:
        """Run a scan's statements (``steps()`` makes them, again if a group is retried)."""
        future: asyncio.Future[ScanResult] = asyncio.get_running_loop().create_future()
        self.pending.append((steps, future))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        batch: list[tuple[Callable[[], Steps], asyncio.Future[ScanResult]]] = []
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_GROUP], self.pending[MAX_GROUP:]
                try:
                    async with self.client.acquire_connection() as conn:
                        outcomes: list[Outcome] = await conn._execute(  # noqa: SLF001
                            _run_sqlite_group, conn._conn, [steps for steps, _ in batch])
                except Exception as exc:  # nothing of the group kept (no connection, BEGIN)
                    outcomes = [exc] * len(batch)
                for (_factory, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
        finally:
            self.task = None
            for _factory, future in [*batch, *self.pending]:  # cancelled: nobody waits for ever
                if not future.done():
                    future.cancel()
            self.pending = []


def _batcher(client: SqliteClient) -> _SqliteBatcher:
    batcher = getattr(client, "_expo_scan_batcher", None)
    if batcher is None:
        batcher = _SqliteBatcher(client)
        client._expo_scan_batcher = batcher  # type: ignore[attr-defined]
    return batcher


def _run_sqlite_group(raw: sqlite3.Connection, group: list[Callable[[], Steps]]) -> list[Outcome]:
    """One transaction, a savepoint per scan. If the transaction itself fails (COMMIT, or a
    savepoint that cannot be rolled back), nothing of it was kept: each scan is run again in a
    transaction of its own, so that the one at fault fails alone."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        outcomes = [_run_savepoint(raw, steps) for steps in group]
        raw.execute("COMMIT")
        return outcomes
    except Exception:
        _rollback(raw)
    except BaseException:
        _rollback(raw)
        raise
    return [_run_alone(raw, steps) for steps in group]


def _run_savepoint(raw: sqlite3.Connection, steps: Callable[[], Steps]) -> Outcome:
    raw.execute("SAVEPOINT scan")
    try:
        outcome: Outcome = _run_steps(raw, steps())
    except Exception as exc:
        raw.execute("ROLLBACK TO scan")  # if this fails, the group is given up and retried
        outcome = exc
    raw.execute("RELEASE scan")
    return outcome


def _run_alone(raw: sqlite3.Connection, steps: Callable[[], Steps]) -> Outcome:
    try:
        raw.execute("BEGIN IMMEDIATE")
        result = _run_steps(raw, steps())
        raw.execute("COMMIT")
        return result
    except Exception as exc:
        with contextlib.suppress(Exception):  # the scan's own error is the one to report
            _rollback(raw)
        return exc


def _rollback(raw: sqlite3.Connection) -> None:
    if raw.in_transaction:
        raw.execute("ROLLBACK")


def _run_steps(raw: sqlite3.Connection, steps: Steps) -> ScanResult:
    answer: Any = None
    while True:
        try:
            kind, sql, values = steps.send(answer)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        cursor = raw.execute(sql, values)
        row = cursor.fetchone() if kind == "one" else None
        answer = dict(row) if row is not None else None


def _run_sqlite(raw: sqlite3.Connection, steps: Steps) -> ScanResult:
    """One scan inside a caller's transaction (under a savepoint) or in its own."""
    nested = raw.in_transaction
    raw.execute("SAVEPOINT scan" if nested else "BEGIN IMMEDIATE")
    try:
        result = _run_steps(raw, steps)
        raw.execute("RELEASE scan" if nested else "COMMIT")
        return result
    except BaseException:
        if nested:
            raw.execute("ROLLBACK TO scan")
            raw.execute("RELEASE scan")
        else:
            _rollback(raw)
        raise


async def _run_async(conn: Any, steps: Steps) -> ScanResult:
    answer: Any = None
    while True:
        try:
            kind, sql, values = steps.send(answer)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if kind == "one":
            answer = await _one(conn, sql, values)
        else:
            await conn.execute_query(_sql(conn, sql), values)
            answer = None


def _combined(update: str) -> str:
    """One of the module's UPDATE constants with its INSERT (no input reaches the text)."""
    return (f"WITH v AS ({update}), s AS (INSERT INTO visitor_scans (event_id, visitor_id, "  # noqa: S608
            "gate_id, device_id, nonce, direction, ok, reason, forced, day, scanned_at, "
            "recorded_at) SELECT ?::int, v.id, ?::int, ?::int, ?::varchar, ?::varchar, TRUE, NULL, "
            "FALSE, ?::date, ?::timestamptz, ?::timestamptz FROM v RETURNING visitor_id) "
            "SELECT v.id, v.name, v.type FROM v JOIN s ON s.visitor_id = v.id")


_ENTER_PG = _combined(_ENTER.replace("(inside = ? AND ?)", "(inside = ? AND ?::boolean)"))
_LEAVE_PG = _combined(_LEAVE)


def _steps(ctx: GateContext, key: str, scan: ScanInput, at: dt.datetime, now: dt.datetime,
           gate_id: int | None, device_id: int | None, combined: bool = False) -> Steps:
    """The statements of one scan, as a generator: the caller runs each and sends back rows.

    A repeated nonce is caught by the unique (event, nonce) index on the final INSERT, which
    rolls the whole transaction back; the caller then returns the stored first answer. So a
    fresh scan costs two statements (the conditional UPDATE and the INSERT).
    """
    local = at.astimezone(ctx.tz)
    day = local.date()
    direction = str(scan.direction)
    result: ScanResult | None = None
    visitor_id: int | None = None
    if ctx.is_open(local):
        if scan.direction == Direction.OUT:
            sql, values = _LEAVE, [False, at, key, ctx.event_id, True, day]
        else:
            sql, values = _ENTER, [True, day, at, key, ctx.event_id, day, False, ctx.reentry]
        if combined:
            sql = _LEAVE_PG if scan.direction == Direction.OUT else _ENTER_PG
            values += [ctx.event_id, gate_id, device_id, scan.nonce or None, direction, day, at,
                       now]
        row = yield "one", sql, values
        if row is not None:
            result = ScanResult(ok=True, reason=None, name=row["name"], type=row["type"], at=at,
                                direction=direction)
            if combined:
                return result
            visitor_id = int(row["id"])
    if result is None:
        row = yield "one", _LOOKUP, [key, ctx.event_id]
        result = _refusal(row, ctx, scan, at, local)
        visitor_id = int(row["id"]) if row is not None else None
    yield "exec", _INSERT, [ctx.event_id, visitor_id, gate_id, device_id, scan.nonce or None,
                            direction, result.ok, result.reason, result.forced, day, at, now]
    return result


def _refusal(row: dict[str, Any] | None, ctx: GateContext, scan: ScanInput, at: dt.datetime,
             local: dt.datetime) -> ScanResult:
    direction = str(scan.direction)
    if row is None:
        return ScanResult(ok=False, reason="invalid", at=at, direction=direction)
    if row["revoked_at"] is not None:
        reason = "revoked"
    elif not ctx.is_open(local):
        reason = "closed"
    elif scan.direction == Direction.OUT:
        reason = "not_inside"
    else:
        reason = "already_inside"
    entered = as_datetime(row["last_in_at"]) if reason == "already_inside" else None
    # A scanner that admitted someone while offline reports it: the entry happened anyway.
    forced = scan.offline and scan.direction == Direction.IN
    return ScanResult(ok=False, reason=reason, name=row["name"], type=row["type"], at=at,
                      visitor_id=row["id"],
                      forced=forced, direction=direction, entered_at=entered)


def message_for(result: ScanResult, tz: ZoneInfo | str) -> str:
    """The scanner's answer in the request's language ("Selamat datang, NAME")."""
    from expo.i18n import format_time
    from expo.i18n import gettext as _

    if result.ok:
        if result.direction == "out":
            return _("Goodbye, %(name)s", name=result.name or "")
        return _("Welcome, %(name)s", name=result.name or "")
    if result.reason == "already_inside" and result.entered_at is not None:
        return _("already entered at %(time)s", time=format_time(result.entered_at, str(tz)))
    messages = {
        "invalid": _("invalid ticket"),
        "wrong_event": _("ticket for another event"),
        "revoked": _("ticket revoked"),
        "already_inside": _("already entered"),
        "not_inside": _("not checked in"),
        "closed": _("gate closed: outside opening hours"),
    }
    return messages.get(result.reason or "", _("invalid ticket"))


def scanner_messages() -> dict[str, str]:
    """The same answers for the offline scanner (``{name}`` and ``{time}`` filled in there)."""
    from expo.i18n import gettext as _

    return {
        "welcome": _("Welcome, %(name)s", name="{name}"),
        "goodbye": _("Goodbye, %(name)s", name="{name}"),
        "already_inside_at": _("already entered at %(time)s", time="{time}"),
        "already_inside": _("already entered"),
        "invalid": _("invalid ticket"),
        "wrong_event": _("ticket for another event"),
        "revoked": _("ticket revoked"),
        "not_inside": _("not checked in"),
        "closed": _("gate closed: outside opening hours"),
        "offline_ok": _("Accepted offline"),
        "queued": _("queued, will sync"),
        "synced": _("{n} offline scans sent"),
        "conflicts": _("the server disagreed on {n}:"),
        "forced": _("recorded as a forced entry"),
        "no_camera": _("No camera here: use a handheld scanner or type the code."),
        "offline_unchecked": _("Offline check unavailable"),
        "queued_unchecked": _("queued, not checked"),
        "check_unavailable": _("This device cannot check tickets offline: tickets scanned "
                               "offline are queued unchecked and the server decides when they "
                               "sync."),
        "not_saved": _("Not saved on this device: scan again"),
        "refused": _("refused by the server"),
    }
