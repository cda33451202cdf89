"""The hot path: one scan at a gate, checked and recorded in a few statements.

``record_scan`` verifies the signed code in memory (a forged, altered or foreign code is
refused with no query), then, in one transaction, changes the visitor's presence with one
conditional UPDATE (two gates scanning the same ticket at once: exactly one UPDATE matches)
and inserts the scan row, whose unique (event, nonce) index refuses a nonce seen before: the
transaction is rolled back and the first answer returned. A forced entry (admitted offline,
refused here) is audited in the same transaction.

In a rehearsal (``expo.events.rehearsal``: ``GateContext.rehearsal``) the gates ignore the
opening hours and admit test tickets only; out of one, real tickets only. That is one more
condition of the same UPDATE (``rehearsal = ?``), and the scan row carries the mark: no query
more per scan.

The statements are a generator (``_steps``); where they run is the scan store's business
(``expo.visitors.scanstore``: a driver per database).
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from expo import invalidation
from expo.audit.models import AuditEntry
from expo.audit.service import ENTRY_INSERT, entry_insert
from expo.db import row_datetime
from expo.enums import LabelledEnum
from expo.events.models import Event, EventDay
from expo.i18n import format_time
from expo.i18n import gettext as _
from expo.i18n import lazy_gettext as _l
from expo.visitors import codes, scanstore
from expo.visitors.models import Direction, GateRules, Visitor
from expo.visitors.scanstore import Dialect, Steps, numbered

CACHE_SECONDS = 10.0
MAX_CLOCK_SKEW = dt.timedelta(minutes=10)


class Refusal(LabelledEnum):
    """Why a scan is refused; the label is what the scanner says (API, gate page, offline)."""

    INVALID = "invalid", _l("invalid ticket")
    REVOKED = "revoked", _l("ticket revoked")
    WRONG_EVENT = "wrong_event", _l("ticket for another event")
    ALREADY_INSIDE = "already_inside", _l("already entered")
    NOT_INSIDE = "not_inside", _l("not checked in")
    CLOSED = "closed", _l("gate closed: outside opening hours")
    REHEARSAL_ONLY = "rehearsal_only", _l("rehearsal: only test tickets are admitted")
    TEST_TICKET = "test_ticket", _l("test ticket: the rehearsal is over")


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
    rehearsal: bool = False  # the gates take test tickets only, at any hour
    # The event has test tickets, so rows of a rehearsal may exist: counts must leave them out
    # (a filter that costs the dashboard its covering indexes, so only then).
    test_tickets: bool = False

    def is_open(self, local: dt.datetime) -> bool:
        if self.rehearsal or not self.enforce_hours:
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
    reason: Refusal | None
    name: str | None = None
    type: str | None = None
    at: dt.datetime | None = None
    forced: bool = False
    direction: str = "in"
    entered_at: dt.datetime | None = None  # first entry that day, for "already inside since"
    visitor_id: int | None = None
    rehearsal: bool = False  # recorded as part of a rehearsal (a test ticket, or gates in it)

    @property
    def status(self) -> str:
        return "ok" if self.ok else "rejected"


_contexts: dict[int | str, tuple[float, GateContext]] = {}
GATE = "gate"  # the bus's topic (``expo.invalidation``): key, the event id


def forget_event(event_id: int | str | None = None) -> None:
    """Drop cached gate contexts in this process. Services call
    ``invalidation.changed(GATE, event_id)`` instead: every worker forgets, at commit."""
    if event_id is None:
        _contexts.clear()
        return
    for key, (_expires, ctx) in list(_contexts.items()):
        if ctx.event_id == int(event_id):
            _contexts.pop(key, None)


invalidation.register(GATE, forget_event)
invalidation.register("event", forget_event)  # its name, time zone, days and hours (events)


async def gate_context(*, slug: str | None = None,
                       event: Event | None = None) -> GateContext | None:
    key: int | str = event.id if event is not None else str(slug)
    hit = _contexts.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    seen = invalidation.version(GATE)
    if event is None:
        event = await Event.get_or_none(slug=slug)
        if event is None:
            return None
    rules = await GateRules.get_or_none(event_id=event.id) or GateRules(event_id=event.id)
    days = await EventDay.filter(event_id=event.id)
    test_tickets = await Visitor.filter(event_id=event.id, rehearsal=True).exists()
    ctx = GateContext(event_id=event.id, slug=event.slug, name=event.name,
                      tz=ZoneInfo(event.timezone), reentry=rules.reentry,
                      track_exit=rules.track_exit, enforce_hours=rules.enforce_hours,
                      early_minutes=rules.early_minutes,
                      hours={d.date: (d.opens, d.closes) for d in days},
                      rehearsal=event.rehearsal, test_tickets=test_tickets)
    if invalidation.version(GATE) == seen:  # else forgotten while loading: maybe stale
        expires = time.monotonic() + invalidation.fresh_for(CACHE_SECONDS)
        _contexts[event.id] = _contexts[event.slug] = (expires, ctx)
    return ctx


# ---- Statements, for each dialect once -----------------------------------------------------

def _both(sql: str) -> dict[Dialect, str]:
    return {"sqlite": sql, "postgres": numbered(sql)}


_STORED = _both("SELECT s.ok, s.reason, s.forced, s.direction, s.scanned_at, v.name, v.type, "
                "v.last_in_at FROM visitor_scans s LEFT JOIN visitors v ON v.id = s.visitor_id "
                "WHERE s.event_id = ? AND s.nonce = ?")
_ENTER = ("UPDATE visitors SET inside = ?, last_in_day = ?, last_in_at = ?, entries = entries + 1 "
          "WHERE ticket_key = ? AND event_id = ? AND revoked_at IS NULL AND rehearsal = ? AND "
          "(last_in_day IS NULL OR last_in_day <> ? OR (inside = ? AND ?)) "
          "RETURNING id, name, type")
_LEAVE = ("UPDATE visitors SET inside = ?, last_out_at = ? WHERE ticket_key = ? AND event_id = ? "
          "AND revoked_at IS NULL AND rehearsal = ? AND inside = ? AND last_in_day = ? "
          "RETURNING id, name, type")
_LOOKUP = _both("SELECT id, name, type, revoked_at, inside, last_in_day, last_in_at, rehearsal "
                "FROM visitors WHERE ticket_key = ? AND event_id = ?")
_INSERT_SCAN = ("INSERT INTO visitor_scans (event_id, visitor_id, gate_id, device_id, nonce, "
                "direction, ok, reason, forced, rehearsal, day, scanned_at, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT = _both(_INSERT_SCAN)


def _combined(update: str) -> str:
    """One of the module's UPDATE constants with its INSERT (no input reaches the text)."""
    return numbered(
        f"WITH v AS ({update}), s AS (INSERT INTO visitor_scans (event_id, visitor_id, "  # noqa: S608
        "gate_id, device_id, nonce, direction, ok, reason, forced, rehearsal, day, scanned_at, "
        "recorded_at) SELECT ?::int, v.id, ?::int, ?::int, ?::varchar, ?::varchar, TRUE, NULL, "
        "FALSE, ?::boolean, ?::date, ?::timestamptz, ?::timestamptz FROM v "
        "RETURNING visitor_id) "
        "SELECT v.id, v.name, v.type FROM v JOIN s ON s.visitor_id = v.id")


