"""Load test of the gate scan API: unique scans from concurrent clients, then an audit.

    python bench/bench_scans.py                       SQLite, one worker, 32 clients
    python bench/bench_scans.py --pg postgres://postgres@127.0.0.1:5432/postgres --workers 2

It registers N visitors in a fresh database, starts the server on 127.0.0.1 in a subprocess,
sends one scan per visitor (unique code and nonce) from C keep-alive clients, bounded by count
and time, and prints scans/s with p50/p95/p99 latency. Then it checks in the database that
every acknowledged scan was recorded exactly once, and times a 2,000-badge A6 sheet.
Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SLUG = "bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def prepare(db_url: str, visitors: int, badges: int) -> tuple[list[str], str]:
    """Schema, an event open all day, N visitors, a device token and a committee login."""
    from tortoise import Tortoise

    from expo.accounts.models import EventRole, Role, User
    from expo.db import tortoise_config
    from expo.events.models import Event, EventDay
    from expo.security import hash_password
    from expo.settings import Settings
    from expo.visitors import codes, keys, service
    from expo.visitors.models import GateRules, Visitor, VisitorType

    await Tortoise.init(config=tortoise_config(db_url))
    await Tortoise.generate_schemas(safe=True)
    today = dt.date.today()
    event = await Event.create(slug=SLUG, name="Bench", venue="GOR", starts_on=today,
                               ends_on=today, status="published", timezone="UTC")
    await EventDay.create(event=event, date=today, opens_at="00:00", closes_at="23:59")
    await GateRules.create(event=event, enforce_hours=False, reentry=False)
    gate = await service.create_gate(event=event, name="Pintu Utama", by=None)
    _tok, plain = await service.create_device_token(event=event, gate=gate, by=None)
    user = await User.create(email="bench@expo.test", name="Bench",
                             password_hash=hash_password("bench-password-123"))
    await EventRole.create(event=event, user=user, role=Role.COMMITTEE)
    # The event's current key, as the server will find it (made now, on first use).
    signer = await keys.keyring(event_id=event.id,
                                settings=Settings(database_url=db_url, secret_key=SECRET))
    rows = [Visitor(event=event, ticket_key=codes.new_ticket_key(), link_token=uuid.uuid4().hex,
                    name=f"Pengunjung {i}", type=VisitorType.GUEST if i < badges else "umum")
            for i in range(visitors)]
    await Visitor.bulk_create(rows, batch_size=1000)
    keys = await Visitor.filter(event=event).values_list("ticket_key", flat=True)
    all_codes = [codes.make_code(signer=signer, event_id=event.id, key=k) for k in keys]
    await Tortoise.close_connections()
    return all_codes, plain


async def audit(db_url: str, acked: set[str]) -> tuple[int, int, int]:
    """(acknowledged, recorded once, duplicates) from the scan table."""
    from tortoise import Tortoise

    from expo.db import tortoise_config
    from expo.visitors.models import Scan

    await Tortoise.init(config=tortoise_config(db_url))
    rows = await Scan.filter(ok=True).values_list("nonce", flat=True)
    await Tortoise.close_connections()
    counts: dict[str, int] = {}
    for nonce in rows:
        counts[nonce] = counts.get(nonce, 0) + 1  # type: ignore[index]
    once = sum(1 for n in acked if counts.get(n) == 1)
    dupes = sum(1 for c in counts.values() if c > 1)
    return len(acked), once, dupes


async def client(port: int, token: str, work: list[tuple[str, str]], cursor: list[int],
                 deadline: float, latencies: list[float], acked: set[str],
                 errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST /api/v1/events/{SLUG}/scans HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n")
    while cursor[0] < len(work) and time.perf_counter() < deadline:
        code, nonce = work[cursor[0]]
        cursor[0] += 1
        body = json.dumps({"code": code, "nonce": nonce, "direction": "in"}).encode()
        start = time.perf_counter()
        writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        payload = await reader.readexactly(length)
        latencies.append(time.perf_counter() - start)
        if b" 200 " in status_line and b'"status":"ok"' in payload:
            acked.add(nonce)
        else:
            errors.append(status_line.decode().strip() + " " + payload[:120].decode())
    writer.close()


async def load(port: int, token: str, all_codes: list[str], clients: int,
               seconds: float) -> tuple[float, list[float], set[str], list[str]]:
    work = [(c, uuid.uuid4().hex) for c in all_codes]
    cursor, latencies, acked, errors = [0], [], set(), []
    start = time.perf_counter()
    await asyncio.gather(*[client(port, token, work, cursor, start + seconds, latencies, acked,
                                  errors) for _ in range(clients)])
    return time.perf_counter() - start, latencies, acked, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (uvicorn workers), from /proc."""
    total = 0.0
    try:
        pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
    return total


