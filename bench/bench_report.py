"""Time the event report workbook on a big event: 100,000 check-ins and 100,000 leads.

    python bench/bench_report.py                      SQLite file in a temporary directory
    python bench/bench_report.py --pg postgres://postgres@127.0.0.1:5432/postgres

Step 1 synthesizes the event with bulk INSERTs (60,000 visitors, 100,000 check-ins over three
days, 200 exhibitors with booths and sales). Step 2 builds the workbook in a fresh child
process (so that its peak memory is the build's alone) and prints seconds, peak RSS and rows.
Targets: under 30 s and under 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "bench-report"


def _placeholders(dialect: str, n: int) -> str:
    if dialect == "sqlite":
        return ", ".join("?" * n)
    return ", ".join(f"${i}" for i in range(1, n + 1))


async def _insert(conn, dialect: str, table: str, columns: list[str], rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({_placeholders(dialect, len(columns))})")
    step = 2000  # asyncpg binds at most 32,767 arguments per statement
    for start in range(0, len(rows), step):
        await conn.execute_many(sql, rows[start:start + step])


async def seed_exhibitors(conn, dialect: str, event_id: int, n: int, at: dt.datetime) -> list[int]:  # type: ignore[no-untyped-def]
    """N producers with an accepted application each; returns the application ids."""
    await _insert(conn, dialect, "producers", [
        "business_name", "owner_name", "phone", "email", "kabupaten", "address", "category",
        "cluster", "description", "instagram", "facebook", "tiktok", "website", "nib",
        "pirt_number", "halal_number", "bpom_number", "workers", "smk_workers", "smk_interns",
        "is_micro", "created_at", "updated_at"], [
        (f"UMKM {i}", f"Ibu {i}", "+6281200000000", f"u{i}@example.id", "Kota Samarinda", "",
         "kuliner", "", "", "", "", "", "", "", "", "", "", 3, i % 2, 0, True, at, at)
        for i in range(n)])
    producer_ids = [r[0] for r in (await conn.execute_query(
        "SELECT id FROM producers ORDER BY id"))[1]]
    await _insert(conn, dialect, "applications", [
        "event_id", "producer_id", "status", "booth_type", "booths_needed", "power_watts",
        "needs_water", "first_time", "note", "decision_message", "source", "created_at",
        "updated_at"], [(event_id, p, "accepted", "standard", 1, 0, False, False, "", "",
                         "online", at, at) for p in producer_ids])
    return [r[0] for r in (await conn.execute_query(
        f"SELECT id FROM applications WHERE event_id = {int(event_id)} ORDER BY id"))[1]]


async def synthesize(db_url: str, visitors: int, checkins: int, exhibitors: int,
                     leads: int) -> None:
    from tortoise import Tortoise, connections

    from expo.db import tortoise_config
    from expo.events.models import Event, EventDay

    await Tortoise.init(config=tortoise_config(db_url), _create_db=db_url.startswith("postgres"))
    await Tortoise.generate_schemas(safe=True)
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    rng = random.Random(7)
    start = dt.date(2027, 4, 20)
    event = await Event.create(slug=SLUG, name="Bench", venue="GOR Segiri", starts_on=start,
                               ends_on=start + dt.timedelta(days=2), status="published")
    for i in range(3):
        await EventDay.create(event=event, date=start + dt.timedelta(days=i), opens_at="09:00",
                              closes_at="21:00")
    now = dt.datetime(2027, 4, 1, tzinfo=dt.UTC)
    await _insert(conn, dialect, "visitor_gates", ["event_id", "name", "created_at"],
                  [(event.id, f"Pintu {i}", now) for i in range(1, 4)])
    gate_ids = [g[0] for g in (await conn.execute_query(
        f"SELECT id FROM visitor_gates WHERE event_id = {event.id}"))[1]]
    types = ["umum", "umum", "umum", "pelajar", "instansi", "buyer"]
    await _insert(conn, dialect, "visitors", [
        "event_id", "ticket_key", "link_token", "name", "phone", "email", "type", "agency",
        "organisation", "kabupaten", "source", "consent_share", "inside", "entries",
        "created_at"], [
        (event.id, f"k{n:013d}", uuid.uuid4().hex, f"Pengunjung {n}", f"+62812{n:08d}",
         f"p{n}@example.id", rng.choice(types), "", "", "Kota Samarinda", "online",
         rng.random() < 0.45, False, 0, now) for n in range(visitors)])
    first_id = (await conn.execute_query(
        f"SELECT MIN(id) FROM visitors WHERE event_id = {event.id}"))[1][0][0]
    rows = []
    for n in range(checkins):
        day = start + dt.timedelta(days=n % 3)
        at = dt.datetime.combine(day, dt.time(1 + n % 12, n % 60), tzinfo=dt.UTC)
        rows.append((event.id, first_id + n % visitors, rng.choice(gate_ids), f"b{n}", "in",
                     True, False, day, at, at))
    await _insert(conn, dialect, "visitor_scans", [
        "event_id", "visitor_id", "gate_id", "nonce", "direction", "ok", "forced", "day",
        "scanned_at", "recorded_at"], rows)
    app_ids = await seed_exhibitors(conn, dialect, event.id, exhibitors, now)
    producer_ids = [r[0] for r in (await conn.execute_query(
        "SELECT id FROM producers ORDER BY id"))[1]]
    await _insert(conn, dialect, "sales_reports", [
        "event_id", "producer_id", "day", "omzet", "units", "per_product", "note", "created_at",
        "updated_at"], [(event.id, p, start + dt.timedelta(days=d), rng.randrange(10**5, 10**7),
                         rng.randrange(1, 300), False, "", now, now)
                        for p in producer_ids for d in range(3)])
    statuses = ["new", "new", "contacted", "quoted", "won", "lost"]
    await _insert(conn, dialect, "leads", [
        "event_id", "application_id", "visitor_id", "source", "rating", "status", "notes", "tags",
        "value", "scans", "last_nonce", "first_at", "last_at"], [
        (event.id, app_ids[n % len(app_ids)], first_id + n // len(app_ids),
         rng.choice(["scan", "save", "contact", "inquiry"]), rng.choice(["hot", "warm", "cold"]),
         rng.choice(statuses), "", "", rng.randrange(0, 50) * 100_000, 1, "",
         now + dt.timedelta(seconds=n), now + dt.timedelta(seconds=n)) for n in range(leads)])
    await Tortoise.close_connections()


async def build(db_url: str, target: str, leads: int) -> None:
    from tortoise import Tortoise

    from expo.db import tortoise_config
    from expo.events.models import Event
    from expo.reports.workbook import build_event_workbook

    await Tortoise.init(config=tortoise_config(db_url))
    event = await Event.get(slug=SLUG)
    began = time.perf_counter()
    rows = await build_event_workbook(event=event, target=target)
    seconds = time.perf_counter() - began
    await Tortoise.close_connections()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = Path(target).stat().st_size / 2**20  # noqa: ASYNC240
    print(f"workbook: {rows:,} rows in {seconds:.1f} s, peak RSS {peak:.0f} MB, "
          f"file {size:.1f} MB")


async def _drop(db_url: str) -> None:
    import asyncpg

    server, name = db_url.rsplit("/", 1)
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL of a server (a fresh database is made)")
    parser.add_argument("--visitors", type=int, default=60_000)
    parser.add_argument("--checkins", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--exhibitors", type=int, default=200)
    parser.add_argument("--build", nargs=2, metavar=("DB_URL", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        asyncio.run(build(args.build[0], args.build[1], args.leads))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        if args.pg:
            import asyncpg  # noqa: F401  (fails early without the driver)

            db_url = args.pg.rsplit("/", 1)[0] + f"/bench_{uuid.uuid4().hex[:8]}"
        else:
            db_url = f"sqlite://{tmp}/bench.sqlite3"
        began = time.perf_counter()
        asyncio.run(synthesize(db_url, args.visitors, args.checkins, args.exhibitors,
                               args.leads))
        print(f"synthesized {args.visitors:,} visitors, {args.checkins:,} check-ins, "
              f"{args.leads:,} leads, {args.exhibitors} exhibitors in "
              f"{time.perf_counter() - began:.1f} s")
        target = str(Path(tmp) / "report.xlsx")
        child = subprocess.run([sys.executable, __file__, "--leads", str(args.leads), "--build",
                                db_url, target], check=False)
        if args.pg:
            asyncio.run(_drop(db_url))
        return child.returncode


if __name__ == "__main__":
    raise SystemExit(main())