# The admission: on SQLite the UPDATE (its INSERT follows); on PostgreSQL one statement, the
# UPDATE and the INSERT in a CTE, atomic by itself: no explicit transaction, one round trip.
_ADMIT: dict[tuple[Dialect, Direction], str] = {
    ("sqlite", Direction.IN): _ENTER,
    ("sqlite", Direction.OUT): _LEAVE,
    ("postgres", Direction.IN): _combined(
        _ENTER.replace("(inside = ? AND ?)", "(inside = ? AND ?::boolean)")),
    ("postgres", Direction.OUT): _combined(_LEAVE),
}
# A forced entry on PostgreSQL: the scan row and its audit entry in one statement (a CTE that
# modifies runs even when nothing reads it).
_INSERT_AUDITED_PG = numbered(f"WITH s AS ({_INSERT_SCAN}) {ENTRY_INSERT}")


# ---- PostgreSQL: a scan is one statement, whatever its answer ------------------------------
#
# One round trip: the conditional UPDATE (``v``), else the refusal worked out from the
# visitor's row (``r``, the same rules as ``_refusal``); the scan row for whichever it is
# (``ins``) and, for a forced entry, its audit entry (``aud``). Data-modifying CTEs run once
# whether or not the final SELECT reads them, all in the statement's own transaction. A nonce
# seen before (a scanner's retry) breaks the unique (event, nonce) index on the INSERT, which
# undoes the UPDATE too; ``record_scan`` then returns the stored first answer (a second round
# trip, for retries only). The nonce is not looked up first: on a scan table that grows from
# empty during the day, a plan cached while it was small reads it whole for every scan.
# The visitor row ``l`` is read in the statement's snapshot: when another gate admitted the
# same ticket an instant earlier, the refusal is still "already inside", its time not yet seen.

