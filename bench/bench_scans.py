"""Load test of the gate scan API: expo beside the floor, SQLite and PostgreSQL, one table.

    python bench/bench_scans.py --table                 the table of issue 17 (make bench)
    python bench/bench_scans.py                         one run: SQLite, one worker, 32 clients
    python bench/bench_scans.py --pg postgres://postgres@127.0.0.1:5432/postgres --workers 2
    python bench/bench_scans.py --badge-sheet           ... and time a 2,000-badge A6 sheet

Each run gets a fresh database (a temporary SQLite file, or a new PostgreSQL database
``bench_<random>`` beside --pg, dropped after), registers the visitors, starts the server as
an operator does (``main.py serve --workers N``, EXPO_WORKER=off; the floor: bench/
floor_server.py, a raw ASGI handler doing the same work), warms it up (not counted), then sends
one scan per visitor (unique code and nonce) from C keep-alive clients, bounded by count and
time. A rescan run first admits every visitor (not timed), then scans each again: every answer
must be "already_inside". After each run the database is audited: every acknowledged scan
recorded exactly once, no nonce twice (rescans: every one refused and recorded, nobody entered
twice).

Server CPU is the server's process tree (/proc); PostgreSQL's, the postmaster's own processes
plus the backends of the run's database; transactions per scan come from pg_stat_database
(flushed lazily: read once they stop moving). pg_stat_statements needs a server restart here,
so the round trips per scan are counted instead by a short extra pass through a loopback proxy
that reads the PostgreSQL protocol (a Sync or a simple Query ends a round trip). The load
generator's own CPU is shown too: on 2 cores it competes with the server. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import datetime as dt
import json
import math
import os
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SLUG = "bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
CLK_TCK = os.sysconf("SC_CLK_TCK")
OK_ANSWER = b'"status":"ok"'
RESCAN_ANSWER = b'"reason":"already_inside"'
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """uvloop if installed (a cheaper load generator), else asyncio's loop."""
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    # Tortoise caches INSERT statements per connection name, not per dialect: a PostgreSQL
    # run after a SQLite one would reuse SQLite's placeholders.
    EXECUTOR_CACHE.clear()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


# ---- Data ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Prepared:
    codes: list[str]
    keys: list[str]
    token: str
    event_id: int
    gate_id: int
    device_id: int


