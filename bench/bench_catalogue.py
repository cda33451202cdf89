"""Time the public catalogue's search on a big catalogue: 5,000 listed producers in 20
clusters, 50,000 products over 40 kinds, and 2,000 promised quotes (half of them on live
orders) that the capacity maths subtracts.

    python bench/bench_catalogue.py                   SQLite file in a temporary directory
    EXPO_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        python bench/bench_catalogue.py               ... and a temporary PostgreSQL database

(``EXPO_TEST_DATABASE_URL`` is used when ``EXPO_BENCH_DATABASE_URL`` is unset.) The data is
made with bulk INSERTs; each search runs 30 times (at most 10 s a case) after one warm-up, and
the table shows the median and 95th percentile in milliseconds. Target: under 100 ms. The
public form asks what is needed with a quantity ("2,000 units" of what?): the capacity cases
all carry a word; a word that names kinds in use narrows the search to those kinds through the
``(kind, producer_id)`` index; "a name's word" (no kind contains it) scans every name. SQLite
runs twice: with the app's pragmas, and with a bigger cache and in-memory temporary B-trees
(the capacity search sorts ~50,000 rows to group them by producer, cluster and kind).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0
RUNS = 30
MAX_SECONDS = 10.0
TUNED = "cache_size=-32000&temp_store=MEMORY"  # a bigger sorter cache, temp B-trees in memory
TODAY = dt.date(2027, 3, 1)
KABUPATEN = ["Kota Samarinda", "Kota Balikpapan", "Kota Bontang", "Kabupaten Berau",
             "Kabupaten Kutai Kartanegara", "Kabupaten Kutai Timur", "Kabupaten Paser"]
CATEGORIES = ["kuliner", "oleh-oleh", "kriya", "fesyen", "aksesoris"]


def _placeholders(dialect: str, n: int) -> str:
    if dialect == "sqlite":
        return ", ".join("?" * n)
    return ", ".join(f"${i}" for i in range(1, n + 1))


async def _insert(conn, dialect: str, table: str, columns: list[str], rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
           f"VALUES ({_placeholders(dialect, len(columns))})")
    step = 2000
    for start in range(0, len(rows), step):
        await conn.execute_many(sql, rows[start:start + step])


async def _ids(conn, table: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [r[0] for r in (await conn.execute_query(f"SELECT id FROM {table} ORDER BY id"))[1]]


async def seed_catalogue(conn, dialect: str, producers: int, products: int,  # type: ignore[no-untyped-def]
                         rng: random.Random) -> None:
    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    await _insert(conn, dialect, "producers", [
        "business_name", "owner_name", "phone", "email", "kabupaten", "address", "category",
        "cluster", "description", "instagram", "facebook", "tiktok", "website", "nib",
        "pirt_number", "halal_number", "halal_expires_on", "bpom_number", "workers",
        "smk_workers", "smk_interns", "is_micro", "created_at", "updated_at"], [
        (f"UMKM {i} {rng.choice(['Bu Ani', 'Pak Udin', 'Mama Ida', 'Kak Rini'])}", f"Ibu {i}",
         "+6281200000000", f"u{i}@example.id", rng.choice(KABUPATEN), "",
         rng.choice(CATEGORIES), f"klaster {i % 20:02d}", "", "", "", "", "", f"{i:013d}",
         f"P-IRT {i}", f"ID{i:08d}" if i % 2 else "", dt.date(2029 - i % 3, 1, 1), "",
         5, i % 3, 0, True, at, at) for i in range(producers)])
    producer_ids = await _ids(conn, "producers")
    await _insert(conn, dialect, "proc_listings", [
        "producer_id", "listed", "nib_verified_at", "halal_verified_at", "created_at",
        "updated_at"], [(p, n % 25 != 0, at, at if n % 2 else None, at, at)
                        for n, p in enumerate(producer_ids)])
    kinds = [f"jenis{k:02d}" for k in range(40)]
    rows = []
    for n in range(products):
        producer = producer_ids[n % len(producer_ids)]
        kind = kinds[(n // len(producer_ids) + producer) % 40]
        weekly = rng.choice([0, 20, 50, 100, 300])
        rows.append((producer, f"Produk {kind} {n}", "", 20_000 + n % 50 * 1000,
                     30_000 + n % 50 * 1000, weekly, 0 if weekly else rng.choice([100, 1200]),
                     "pcs", rng.choice([0, 3, 7, 14]), rng.choice([1, 10, 50]), kind, "", at))
    await _insert(conn, dialect, "products", [
        "producer_id", "name", "description", "price_min", "price_max", "capacity_per_week",
        "capacity_per_month", "capacity_unit", "lead_time_days", "min_order", "kind", "photo",
        "created_at"], rows)


async def seed_promises(conn, dialect: str, quotes: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Accepted quotes (half of them on issued orders): what the producers already owe."""
    from expo.procurement.models import Organisation, PurchaseRequest, RequestItem

    org = await Organisation.create(name="Dinas Bench", kabupaten="Kota Samarinda")
    at = dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
    products = (await conn.execute_query(
        f"SELECT id, producer_id FROM products ORDER BY id LIMIT {int(quotes)}"))[1]
    items = []
    for n in range(0, len(products), 100):
        req = await PurchaseRequest.create(organisation=org, title=f"Bench {n}",
                                           delivery_address="x", status="ordered")
        items.append(await RequestItem.create(request=req, name="x", quantity=10**6,
                                              unit="pcs", needed_by=TODAY))
    await _insert(conn, dialect, "proc_quotes", [
        "item_id", "producer_id", "product_id", "status", "proposed_quantity", "quantity",
        "unit_price", "note", "over_capacity", "accepted_quantity", "reminders", "created_at",
        "updated_at"], [(items[n // 100].id, producer, product, "accepted", 50, 50, 1000, "",
                         False, rng.randrange(10, 50), 0, at, at)
                        for n, (product, producer) in enumerate(products)])
    quoted = (await conn.execute_query(
        "SELECT q.id, q.item_id, q.producer_id, q.product_id, i.request_id FROM proc_quotes q "
        "JOIN proc_request_items i ON i.id = q.item_id ORDER BY q.id"))[1][::2]
    await _insert(conn, dialect, "proc_orders", [
        "request_id", "organisation_id", "producer_id", "status", "total", "delivery_address",
        "due_on", "approval_required", "reason", "created_at", "updated_at"], [
        (row[4], org.id, row[2], "issued", 50_000, "x", TODAY, False, "", at, at)
        for row in quoted])
    orders = await _ids(conn, "proc_orders")
    await _insert(conn, dialect, "proc_order_lines", [
        "order_id", "quote_id", "item_id", "product_id", "name", "quantity", "unit",
        "unit_price", "delivery_on", "received", "damaged"], [
        (order, row[0], row[1], row[3], "x", 50, "pcs", 1000, TODAY, rng.randrange(0, 20), 0)
        for order, row in zip(orders, quoted, strict=True)])


def _cases() -> list[tuple[str, Any, int]]:
    from expo.procurement.catalogue import Filters

    by = TODAY + dt.timedelta(days=30)
    return [
        ("all products, page 1", Filters(), 1),
        ("all products, page 50", Filters(), 50),
        ("words 'jenis07 umkm'", Filters(q="jenis07 umkm"), 1),
        ("kabupaten + halal", Filters(kabupaten="Kota Bontang", halal=True), 1),
        ("capacity 500 + a kind's word", Filters(q="jenis07", quantity=500, needed_by=by), 1),
        ("capacity 5,000 + word (cluster)", Filters(q="jenis07", quantity=5000,
                                                    needed_by=by), 1),
        ("capacity + word + halal", Filters(q="jenis07", halal=True, quantity=800,
                                            needed_by=by), 1),
        ("capacity + word, page 20", Filters(q="jenis07", quantity=100, needed_by=by), 20),
        ("capacity + two words", Filters(q="jenis07 produk", quantity=800, needed_by=by), 1),
        ("capacity + a name's word", Filters(q="umkm", quantity=800, needed_by=by), 1),
    ]


async def time_searches() -> list[tuple[str, int, float, float, int]]:
    from expo.procurement import catalogue

    out = []
    for label, filters, page in _cases():
        result = await catalogue.search(filters=filters, today=TODAY, page=page)  # warm-up
        times: list[float] = []
        began = time.perf_counter()
        while len(times) < RUNS and time.perf_counter() - began < MAX_SECONDS:
            start = time.perf_counter()
            await catalogue.search(filters=filters, today=TODAY, page=page)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(len(times) * 0.95)) - 1)]
        out.append((label, result.total, statistics.median(times), p95, len(times)))
    return out