_PG_REASON = (
    "CASE WHEN l.id IS NULL THEN 'invalid' WHEN l.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN $6 AND NOT l.rehearsal THEN 'rehearsal_only' "
    "WHEN l.rehearsal AND NOT $6 THEN 'test_ticket' WHEN NOT $7 THEN 'closed' "
    "WHEN $11 = 'out' THEN 'not_inside' ELSE 'already_inside' END")
_PG_WHERE_TICKET = ("ticket_key = $3::varchar AND event_id = $1::int")
_PG_UPDATE: dict[Direction, str] = {
    Direction.IN: ("UPDATE visitors SET inside = TRUE, last_in_day = $4::date, "  # noqa: S608
                   "last_in_at = $5::timestamptz, entries = entries + 1 "
                   f"WHERE {_PG_WHERE_TICKET} AND revoked_at IS NULL AND rehearsal = $6::boolean "
                   "AND $7::boolean AND (last_in_day IS NULL OR last_in_day <> $4::date "
                   "OR (inside = FALSE AND $8::boolean)) RETURNING id, name, type"),
    Direction.OUT: ("UPDATE visitors SET inside = FALSE, last_out_at = $5::timestamptz "  # noqa: S608
                    f"WHERE {_PG_WHERE_TICKET} AND revoked_at IS NULL "
                    "AND rehearsal = $6::boolean AND $7::boolean AND $8::boolean IS NOT NULL "
                    "AND inside = TRUE AND last_in_day = $4::date RETURNING id, name, type"),
}
_PG_COLUMNS = ("kind, ok, reason, forced, direction, scanned_at, name, type, last_in_at, "
               "visitor_id, rehearsal")


def _pg_scan(update: str) -> str:
    """The whole scan for one direction (constants only reach the text)."""
    return (
        f"WITH v AS ({update}), "  # noqa: S608
        "l AS (SELECT id, name, type, revoked_at, last_in_at, rehearsal FROM visitors "
        f"WHERE {_PG_WHERE_TICKET} AND NOT EXISTS (SELECT 1 FROM v)), "
        f"r AS (SELECT l.id, l.name, l.type, l.last_in_at, {_PG_REASON} AS reason, "
        "COALESCE($13::boolean AND $11::varchar = 'in' AND NOT ($6 OR l.rehearsal), FALSE) "
        "AS forced, $6 OR COALESCE(l.rehearsal, FALSE) AS rehearsal "
        "FROM (SELECT 1) AS one LEFT JOIN l ON TRUE WHERE NOT EXISTS (SELECT 1 FROM v)), "
        "ins AS (INSERT INTO visitor_scans (event_id, visitor_id, gate_id, device_id, nonce, "
        "direction, ok, reason, forced, rehearsal, day, scanned_at, recorded_at) "
        "SELECT $1, v.id, $9::int, $10::int, $2::varchar, $11, TRUE, NULL, FALSE, $6, $4, $5, "
        "$12::timestamptz FROM v UNION ALL "
        "SELECT $1, r.id, $9, $10, $2, $11, FALSE, r.reason, r.forced, r.rehearsal, $4, $5, $12 "
        "FROM r RETURNING id), "
        f"aud AS (INSERT INTO {AuditEntry.Meta.table} (event_id, actor_id, action, "  # noqa: S608
        "object_type, object_id, summary, data, ip, created_at) "
        "SELECT $1, NULL, 'expo.visitor.forced_entry', '', '', LEFT(r.name || CASE WHEN "
        "$14::varchar <> '' THEN ' @ ' || $14 ELSE '' END || ': ' || r.reason, 300), "
        "jsonb_build_object('device', $10, 'reason', r.reason, 'visitor', r.id), '', $12 "
        "FROM r WHERE r.forced) "
        "SELECT 'ok' AS kind, TRUE AS ok, NULL AS reason, FALSE AS forced, $11 AS direction, "
        "$5 AS scanned_at, name, type, NULL AS last_in_at, id AS visitor_id, $6 AS rehearsal "
        "FROM v UNION ALL "
        "SELECT 'refused', FALSE, reason, forced, $11, $5, name, type, last_in_at, id, "
        "rehearsal FROM r")