def run_load(*args: object) -> tuple[float, list[float], set[str], list[str]]:
    try:
        import uvloop

        return uvloop.run(load(*args))  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(load(*args))  # type: ignore[arg-type]


def badge_sheet_seconds(base: str) -> tuple[float, float, int]:
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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound of the load")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--badges", type=int, default=2000)
    parser.add_argument("--pg", help="a PostgreSQL URL; a fresh database is created beside it")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="expo-bench-"))
    pg_name = ""
    if args.pg:
        import asyncpg

        pg_name = f"expo_bench_{uuid.uuid4().hex[:8]}"
        admin = args.pg

        async def pg(sql: str) -> None:
            conn = await asyncpg.connect(admin)
            await conn.execute(sql)
            await conn.close()

        asyncio.run(pg(f'CREATE DATABASE "{pg_name}"'))
        parts = urllib.parse.urlsplit(args.pg)
        db_url = urllib.parse.urlunsplit(parts._replace(path="/" + pg_name))
    else:
        from expo.settings import SQLITE_PRAGMAS

        db_url = f"sqlite://{data_dir / 'bench.sqlite3'}?{SQLITE_PRAGMAS}"
    if args.workers > 1 and not args.pg:
        print("SQLite serves one worker; use --pg for several", file=sys.stderr)
        return 2
    print(f"preparing {args.visitors} visitors on {'PostgreSQL' if args.pg else 'SQLite'} ...")
    all_codes, token = asyncio.run(prepare(db_url, args.visitors, args.badges))
    port = free_port()
    env = {**os.environ, "EXPO_DATA_DIR": str(data_dir), "EXPO_SECRET_KEY": SECRET,
           "EXPO_DATABASE_URL": db_url, "EXPO_BASE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "expo.app:app_factory", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(args.workers), "--no-access-log",
         "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        time.sleep(0.5)
        server_cpu0, client_cpu0 = cpu_seconds(server.pid), time.process_time()
        elapsed, latencies, acked, errors = run_load(port, token, all_codes, args.clients,
                                                     args.seconds)
        server_cpu = cpu_seconds(server.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        sheet_s, sheet_warm, cards = badge_sheet_seconds(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=15)
    total, once, dupes = asyncio.run(audit(db_url, acked))
    print(f"{len(latencies)} scans from {args.clients} clients in {elapsed:.1f} s "
          f"({args.workers} worker{'s' if args.workers > 1 else ''}): "
          f"{len(latencies) / elapsed:.0f} scans/s")
    print(f"latency ms: p50 {pct(latencies, .5):.1f}  p95 {pct(latencies, .95):.1f}  "
          f"p99 {pct(latencies, .99):.1f}  max {max(latencies) * 1000:.1f}  "
          f"mean {statistics.fmean(latencies) * 1000:.1f}")
    print(f"cpu: server {server_cpu / len(latencies) * 1e6:.0f} us/scan, "
          f"load generator {client_cpu / len(latencies) * 1e6:.0f} us/scan")
    print(f"acknowledged {total}, recorded exactly once {once}, duplicated nonces {dupes}, "
          f"errors {len(errors)}{': ' + errors[0] if errors else ''}")
    print(f"badge sheet: {cards} A6 badges in {sheet_s:.2f} s (again, cached: {sheet_warm:.2f} s)")
    if pg_name:
        asyncio.run(pg(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    return 0 if total == once and not dupes else 1


if __name__ == "__main__":
    sys.exit(main())