async def run(db_url: str, producers: int, products: int, quotes: int) -> None:
    from tortoise import Tortoise, connections
    from tortoise.backends.base.executor import EXECUTOR_CACHE

    EXECUTOR_CACHE.clear()  # insert statements are cached per connection name, not dialect
    await Tortoise.init(config=_config(db_url), _create_db=db_url.startswith("postgres"))
    try:
        await Tortoise.generate_schemas(safe=True)
        conn = connections.get("default")
        dialect = conn.capabilities.dialect
        began = time.perf_counter()
        rng = random.Random(15)
        await seed_catalogue(conn, dialect, producers, products, rng)
        await seed_promises(conn, dialect, quotes, rng)
        await conn.execute_script("ANALYZE")
        print(f"{dialect}: {producers:,} producers, {products:,} products, {quotes:,} promised "
              f"quotes made in {time.perf_counter() - began:.1f} s")
        rows = await time_searches()
    finally:
        await Tortoise.close_connections()
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'search':<32} {'found':>7} {'median':>9} {'p95':>9} {'runs':>5}  target")
    for label, total, median, p95, runs in rows:
        verdict = "ok" if p95 < TARGET_MS else "SLOW"
        print(f"  {label:<32} {total:>7,} {median:>7.1f}ms {p95:>7.1f}ms {runs:>5}  "
              f"< {TARGET_MS:.0f} ms {verdict}")


def _config(db_url: str) -> dict[str, Any]:
    from expo.db import tortoise_config

    return tortoise_config(db_url)


async def _drop(db_url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    server, name = db_url.rsplit("/", 1)
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--producers", type=int, default=5000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--quotes", type=int, default=2000)
    args = parser.parse_args()
    producers = max(min(args.producers, 50_000), 20)
    products = max(min(args.products, 500_000), producers)
    quotes = max(min(args.quotes, products, 20_000), 0)
    from expo.settings import SQLITE_PRAGMAS

    for label, pragmas in (("app's pragmas", SQLITE_PRAGMAS),
                           ("+ " + TUNED, f"{SQLITE_PRAGMAS}&{TUNED}")):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite with {label}")
            asyncio.run(run(f"sqlite://{tmp}/bench.sqlite3?{pragmas}", producers, products,
                            quotes))
    server = (os.environ.get("EXPO_BENCH_DATABASE_URL")
              or os.environ.get("EXPO_TEST_DATABASE_URL") or "").strip()
    if server:
        db_url = (server.replace("postgresql://", "postgres://").rsplit("/", 1)[0]
                  + f"/bench_{uuid.uuid4().hex[:8]}")
        try:
            asyncio.run(run(db_url, producers, products, quotes))
        finally:
            asyncio.run(_drop(db_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