_PG_SCAN = {direction: _pg_scan(update) for direction, update in _PG_UPDATE.items()}


# A group of scans waiting together (``scanstore.PostgresStore.scan``): the same statement
# over arrays, one row of ``b`` per scan, in one transaction and one round trip. A group holds
# each ticket and each nonce once (the store sees to it), so that no two of its scans meet.
_PG_BATCH = (
    "WITH b AS (SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::date[], "  # noqa: S608
    "$5::timestamptz[], $6::boolean[], $7::boolean[], $8::boolean[], $9::int[], $10::int[], "
    "$11::varchar[], $12::timestamptz[], $13::boolean[], $14::varchar[]) WITH ORDINALITY "
    "AS b(event_id, nonce, key, day, at, reh, open, reentry, gate_id, device_id, dir, now, "
    "offline, gate_name, i)), "
    "v AS (UPDATE visitors SET inside = (b.dir = 'in'), "
    "last_in_day = CASE WHEN b.dir = 'in' THEN b.day ELSE visitors.last_in_day END, "
    "last_in_at = CASE WHEN b.dir = 'in' THEN b.at ELSE visitors.last_in_at END, "
    "entries = visitors.entries + CASE WHEN b.dir = 'in' THEN 1 ELSE 0 END, "
    "last_out_at = CASE WHEN b.dir = 'out' THEN b.at ELSE visitors.last_out_at END FROM b "
    "WHERE visitors.ticket_key = b.key AND visitors.event_id = b.event_id "
    "AND visitors.revoked_at IS NULL AND visitors.rehearsal = b.reh AND b.open "
    "AND CASE WHEN b.dir = 'in' THEN (visitors.last_in_day IS NULL "
    "OR visitors.last_in_day <> b.day OR (visitors.inside = FALSE AND b.reentry)) "
    "ELSE (visitors.inside = TRUE AND visitors.last_in_day = b.day) END "
    "RETURNING b.i, visitors.id, visitors.name, visitors.type), "
    "l AS (SELECT b.i, x.id, x.name, x.type, x.revoked_at, x.last_in_at, x.rehearsal FROM b "
    "LEFT JOIN visitors x ON x.ticket_key = b.key AND x.event_id = b.event_id "
    "WHERE NOT EXISTS (SELECT 1 FROM v WHERE v.i = b.i)), "
    "r AS (SELECT l.i, l.id, l.name, l.type, l.last_in_at, "
    "CASE WHEN l.id IS NULL THEN 'invalid' WHEN l.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN b.reh AND NOT l.rehearsal THEN 'rehearsal_only' "
    "WHEN l.rehearsal AND NOT b.reh THEN 'test_ticket' WHEN NOT b.open THEN 'closed' "
    "WHEN b.dir = 'out' THEN 'not_inside' ELSE 'already_inside' END AS reason, "
    "COALESCE(b.offline AND b.dir = 'in' AND NOT (b.reh OR l.rehearsal), FALSE) AS forced, "
    "b.reh OR COALESCE(l.rehearsal, FALSE) AS rehearsal FROM l JOIN b ON b.i = l.i), "
    "ins AS (INSERT INTO visitor_scans (event_id, visitor_id, gate_id, device_id, nonce, "
    "direction, ok, reason, forced, rehearsal, day, scanned_at, recorded_at) "
    "SELECT b.event_id, v.id, b.gate_id, b.device_id, b.nonce, b.dir, TRUE, NULL, FALSE, "
    "b.reh, b.day, b.at, b.now FROM v JOIN b ON b.i = v.i UNION ALL "
    "SELECT b.event_id, r.id, b.gate_id, b.device_id, b.nonce, b.dir, FALSE, r.reason, "
    "r.forced, r.rehearsal, b.day, b.at, b.now FROM r JOIN b ON b.i = r.i RETURNING id), "
    f"aud AS (INSERT INTO {AuditEntry.Meta.table} (event_id, actor_id, action, "  # noqa: S608
    "object_type, object_id, summary, data, ip, created_at) "
    "SELECT b.event_id, NULL, 'expo.visitor.forced_entry', '', '', LEFT(r.name || CASE WHEN "
    "b.gate_name <> '' THEN ' @ ' || b.gate_name ELSE '' END || ': ' || r.reason, 300), "
    "jsonb_build_object('device', b.device_id, 'reason', r.reason, 'visitor', r.id), '', b.now "
    "FROM r JOIN b ON b.i = r.i WHERE r.forced) "
    "SELECT v.i, 'ok' AS kind, TRUE AS ok, NULL AS reason, FALSE AS forced, b.dir AS direction, "
    "b.at AS scanned_at, v.name, v.type, NULL AS last_in_at, v.id AS visitor_id, "
    "b.reh AS rehearsal FROM v JOIN b ON b.i = v.i UNION ALL "
    "SELECT r.i, 'refused', FALSE, r.reason, r.forced, b.dir, b.at, r.name, r.type, "
    "r.last_in_at, r.id, r.rehearsal FROM r JOIN b ON b.i = r.i")