async def prepare(db_url: str, visitors: int, badges: int, data_dir: Path) -> Prepared:
    """Schema (as ``main.py migrate``), an event open all day, N visitors, a device token and
    a committee login."""
    from tortoise import Tortoise

    from expo.accounts.models import EventRole, Role, User
    from expo.db import migrate, tortoise_config
    from expo.events.models import Event, EventDay
    from expo.security import hash_password
    from expo.settings import Settings
    from expo.visitors import codes, keys, service
    from expo.visitors.models import GateRules, Visitor, VisitorType

    settings = Settings(database_url=db_url, secret_key=SECRET, data_dir=data_dir)
    await migrate(settings)
    await Tortoise.init(config=tortoise_config(db_url))
    today = dt.date.today()
    event = await Event.create(slug=SLUG, name="Bench", venue="GOR", starts_on=today,
                               ends_on=today, status="published", timezone="UTC")
    await EventDay.create(event=event, date=today, opens_at="00:00", closes_at="23:59")
    await GateRules.create(event=event, enforce_hours=False, reentry=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    device, plain = await service.create_device_token(event=event, gate=gate, by=None)
    user = await User.create(email="bench@expo.test", name="Bench",
                             password_hash=hash_password("bench-password-123"))
    await EventRole.create(event=event, user=user, role=Role.COMMITTEE)
    # The event's current key, as the server will find it (made now, on first use).
    signer = await keys.keyring(event_id=event.id, settings=settings)
    rows = [Visitor(event=event, ticket_key=codes.new_ticket_key(), link_token=uuid.uuid4().hex,
                    name=f"Pengunjung {i}", type=VisitorType.GUEST if i < badges else "umum")
            for i in range(visitors)]
    await Visitor.bulk_create(rows, batch_size=1000)
    ticket_keys = [str(k) for k in await Visitor.filter(event=event).order_by("id")
                   .values_list("ticket_key", flat=True)]
    all_codes = [codes.make_code(signer=signer, event_id=event.id, key=k) for k in ticket_keys]
    await Tortoise.close_connections()
    return Prepared(all_codes, ticket_keys, plain, event.id, gate.id, device.id)


@dataclasses.dataclass(frozen=True)
class Audit:
    acked: int
    once: int
    duplicates: int
    entered_not_once: int = 0  # rescans: visitors whose entries are not exactly 1
    admitted: int = 0  # rescans: scans recorded as admissions (must be the visitors entered)

    def verdict(self, *, rescan: bool, visitors: int, errors: int) -> str:
        """"ok", or what is wrong: the exactly-once column."""
        wrong = []
        if self.once != self.acked:
            wrong.append(f"{self.acked - self.once} of {self.acked} not recorded once")
        if self.duplicates:
            wrong.append(f"{self.duplicates} nonces twice")
        if errors:
            wrong.append(f"{errors} unexpected answers")
        if rescan and self.entered_not_once:
            wrong.append(f"{self.entered_not_once} visitors entries != 1")
        if rescan and self.admitted != visitors:
            wrong.append(f"{self.admitted} admissions for {visitors} visitors")
        return "ok" if not wrong else "FAIL: " + ", ".join(wrong)


async def audit(db_url: str, acked: set[str], *, rescan: bool) -> Audit:
    """What the scan table holds for the acknowledged nonces: admissions, or (rescans) the
    already-inside refusals, and for rescans the visitors' entry counts."""
    from tortoise import Tortoise

    from expo.db import flat, tortoise_config
    from expo.visitors.models import Scan, Visitor

    await Tortoise.init(config=tortoise_config(db_url))
    try:
        if rescan:
            rows = await flat(Scan.filter(ok=False, reason="already_inside")
                              .values_list("nonce", flat=True))
            admitted = await Scan.filter(ok=True).count()
            entered_not_once = await Visitor.exclude(entries=1).count()
        else:
            rows = await flat(Scan.filter(ok=True).values_list("nonce", flat=True))
            admitted = entered_not_once = 0
        every = await flat(Scan.all().values_list("nonce", flat=True))
    finally:
        await Tortoise.close_connections()
    counts = count_nonces(rows)
    once = sum(1 for n in acked if counts.get(n) == 1)
    duplicates = sum(1 for c in count_nonces(every).values() if c > 1)
    return Audit(len(acked), once, duplicates, entered_not_once, admitted)


def count_nonces(nonces: Sequence[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for nonce in nonces:
        if nonce is not None:
            counts[nonce] = counts.get(nonce, 0) + 1
    return counts


# ---- Load generator ------------------------------------------------------------------------

def scan_request(token: str, code: str, nonce: str) -> bytes:
    """One scan's whole HTTP request, encoded before the clock starts."""
    body = json.dumps({"code": code, "nonce": nonce, "direction": "in"}).encode()
    return (f"POST /api/v1/events/{SLUG}/scans HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def response_end(buffer: bytes | bytearray) -> int:
    """Where the first complete HTTP response in ``buffer`` ends, or -1 (Content-Length
    framing only: what both servers send)."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return -1
    head = bytes(buffer[:head_end]).lower()
    at = head.find(b"\r\ncontent-length:")
    length = 0
    if at >= 0:
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17:stop if stop >= 0 else None])
    end = head_end + 4 + length
    return end if len(buffer) >= end else -1


class _Connection(asyncio.Protocol):
    """A keep-alive HTTP/1.1 client connection, one request at a time (cheaper than streams)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = response_end(self.buffer)
        if end >= 0:
            response = bytes(self.buffer[:end])
            del self.buffer[:end]
            waiter, self.waiter = self.waiter, None
            if waiter is not None and not waiter.done():
                waiter.set_result(response)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the server closed the connection"))


@dataclasses.dataclass
class Load:
    seconds: float
    latencies: list[float]
    acked: set[str]
    errors: list[str]
    client_cpu: float


async def load(port: int, work: list[tuple[bytes, str]], clients: int, seconds: float,
               expect: bytes) -> Load:
    """Send ``work`` (request, nonce) from ``clients`` connections until done or ``seconds``
    have passed; an answer is acknowledged when it is a 200 containing ``expect``."""
    loop = asyncio.get_running_loop()
    connections = [await loop.create_connection(_Connection, "127.0.0.1", port)
                   for _ in range(clients)]
    cursor = [0]
    latencies: list[float] = []
    acked: set[str] = set()
    errors: list[str] = []
    perf = time.perf_counter

    async def client(transport: asyncio.Transport, conn: _Connection, deadline: float) -> None:
        while cursor[0] < len(work) and perf() < deadline:
            request, nonce = work[cursor[0]]
            cursor[0] += 1
            conn.waiter = loop.create_future()
            start = perf()
            transport.write(request)
            response = await conn.waiter
            latencies.append(perf() - start)
            if response.startswith(b"HTTP/1.1 200 ") and expect in response:
                acked.add(nonce)
            else:
                errors.append(response.split(b"\r\n", 1)[0].decode() + " "
                              + response.rsplit(b"\r\n\r\n", 1)[-1][:160].decode(errors="replace"))

    cpu0, start = time.process_time(), perf()
    try:
        await asyncio.gather(*[client(t, c, start + seconds) for t, c in connections])  # type: ignore[arg-type]
    finally:
        for transport, _conn in connections:
            transport.close()
    return Load(perf() - start, latencies, acked, errors, time.process_time() - cpu0)


# ---- Measuring -----------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            found += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
    except OSError:
        return []
    return found + [grand for child in found for grand in _children(child)]


def _stat_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (uvicorn workers), from /proc."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            total += _stat_cpu(p)
        except OSError:
            continue
    return total


def pg_cpu_seconds(database: str) -> tuple[float, float]:
    """CPU of the PostgreSQL server on this machine: (the backends of ``database``, the
    postmaster and its helpers: WAL writer, checkpointer, ...). Other databases' backends
    (other people's tests) are left out; the helpers work for them too, hence apart. A
    backend's title is "postgres: [cluster: ]user database host(port) state"."""
    backends = helpers = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if Path(f"/proc/{entry.name}/comm").read_text().strip() != "postgres":
                continue
            title = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            is_backend = "(" in title or "[local]" in title
            if is_backend and database not in title.split():
                continue
            if is_backend:
                backends += _stat_cpu(int(entry.name))
            else:
                helpers += _stat_cpu(int(entry.name))
        except (OSError, ValueError):
            continue
    return backends, helpers


async def pg_settled_xacts(admin_url: str, database: str, quiet: float = 1.5,
                           bound: float = 10.0) -> int:
    """xact_commit + xact_rollback of ``database`` once unchanged for ``quiet`` seconds
    (backends report their counts lazily, within about a second of going idle); read from
    the admin database, so that reading adds nothing."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(admin_url)
    sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
    try:
        last = int(await conn.fetchval(sql, database) or 0)
        since = time.monotonic()
        end = since + bound
        while time.monotonic() < end and time.monotonic() - since < quiet:
            await asyncio.sleep(0.25)
            now = int(await conn.fetchval(sql, database) or 0)
            if now != last:
                last, since = now, time.monotonic()
        return last
    finally:
        await conn.close()


def pct(values: Sequence[float], q: float) -> float:
    """The q-quantile (nearest rank) in milliseconds; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ---- Round trips to PostgreSQL -------------------------------------------------------------

class RoundTripCounter:
    """A loopback TCP proxy in front of PostgreSQL that counts what the clients send: a Sync
    (extended protocol) or a simple Query ends a round trip; Parse messages are prepares.
    Runs its own loop on a thread; only for the short counting pass (it costs time)."""

    SPECIAL = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered by one byte

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.round_trips = 0
        self.parses = 0
        self.executes = 0  # statements run with the extended protocol
        self.queries: collections.Counter[str] = collections.Counter()  # simple Query texts
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RoundTripCounter:
        self.thread.start()
        if not self.ready.wait(10):
            raise RuntimeError("the round-trip proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def reset(self) -> None:
        self.round_trips = self.parses = self.executes = 0
        self.queries.clear()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._pipe, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()
        server.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)

        async def down() -> None:
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
            writer.close()

        task = asyncio.ensure_future(down())
        try:
            while True:  # untyped messages first (SSL request, then the startup message)
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                rest = await reader.readexactly(length - 8)
                if code not in self.SPECIAL:
                    up_writer.write(head + rest)
                    break
                writer.write(b"N")  # no encryption: the messages must stay readable here
            while True:
                head = await reader.readexactly(5)
                kind, length = head[:1], struct.unpack("!i", head[1:])[0]
                body = await reader.readexactly(length - 4)
                up_writer.write(head + body)
                if kind in (b"S", b"Q"):
                    self.round_trips += 1
                if kind == b"Q":
                    self.queries[body[:60].decode(errors="replace").rstrip("\0")] += 1
                elif kind == b"P":
                    self.parses += 1
                elif kind == b"E":
                    self.executes += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            up_writer.close()
            await task


# ---- Servers -------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Run:
    key: str
    label: str
    server: str  # "floor" or "expo"
    database: str  # "sqlite" or "postgres"
    workers: int
    clients: int
    rescan: bool = False


TABLE_RUNS = [
    Run("floor-8", "floor (raw sqlite3)", "floor", "sqlite", 1, 8),
    Run("floor-32", "floor (raw sqlite3)", "floor", "sqlite", 1, 32),
    Run("floor-32-rescan", "floor (raw sqlite3), rescans", "floor", "sqlite", 1, 32, True),
    Run("sqlite-8", "expo, SQLite, 1 worker", "expo", "sqlite", 1, 8),
    Run("sqlite-32", "expo, SQLite, 1 worker", "expo", "sqlite", 1, 32),
    Run("sqlite-32-rescan", "expo, SQLite, 1 worker, rescans", "expo", "sqlite", 1, 32, True),
    Run("pg2-8", "expo, PostgreSQL, 2 workers", "expo", "postgres", 2, 8),
    Run("pg2-32", "expo, PostgreSQL, 2 workers", "expo", "postgres", 2, 32),
    Run("pg2-32-rescan", "expo, PostgreSQL, 2 workers, rescans", "expo", "postgres", 2, 32, True),
    Run("pg4-32", "expo, PostgreSQL, 4 workers", "expo", "postgres", 4, 32),
    Run("pg4-32-rescan", "expo, PostgreSQL, 4 workers, rescans", "expo", "postgres", 4, 32, True),
]
# The order the rows are measured in: each pair a target compares one after the other, so
# that the machine's other load (it varies) weighs on both alike. Printed in TABLE_RUNS' order.
RUN_ORDER = ["floor-8", "sqlite-8", "floor-32", "sqlite-32", "floor-32-rescan",
             "sqlite-32-rescan", "pg2-32", "pg2-32-rescan", "pg4-32", "pg4-32-rescan", "pg2-8"]


@dataclasses.dataclass
class Options:
    scans: int = 20_000
    seconds: float = 10.0
    warmup: int = 500
    badges: int = 0
    pg: str = DEFAULT_PG
    serve_args: tuple[str, ...] = ()
    badge_sheet: bool = False
    analyze: bool = True


class Database:
    """A fresh database for one run: a temporary SQLite file, or a new PostgreSQL database
    beside the admin URL (dropped on exit)."""

    def __init__(self, kind: str, pg: str) -> None:
        self.kind, self.admin = kind, pg
        self.dir = Path(tempfile.mkdtemp(prefix="expo-bench-"))
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            from expo.settings import SQLITE_PRAGMAS

            self.file = self.dir / "bench.sqlite3"
            self.url = f"sqlite://{self.file}?{SQLITE_PRAGMAS}"
        else:
            parts = urllib.parse.urlsplit(pg)
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))

    def via(self, port: int) -> str:
        """The URL through a proxy on ``port`` (the round-trip counter)."""
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{port}"
        return urllib.parse.urlunsplit(parts._replace(
            netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))

    def __enter__(self) -> Database:
        if self.kind == "postgres":
            run_async(_pg_execute(self.admin, f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kind == "postgres":
            run_async(_pg_execute(self.admin,
                                  f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        shutil.rmtree(self.dir, ignore_errors=True)


async def _pg_execute(url: str, sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_analyze(url: str) -> None:
    await _pg_execute(url, "ANALYZE")


def pg_reachable(url: str) -> str | None:
    """None, or why PostgreSQL cannot be used."""
    try:
        run_async(_pg_execute(url, "SELECT 1"))
    except Exception as exc:  # any failure means: skip the PostgreSQL rows
        return f"{type(exc).__name__}: {exc}"
    return None


class Server:
    """expo as an operator starts it (``main.py serve``), or the floor, on a free port."""

    def __init__(self, run: Run, db: Database, prepared: Prepared, options: Options,
                 db_url: str | None = None) -> None:
        self.port = free_port()
        self.log = (db.dir / f"server-{self.port}.log").open("wb")
        if run.server == "floor":
            tickets = db.dir / "floor.json"
            tickets.write_text(json.dumps({
                "slug": SLUG, "event_id": prepared.event_id,
                "devices": [[prepared.token, prepared.gate_id, prepared.device_id]],
                "codes": dict(zip(prepared.codes, prepared.keys, strict=True))}))
            command = [sys.executable, str(ROOT / "bench" / "floor_server.py"), "--port",
                       str(self.port), "--db", str(db.file), "--tickets", str(tickets)]
            env = dict(os.environ)
        else:
            command = [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port",
                       str(self.port), "--workers", str(run.workers), *options.serve_args]
            env = {**os.environ, "EXPO_DATA_DIR": str(db.dir), "EXPO_SECRET_KEY": SECRET,
                   "EXPO_DATABASE_URL": db_url or db.url, "EXPO_WORKER": "off",
                   "EXPO_BASE_URL": f"http://127.0.0.1:{self.port}"}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        try:
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, bound: float = 60.0) -> None:
        """Answering HTTP, then quiet (the workers done importing): bounded."""
        deadline = time.monotonic() + bound
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start; see {self.log.name}")
            time.sleep(0.1)
        last = cpu_seconds(self.process.pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = cpu_seconds(self.process.pid)
            if now - last < 0.05:
                return
            last = now

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             b"Connection: close\r\n\r\n")
                return sock.recv(16).startswith(b"HTTP/1.1 ")
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


@dataclasses.dataclass
class Outcome:
    run: Run
    scans: int
    seconds: float
    p50: float
    p99: float
    server_cpu: float
    client_cpu: float
    check: str
    pg_cpu: float | None = None  # backends and helpers
    pg_xacts: int | None = None
    errors: list[str] = dataclasses.field(default_factory=list)
    pg_backends_cpu: float | None = None

    @property
    def rate(self) -> float:
        return self.scans / self.seconds if self.seconds else 0.0

    def per_scan_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.scans else seconds / self.scans * 1000


def _work(prepared: Prepared, start: int, stop: int) -> list[tuple[bytes, str]]:
    nonces = [uuid.uuid4().hex for _ in range(start, stop)]
    return [(scan_request(prepared.token, code, nonce), nonce)
            for code, nonce in zip(prepared.codes[start:stop], nonces, strict=True)]


def _enter_all(port: int, prepared: Prepared) -> None:
    """Admit every visitor once (the state a rescan run starts from); not timed."""
    entered = run_async(load(port, _work(prepared, 0, len(prepared.codes)), 32, 600, OK_ANSWER))
    if len(entered.acked) != len(prepared.codes):
        raise RuntimeError(f"admitting the visitors first: {len(entered.acked)} of "
                           f"{len(prepared.codes)}; {entered.errors[:1]}")


def measure(run: Run, options: Options) -> Outcome:
    """One row: fresh database, server, warm-up, the timed load, the audit."""
    visitors = options.warmup + options.scans
    expect = RESCAN_ANSWER if run.rescan else OK_ANSWER
    with Database(run.database, options.pg) as db:
        prepared = run_async(prepare(db.url, visitors, options.badges, db.dir))
        # Statistics, as autovacuum gathers them after a bulk load (off on some servers, such
        # as a test machine's): without them the planner may scan tables it should not.
        analyze = run.database == "postgres" and options.analyze
        if analyze:
            run_async(_pg_analyze(db.url))
        with Server(run, db, prepared, options) as server:
            if run.rescan:
                _enter_all(server.port, prepared)
                if analyze:
                    run_async(_pg_analyze(db.url))
            warm = run_async(load(server.port, _work(prepared, 0, options.warmup), run.clients,
                                  60, expect))
            if warm.errors:
                raise RuntimeError(f"warm-up: {warm.errors[0]}")
            work = _work(prepared, options.warmup, visitors)
            pg = run.database == "postgres"
            xacts0 = run_async(pg_settled_xacts(options.pg, db.name)) if pg else 0
            pg0 = pg_cpu_seconds(db.name) if pg else (0.0, 0.0)
            server0 = cpu_seconds(server.process.pid)
            done = run_async(load(server.port, work, run.clients, options.seconds, expect))
            server_cpu = cpu_seconds(server.process.pid) - server0
            pg1 = pg_cpu_seconds(db.name) if pg else (0.0, 0.0)
            xacts = run_async(pg_settled_xacts(options.pg, db.name)) - xacts0 if pg else None
            if options.badge_sheet and run.server == "expo":
                cold, warm_s, cards = badge_sheet_seconds(f"http://127.0.0.1:{server.port}")
                print(f"badge sheet: {cards} A6 badges in {cold:.2f} s (again, cached: "
                      f"{warm_s:.2f} s)", file=sys.stderr)
        checked = run_async(audit(db.url, done.acked, rescan=run.rescan))
    scans = len(done.latencies)
    return Outcome(run, scans, done.seconds, pct(done.latencies, .5), pct(done.latencies, .99),
                   server_cpu, done.client_cpu,
                   checked.verdict(rescan=run.rescan, visitors=visitors, errors=len(done.errors)),
                   sum(pg1) - sum(pg0) if pg else None, xacts, done.errors,
                   pg1[0] - pg0[0] if pg else None)


@dataclasses.dataclass(frozen=True)
class RoundTrips:
    valid: float
    rescan: float
    valid_parses: float
    rescan_parses: float
    valid_statements: float = math.nan  # Execute messages and simple queries
    rescan_statements: float = math.nan
    queries: tuple[tuple[str, float], ...] = ()  # simple queries (not the scan's) per scan


def count_round_trips(options: Options, workers: int = 2, scans: int = 200) -> RoundTrips:
    """Round trips to PostgreSQL per scan, valid and rescans, through the counting proxy:
    after a warm-up of both kinds (statements prepared on the pool's connections)."""
    warmup = 200
    parts = urllib.parse.urlsplit(options.pg)
    run = Run("pg-round-trips", "round trips", "expo", "postgres", workers, 4)
    with Database("postgres", options.pg) as db, \
            RoundTripCounter((parts.hostname or "127.0.0.1", parts.port or 5432)) as counter:
        prepared = run_async(prepare(db.url, warmup + scans, 0, db.dir))
        if options.analyze:
            run_async(_pg_analyze(db.url))
        with Server(run, db, prepared, options, db_url=db.via(counter.port)) as server:
            for expect in (OK_ANSWER, RESCAN_ANSWER):
                run_async(load(server.port, _work(prepared, 0, warmup), 4, 60, expect))
            figures = []
            for expect in (OK_ANSWER, RESCAN_ANSWER):
                counter.reset()
                done = run_async(load(server.port, _work(prepared, warmup, warmup + scans), 4,
                                      60, expect))
                if done.errors or not done.latencies:
                    raise RuntimeError(f"round-trip pass: {done.errors[:1]}")
                figures += [counter.round_trips / len(done.latencies),
                            counter.parses / len(done.latencies),
                            (counter.executes + sum(counter.queries.values()))
                            / len(done.latencies)]
                seen = {q: n / len(done.latencies) for q, n in counter.queries.most_common(3)}
    return RoundTrips(figures[0], figures[3], figures[1], figures[4], figures[2], figures[5],
                      tuple(seen.items()))


def badge_sheet_seconds(base: str) -> tuple[float, float, int]:
    import re

    import httpx

    with httpx.Client(base_url=base, timeout=120) as http:
        page = http.get("/login")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        http.post("/login", data={"csrf_token": csrf, "email": "bench@expo.test",
                                  "password": "bench-password-123"})
        timings = []
        for _ in range(2):  # cold, then with the rendered codes cached
            start = time.perf_counter()
            sheet = http.get(f"/manage/e/{SLUG}/badges/sheet",
                             params={"size": "a6", "type": "guest"})
            timings.append(time.perf_counter() - start)
        return timings[0], timings[1], sheet.text.count('class="badge-card')


# ---- Report --------------------------------------------------------------------------------

COLUMNS = ["configuration", "clients", "scans", "scans/s", "p50 ms", "p99 ms",
           "server CPU/scan ms", "PostgreSQL CPU/scan ms", "of it backends", "PG xacts/scan",
           "client CPU/scan ms",
           "exactly once"]


def _num(value: float | None, digits: int) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}"


def table_row(outcome: Outcome) -> list[str]:
    pg_xacts = None if outcome.pg_xacts is None or not outcome.scans \
        else outcome.pg_xacts / outcome.scans
    return [outcome.run.label, str(outcome.run.clients), str(outcome.scans),
            _num(outcome.rate, 0), _num(outcome.p50, 1), _num(outcome.p99, 1),
            _num(outcome.per_scan_ms(outcome.server_cpu), 2),
            _num(outcome.per_scan_ms(outcome.pg_cpu), 2),
            _num(outcome.per_scan_ms(outcome.pg_backends_cpu), 2), _num(pg_xacts, 2),
            _num(outcome.per_scan_ms(outcome.client_cpu), 2), outcome.check]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns padded for reading in a terminal too."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, rows)])


def verdicts(results: dict[str, Outcome], round_trips: RoundTrips | None) -> list[str]:
    """One line per target of issue 17: met / not met, with the numbers."""
    lines: list[str] = []

    def target(name: str, keys: Sequence[str], test: Callable[..., tuple[bool, str]]) -> None:
        found = [results.get(k) for k in keys]
        if any(o is None or not o.scans for o in found):
            lines.append(f"- {name}: not measured")
            return
        met, figures = test(*found)
        lines.append(f"- {name}: {'met' if met else 'NOT met'} ({figures})")

    def at_least(a: Outcome, b: Outcome, factor: float = 1.0) -> tuple[bool, str]:
        return (a.rate >= factor * b.rate,
                f"{a.rate:,.0f} vs {b.rate:,.0f} scans/s, {a.rate / b.rate:.2f}x")

    def p99_under(limit: float) -> Callable[..., tuple[bool, str]]:
        def test(*outcomes: Outcome) -> tuple[bool, str]:
            return (all(o.p99 < limit for o in outcomes),
                    ", ".join(f"{o.run.key} {o.p99:.1f} ms" for o in outcomes))
        return test

    def cpu_within(limit: float) -> Callable[..., tuple[bool, str]]:
        def test(o: Outcome) -> tuple[bool, str]:
            expo, pg = o.per_scan_ms(o.server_cpu) or 0.0, o.per_scan_ms(o.pg_cpu) or 0.0
            return (expo + pg <= limit,
                    f"{expo:.2f} + PostgreSQL {pg:.2f} = {expo + pg:.2f} ms per scan")
        return test

    target("SQLite 1 worker >= floor, 8 clients", ["sqlite-8", "floor-8"], at_least)
    target("SQLite 1 worker >= floor, 32 clients", ["sqlite-32", "floor-32"], at_least)
    target("SQLite 1 worker >= floor, rescans, 32 clients",
           ["sqlite-32-rescan", "floor-32-rescan"], at_least)
    target("SQLite p99 < 25 ms at 32 clients", ["sqlite-32", "sqlite-32-rescan"], p99_under(25))
    target("PostgreSQL 2 workers >= 0.9x SQLite, 32 clients", ["pg2-32", "sqlite-32"],
           lambda a, b: at_least(a, b, 0.9))
    target("PostgreSQL 2 workers p99 < 50 ms at 32 clients", ["pg2-32", "pg2-32-rescan"],
           p99_under(50))
    if round_trips is None:
        lines.append("- PostgreSQL one round trip per scan: not measured")
    else:
        lines.append(
            f"- PostgreSQL one round trip per scan: "
            f"{'met' if max(round_trips.valid, round_trips.rescan) <= 1.0 else 'NOT met'} "
            f"({round_trips.valid:.2f} per valid scan, {round_trips.rescan:.2f} per rescan; "
            f"statements {round_trips.valid_statements:.2f} / "
            f"{round_trips.rescan_statements:.2f}; prepares {round_trips.valid_parses:.2f} / "
            f"{round_trips.rescan_parses:.2f})")
        lines += [f"  - simple query {text!r}: {n:.2f} per rescan"
                  for text, n in round_trips.queries]
    target("PostgreSQL 2 workers CPU <= 0.7 ms per scan (expo + PostgreSQL)", ["pg2-32"],
           cpu_within(0.7))
    target("PostgreSQL 2 workers CPU <= 0.7 ms per rescan", ["pg2-32-rescan"], cpu_within(0.7))
    target("PostgreSQL 4 workers not slower than 2", ["pg4-32", "pg2-32"], at_least)
    target("PostgreSQL 4 workers not slower than 2, rescans", ["pg4-32-rescan", "pg2-32-rescan"],
           at_least)
    return lines


def table(options: Options, only: set[str] | None, round_trips: bool) -> int:
    started = dt.datetime.now(dt.UTC)
    load_start = loadavg()
    by_key = {r.key: r for r in TABLE_RUNS}
    runs = [by_key[k] for k in RUN_ORDER if only is None or k in only]
    if only is not None and only - set(by_key):
        print(f"unknown rows: {', '.join(sorted(only - set(by_key)))}", file=sys.stderr)
        return 2
    skipped = pg_reachable(options.pg) if any(r.database == "postgres" for r in runs) else None
    if skipped:
        print(f"PostgreSQL not reachable at {options.pg} ({skipped}): PostgreSQL rows skipped",
              file=sys.stderr)
        runs = [r for r in runs if r.database != "postgres"]
    results: dict[str, Outcome] = {}
    for run in runs:
        print(f"... {run.key}", end="", flush=True, file=sys.stderr)
        outcome = results[run.key] = measure(run, options)
        print(f": {outcome.rate:,.0f} scans/s, p99 {outcome.p99:.1f} ms, {outcome.check}",
              file=sys.stderr)
    trips = None
    if round_trips and not skipped:
        print("... round trips per scan (PostgreSQL, through the counting proxy)", file=sys.stderr)
        trips = count_round_trips(options)
    print(f"\nScan bench, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs; up to "
          f"{options.scans:,} scans or {options.seconds:g} s per row after {options.warmup} "
          f"warm-up scans; unique tickets (rescans: every visitor already inside)"
          + ("" if skipped or not any(r.database == "postgres" for r in runs) else
             "; PostgreSQL tables " + ("ANALYZEd after loading" if options.analyze
                                       else "not ANALYZEd (--no-analyze)")) + "\n")
    print(markdown_table(COLUMNS, [table_row(results[r.key]) for r in TABLE_RUNS
                                   if r.key in results]))
    if skipped:
        print(f"\nPostgreSQL rows skipped: not reachable at {options.pg} ({skipped})")
    print(f"\nload average (1, 5, 15 min): {load_start} at the start, {loadavg()} at the end")
    print("\nTargets (issue 17):")
    print("\n".join(verdicts(results, trips)))
    failed = [o for o in results.values() if o.check != "ok"]
    for outcome in failed:
        print(f"\n{outcome.run.key}: {outcome.check}; first errors: {outcome.errors[:3]}")
    return 1 if failed else 0


def one_run(args: argparse.Namespace, options: Options) -> int:
    """The old command line: one configuration, more detail."""
    if args.workers > 1 and not args.pg:
        print("SQLite serves one worker; use --pg for several", file=sys.stderr)
        return 2
    server = "floor" if args.floor else "expo"
    run = Run("one", f"{server}, {'PostgreSQL' if args.pg else 'SQLite'}, {args.workers} "
              f"worker{'s' if args.workers > 1 else ''}{', rescans' if args.rescan else ''}",
              server, "postgres" if args.pg else "sqlite", args.workers, args.clients,
              args.rescan)
    load_start = loadavg()
    outcome = measure(run, options)
    print(markdown_table(COLUMNS, [table_row(outcome)]))
    print(f"\n{outcome.scans} scans in {outcome.seconds:.1f} s; load average {load_start} at "
          f"the start, {loadavg()} at the end")
    if outcome.errors:
        print(f"errors {len(outcome.errors)}: {outcome.errors[:3]}")
    return 0 if outcome.check == "ok" else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--table", action="store_true",
                        help="every configuration of issue 17, expo and the floor, one table")
    parser.add_argument("--only", help="--table: these rows only (comma-separated keys: "
                        + ", ".join(r.key for r in TABLE_RUNS) + ")")
    parser.add_argument("--no-round-trips", action="store_true",
                        help="--table: skip counting PostgreSQL round trips per scan")
    parser.add_argument("--scans", type=int, help="timed scans per run at most (table: 20000)")
    parser.add_argument("--visitors", type=int, default=20000, help="one run: the same as --scans")
    parser.add_argument("--seconds", type=float, help="time bound of a run (table 10, else 20)")
    parser.add_argument("--warmup", type=int, default=500, help="scans before timing (default 500)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rescan", action="store_true", help="one run: scan visitors inside")
    parser.add_argument("--floor", action="store_true", help="one run: the floor, not expo")
    parser.add_argument("--badges", type=int, default=2000,
                        help="guest visitors (their badge sheet; --badge-sheet)")
    parser.add_argument("--badge-sheet", action="store_true",
                        help="one run: time the A6 badge sheet of the guests after the load")
    parser.add_argument("--pg", help="a PostgreSQL URL; fresh databases are created beside it "
                        f"(table default {DEFAULT_PG})")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: no ANALYZE after loading the visitors (nor after "
                             "admitting them before rescans)")
    parser.add_argument("--serve-args", default="",
                        help="more arguments for `main.py serve`, e.g. '--no-access-log'")
    args = parser.parse_args(argv)
    options = Options(warmup=args.warmup, serve_args=tuple(shlex.split(args.serve_args)),
                      badges=0 if args.table else args.badges, badge_sheet=args.badge_sheet,
                      analyze=not args.no_analyze)
    if args.table:
        options = dataclasses.replace(options, scans=args.scans or 20_000,
                                      seconds=args.seconds or 10.0, pg=args.pg or DEFAULT_PG)
        only = set(args.only.split(",")) if args.only else None
        return table(options, only, round_trips=not args.no_round_trips)
    options = dataclasses.replace(options, scans=args.scans or args.visitors,
                                  seconds=args.seconds or 20.0, pg=args.pg or DEFAULT_PG)
    return one_run(args, options)


if __name__ == "__main__":
    sys.exit(main())