def _pg_values(ctx: GateContext, key: str, scan: ScanInput, at: dt.datetime,
               now: dt.datetime, gate: _Gate) -> list[Any]:
    """One scan's parameters, in the order of ``_PG_SCAN`` (and of ``_PG_BATCH``'s arrays)."""
    local = at.astimezone(ctx.tz)
    return [ctx.event_id, scan.nonce or None, key, local.date(), at, ctx.rehearsal,
            ctx.is_open(local), ctx.reentry, gate.id, gate.device_id, str(scan.direction), now,
            scan.offline, gate.name]


def _pg_result(row: dict[str, Any], ctx: GateContext, at: dt.datetime,
               direction: str) -> ScanResult:
    if row["kind"] == "ok":
        return ScanResult(ok=True, reason=None, name=row["name"], type=row["type"], at=at,
                          direction=direction, rehearsal=ctx.rehearsal)
    reason = Refusal(row["reason"])
    return ScanResult(ok=False, reason=reason, name=row["name"], type=row["type"], at=at,
                      visitor_id=row["visitor_id"], forced=bool(row["forced"]),
                      direction=direction, rehearsal=bool(row["rehearsal"]),
                      entered_at=row_datetime(row["last_in_at"])
                      if reason == Refusal.ALREADY_INSIDE else None)


PG_STATEMENTS = scanstore.PgScanStatements(
    single={str(direction): sql for direction, sql in _PG_SCAN.items()}, batch=_PG_BATCH)


def _stored(row: dict[str, Any]) -> ScanResult:
    reason = Refusal(row["reason"]) if row["reason"] else None
    return ScanResult(ok=bool(row["ok"]), reason=reason, name=row["name"], type=row["type"],
                      at=row_datetime(row["scanned_at"]), forced=bool(row["forced"]),
                      direction=row["direction"],
                      entered_at=row_datetime(row["last_in_at"])
                      if reason == Refusal.ALREADY_INSIDE else None)


def scan_time(scanned_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The device's clock for offline scans, unless it claims the future."""
    if scanned_at is None:
        return now
    if scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=dt.UTC)
    return now if scanned_at > now + MAX_CLOCK_SKEW else scanned_at.astimezone(dt.UTC)


class _Gate(NamedTuple):
    id: int | None
    device_id: int | None
    name: str


async def record_scan(*, ctx: GateContext, scan: ScanInput, signer: codes.Signer,
                      gate_id: int | None = None, device_id: int | None = None,
                      gate_name: str = "", now: dt.datetime | None = None) -> ScanResult:
    now = now or dt.datetime.now(dt.UTC)
    at = scan_time(scan.scanned_at, now)
    direction = str(scan.direction)
    try:
        ticket = codes.read_code(signer=signer, code=scan.code)
    except codes.CodeInvalid:
        return ScanResult(ok=False, reason=Refusal.INVALID, at=at, direction=direction)
    if ticket.event_id != ctx.event_id:
        return ScanResult(ok=False, reason=Refusal.WRONG_EVENT, at=at, direction=direction)
    store = scanstore.store_for()
    gate = _Gate(gate_id, device_id, gate_name)
    try:
        if isinstance(store, scanstore.PostgresStore):
            row = await store.scan(PG_STATEMENTS, _pg_values(ctx, ticket.key, scan, at, now,
                                                             gate))
            return _pg_result(row, ctx, at, direction)
        return await store.run(functools.partial(_steps, ctx, ticket.key, scan, at, now, gate,
                                                 store.dialect))
    except (IntegrityError, sqlite3.IntegrityError):
        if not scan.nonce:
            raise
        # A nonce seen before (a retry, or the same scan twice at once): the first answer
        # stands. No stored answer: the constraint broken was another one.
        first = await store.run(functools.partial(_first_answer, store.dialect, ctx.event_id,
                                                  scan.nonce))
        if first is None:
            raise
        return first


def _first_answer(dialect: Dialect, event_id: int, nonce: str) -> Steps[ScanResult | None]:
    row = yield "one", _STORED[dialect], [event_id, nonce]
    return None if row is None else _stored(row)


def _steps(ctx: GateContext, key: str, scan: ScanInput, at: dt.datetime, now: dt.datetime,
           gate: _Gate, dialect: Dialect) -> Steps[ScanResult]:
    """The statements of one scan, as a generator: the store runs each and sends back rows.

    A repeated nonce is caught by the unique (event, nonce) index on the scan's INSERT, which
    rolls the whole transaction back; the caller then returns the stored first answer. So a
    fresh scan costs two statements on SQLite (the conditional UPDATE and the INSERT), one on
    PostgreSQL.
    """
    local = at.astimezone(ctx.tz)
    day = local.date()
    direction = str(scan.direction)
    if ctx.is_open(local):
        # The ticket must be of the gates' mode (a test ticket in rehearsal, a real one
        # otherwise): one more condition of the same UPDATE, no query more.
        if scan.direction == Direction.OUT:
            values: list[Any] = [False, at, key, ctx.event_id, ctx.rehearsal, True, day]
        else:
            values = [True, day, at, key, ctx.event_id, ctx.rehearsal, day, False, ctx.reentry]
        if dialect == "postgres":
            values += [ctx.event_id, gate.id, gate.device_id, scan.nonce or None, direction,
                       ctx.rehearsal, day, at, now]
        row = yield "one", _ADMIT[dialect, scan.direction], values
        if row is not None:
            result = ScanResult(ok=True, reason=None, name=row["name"], type=row["type"], at=at,
                                direction=direction, rehearsal=ctx.rehearsal)
            if dialect == "sqlite":  # on PostgreSQL the UPDATE inserted the scan row too
                yield "exec", _INSERT[dialect], _scan_row(ctx, int(row["id"]), scan, result,
                                                          gate, day, now)
            return result
    row = yield "one", _LOOKUP[dialect], [key, ctx.event_id]
    result = _refusal(row, ctx, scan, at, local)
    yield from _record_refusal(ctx, scan, result, gate, day, now, dialect)
    return result


def _record_refusal(ctx: GateContext, scan: ScanInput, result: ScanResult, gate: _Gate,
                    day: dt.date, now: dt.datetime, dialect: Dialect) -> Steps[None]:
    """The refused scan's row, and with a forced entry its audit entry."""
    values = _scan_row(ctx, result.visitor_id, scan, result, gate, day, now)
    if not result.forced:
        yield "exec", _INSERT[dialect], values
        return
    audit, audit_values = entry_insert(
        action="expo.visitor.forced_entry", event_id=ctx.event_id, actor_id=None, at=now,
        summary=f"{result.name} @ {gate.name}: {result.reason}" if gate.name
        else f"{result.name}: {result.reason}",
        data={"device": gate.device_id, "reason": str(result.reason),
              "visitor": result.visitor_id})
    if dialect == "postgres":
        yield "exec", _INSERT_AUDITED_PG, values + audit_values
    else:
        yield "exec", _INSERT[dialect], values
        yield "exec", audit, audit_values


def _scan_row(ctx: GateContext, visitor_id: int | None, scan: ScanInput, result: ScanResult,
              gate: _Gate, day: dt.date, now: dt.datetime) -> list[Any]:
    reason = str(result.reason) if result.reason is not None else None
    return [ctx.event_id, visitor_id, gate.id, gate.device_id, scan.nonce or None,
            result.direction, result.ok, reason, result.forced, result.rehearsal, day,
            result.at, now]


def _refusal(row: dict[str, Any] | None, ctx: GateContext, scan: ScanInput, at: dt.datetime,
             local: dt.datetime) -> ScanResult:
    direction = str(scan.direction)
    if row is None:
        return ScanResult(ok=False, reason=Refusal.INVALID, at=at, direction=direction,
                          rehearsal=ctx.rehearsal)
    test_ticket = bool(row["rehearsal"])
    if row["revoked_at"] is not None:
        reason = Refusal.REVOKED
    elif ctx.rehearsal and not test_ticket:
        reason = Refusal.REHEARSAL_ONLY
    elif test_ticket and not ctx.rehearsal:
        reason = Refusal.TEST_TICKET
    elif not ctx.is_open(local):
        reason = Refusal.CLOSED
    elif scan.direction == Direction.OUT:
        reason = Refusal.NOT_INSIDE
    else:
        reason = Refusal.ALREADY_INSIDE
    entered = row_datetime(row["last_in_at"]) if reason == Refusal.ALREADY_INSIDE else None
    # A scanner that admitted someone while offline reports it: the entry happened anyway
    # (not in a rehearsal, nor with a test ticket: nobody really came in).
    rehearsal = ctx.rehearsal or test_ticket
    forced = scan.offline and scan.direction == Direction.IN and not rehearsal
    return ScanResult(ok=False, reason=reason, name=row["name"], type=row["type"], at=at,
                      visitor_id=row["id"], forced=forced, direction=direction,
                      entered_at=entered, rehearsal=rehearsal)


def message_for(result: ScanResult, tz: ZoneInfo | str) -> str:
    """The scanner's answer in the request's language ("Selamat datang, NAME")."""
    if result.ok:
        if result.direction == "out":
            return _("Goodbye, %(name)s", name=result.name or "")
        return _("Welcome, %(name)s", name=result.name or "")
    if result.reason == Refusal.ALREADY_INSIDE and result.entered_at is not None:
        return _("already entered at %(time)s", time=format_time(result.entered_at, str(tz)))
    return (result.reason or Refusal.INVALID).label


def scanner_messages() -> dict[str, str]:
    """The same answers for the offline scanner (``{name}`` and ``{time}`` filled in there):
    every text the scanner shows comes from here."""
    return {
        "welcome": _("Welcome, %(name)s", name="{name}"),
        "goodbye": _("Goodbye, %(name)s", name="{name}"),
        "already_inside_at": _("already entered at %(time)s", time="{time}"),
        **Refusal.labels(),
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
